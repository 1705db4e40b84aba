"""The messaging outbox (WX-3): enqueue in the caller's transaction, send from a worker.

Guarantees:
* **Once per key.** ``message_enqueue`` is idempotent on its key: the same business event never
  makes two messages, however often the caller runs.
* **Never twice.** A worker claims a message (``pending`` → ``sending``) in a committed row update
  before calling WeChat, so no other worker can take it. If the worker dies mid-send the row stays
  ``sending``; the recovery job marks it ``uncertain`` and does not resend on its own: a template
  message WeChat did deliver comes back as a TEMPLATESENDJOBFINISH event, which settles it as
  sent; one still unsettled after the settle window was not delivered and is queued again.
* **Never lost.** Busy, rationed or unreachable WeChat → back to ``pending`` with exponential
  backoff; a refused token is refreshed once; after the last attempt the message is ``dead`` and
  visible to head office. Users who do not follow (43004) or refused (43101) are ``failed`` at once.
* **Opt-out.** A marketing message to a customer who opted out is ``skipped``, never sent.
All retries go through ``messages_dispatch_due`` (beat, every minute) rather than Celery ETAs, so
Redis' visibility timeout never re-delivers a long wait as a duplicate.
"""

import logging
import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from .errors import Action, classify
from .models import Message

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 3600
SENDING_LEASE = timedelta(minutes=10)  # longer than the send task's hard time limit
SETTLE_WINDOW = timedelta(minutes=15)  # WeChat reports delivery of a template within seconds


def message_enqueue(*, key: str, openid: str, template_id: str, data: dict, purpose: str, url: str = "",
                    kind: str = Message.Kind.TEMPLATE, customer=None, staff=None, store=None,
                    is_marketing: bool = False) -> Message:
    """Queue one message under ``key`` (idempotent). Call inside the business transaction; the
    send starts after commit."""
    skipped = is_marketing and customer is not None and customer.marketing_opt_out
    message, created = Message.objects.get_or_create(key=key, defaults={
        "openid": openid, "template_id": template_id, "data": data, "url": url, "kind": kind, "purpose": purpose,
        "customer": customer, "staff": staff, "store": store or getattr(customer, "store", None) or getattr(staff, "store", None),
        "is_marketing": is_marketing, "status": Message.Status.SKIPPED if skipped else Message.Status.PENDING,
    })
    if created and not skipped:
        from .tasks import message_send

        transaction.on_commit(lambda: message_nudge(message_send, message.pk))
    return message


def message_nudge(task, message_id: int) -> None:
    """Hand the message to a worker; if the broker is down, the dispatcher picks it up later."""
    try:
        task.delay(message_id)
    except Exception:  # noqa: BLE001 - the row is committed; losing the nudge loses nothing
        log.warning("broker unavailable; message %s waits for the dispatcher", message_id, exc_info=True)


def _claim(message_id: int) -> Message | None:
    now = timezone.now()
    with transaction.atomic():
        message = (Message.objects.select_for_update(skip_locked=True)
                   .filter(pk=message_id, status=Message.Status.PENDING, next_attempt_at__lte=now).first())
        if message is None:
            return None
        message.status, message.claimed_at, message.attempts = Message.Status.SENDING, now, message.attempts + 1
        message.save(update_fields=["status", "claimed_at", "attempts"])
    return message


def _deliver(message: Message) -> int | None:
    from .client import call_with_token_retry, official_account_client

    client = official_account_client()
    if message.kind == Message.Kind.SUBSCRIBE:
        result = call_with_token_retry(client, client.message.send_subscribe_message, message.openid,
                                       message.template_id, message.data, page=None)
        return None if not isinstance(result, dict) else result.get("msgid")
    result = call_with_token_retry(client, client.message.send_template, message.openid, message.template_id,
                                   message.data, url=message.url or None)
    return result.get("msgid") if isinstance(result, dict) else None


def message_send_now(message_id: int) -> str | None:
    """Send one message if it is due and nobody else has it. Returns the new status (or None)."""
    message = _claim(message_id)
    if message is None:
        return None
    try:
        msgid = _deliver(message)
    except Exception as exc:  # noqa: BLE001 - every failure is classified and recorded
        return _record_failure(message, exc)
    Message.objects.filter(pk=message.pk).update(status=Message.Status.SENT, wechat_msgid=msgid,
                                                 sent_at=timezone.now(), last_error="", last_error_code=None)
    return Message.Status.SENT


def backoff(attempts: int) -> timedelta:
    seconds = min(BACKOFF_BASE_SECONDS * 2 ** (attempts - 1), BACKOFF_CAP_SECONDS)
    return timedelta(seconds=seconds * random.uniform(0.8, 1.2))


def _record_failure(message: Message, exc: BaseException) -> str:
    now = timezone.now()
    verdict = classify(exc, now=now)
    fields = {"last_error_code": verdict.errcode, "last_error": f"{verdict.reason}: {exc}"[:300]}
    if verdict.action is Action.NEVER_RETRY:
        status = Message.Status.FAILED
    elif message.attempts >= MAX_ATTEMPTS:
        status = Message.Status.DEAD
    else:
        status = Message.Status.PENDING
        fields["next_attempt_at"] = verdict.retry_at or now + backoff(message.attempts)
    Message.objects.filter(pk=message.pk).update(status=status, **fields)
    log.info("message %s: %s (%s)", message.pk, status, verdict.reason)
    return status


def messages_due(limit: int = 500) -> list[int]:
    return list(Message.objects.filter(status=Message.Status.PENDING, next_attempt_at__lte=timezone.now())
                .order_by("next_attempt_at").values_list("pk", flat=True)[:limit])


def messages_recover() -> dict[str, int]:
    """Messages whose worker stopped mid-send become ``uncertain``; uncertain template messages
    that WeChat never reported within the settle window were not delivered: queue them again."""
    now = timezone.now()
    stranded = Message.objects.filter(status=Message.Status.SENDING, claimed_at__lt=now - SENDING_LEASE).update(
        status=Message.Status.UNCERTAIN)
    requeued = Message.objects.filter(
        status=Message.Status.UNCERTAIN, kind=Message.Kind.TEMPLATE, claimed_at__lt=now - SENDING_LEASE - SETTLE_WINDOW,
    ).update(status=Message.Status.PENDING, next_attempt_at=now)
    return {"uncertain": stranded, "requeued": requeued}


def message_delivery_reported(*, openid: str, msgid: int | None, status: str) -> int:
    """TEMPLATESENDJOBFINISH: WeChat says a template message reached (or not) the user."""
    updated = Message.objects.filter(wechat_msgid=msgid, openid=openid).update(delivery=status[:50]) if msgid else 0
    if updated:
        return updated
    # A message whose worker died after WeChat accepted it: this report settles it as sent.
    candidate = (Message.objects.filter(openid=openid, kind=Message.Kind.TEMPLATE,
                                        status__in=[Message.Status.UNCERTAIN, Message.Status.SENDING])
                 .order_by("claimed_at").first())
    if candidate is None:
        return 0
    return Message.objects.filter(pk=candidate.pk).update(status=Message.Status.SENT, wechat_msgid=msgid,
                                                          delivery=status[:50], sent_at=timezone.now())
