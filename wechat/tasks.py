"""Celery tasks of the messaging outbox: ids in, state checked in the row, harmless to rerun."""

from celery import shared_task

from . import outbox


@shared_task(name="wechat.message_send", ignore_result=True, time_limit=120, soft_time_limit=90,
             rate_limit=None)
def message_send(message_id: int) -> str | None:
    return outbox.message_send_now(message_id)


@shared_task(name="wechat.messages_dispatch_due", ignore_result=True, time_limit=300)
def messages_dispatch_due() -> int:
    """Every minute: hand due messages (new ones whose nudge was lost, retries) to workers."""
    due = outbox.messages_due()
    for message_id in due:
        outbox.message_nudge(message_send, message_id)
    return len(due)


@shared_task(name="wechat.messages_recover", ignore_result=True, time_limit=300)
def messages_recover() -> dict:
    return outbox.messages_recover()
