"""Celery tasks of the messaging outbox: ids in, state checked in the row, harmless to rerun.

None of them is scheduled with an ETA or countdown: a message waiting for its next attempt waits
in its row (``next_attempt_at``) and the dispatcher hands it over when due, so Redis' visibility
timeout never sees a long-waiting task it could deliver twice. Tasks are acknowledged late
(settings): a task of a worker that died is delivered again, finds its message claimed and does
nothing; the message itself is recovered by ``messages_recover``.
"""

from celery import shared_task

from . import outbox


# Hard limit well under the outbox's sending lease (outbox.SENDING_LEASE_SECONDS, 10 min): the
# recovery job must never take a row whose worker is still alive. The soft limit leaves room for
# a rate-limit wait (outbox.RATE_WAIT_SECONDS) and a token refresh plus two HTTP timeouts.
@shared_task(name="wechat.message_send", ignore_result=True, time_limit=120, soft_time_limit=90)
def message_send(message_id: int) -> str | None:
    return outbox.message_send_now(message_id)


# A batch starts no send after outbox.SEND_BATCH_BUDGET_SECONDS (60 s); one send takes at most a
# rate-limit wait and two HTTP timeouts, so the batch ends well inside these limits (and the
# lease).
@shared_task(name="wechat.messages_send", ignore_result=True, time_limit=300, soft_time_limit=240)
def messages_send(message_ids: list[int]) -> int:
    return outbox.messages_send_now(message_ids)


@shared_task(name="wechat.messages_dispatch_due", ignore_result=True, time_limit=300, soft_time_limit=280)
def messages_dispatch_due() -> int:
    """Every minute: hand due messages (retries, requeued ones, new ones whose nudge was lost) to
    workers, in batches. A message nudged twice is sent once: the second task finds it claimed."""
    due = outbox.messages_due()
    outbox.messages_nudge(due)
    return len(due)


@shared_task(name="wechat.messages_recover", ignore_result=True, time_limit=300, soft_time_limit=280)
def messages_recover() -> dict:
    """Every five minutes: stranded sends become uncertain, delivery reports settle them, the
    unsettled ones past the settle window are queued again."""
    return outbox.messages_recover()
