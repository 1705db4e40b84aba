"""The messaging outbox (WX-3): enqueue in the caller's transaction, send from a worker.

Guarantees:
* **Once per key.** ``message_enqueue`` is idempotent on its key: the same business event never
  makes two messages, however often the caller runs.
* **Never twice.** A worker claims a message (``pending`` → ``sending``, a conditional UPDATE, so
  exactly one worker wins) before calling WeChat; a redelivered or duplicate task finds nothing
  to claim. When the outcome of a call is unknown — the worker died mid-send, or the request left
  and no answer came (read timeout, dropped connection, time limit) — the message is
  ``uncertain`` and is *not* resent on the spot: WeChat reports every template message it took
  with a TEMPLATESENDJOBFINISH event, which settles it as sent (``message_delivery_reported``
  and ``messages_recover``); one still unsettled after the settle window was not delivered and
  goes back to ``pending`` (once). Subscribe messages get no report: uncertain ones wait for
  head office ("send again" in the admin).
* **Never lost.** Busy, rationed or unreachable WeChat (errcode -1/45009/45011/43117, HTTP 5xx,
  refused connections) → back to ``pending`` with exponential backoff, or at the time WeChat
  says (after the next Shanghai midnight for 45009); a refused token is refreshed once
  (``client.call_with_token_retry``); after the last attempt the message is ``dead``. Users who
  do not follow (43004) or refused (43101) and other request errors are ``failed`` at once.
* **Rate.** All workers together start at most ``WECHAT_SEND_RATE`` sends a second (a counter
  per second in Django's cache, see ``SendGate``). 45011 (minute quota) and 45009 (daily quota)
  pause every send of that kind until WeChat's limit resets, without spending attempts.
* **Opt-out.** A marketing message to a customer who opted out of marketing (checked when it is
  queued and again when it is sent) is ``skipped``, never sent.
All retries go through ``messages_dispatch_due`` (beat, every minute) rather than Celery ETAs, so
Redis' visibility timeout never re-delivers a long wait as a duplicate.

Tuning (Django settings, read at call time; the defaults are the module constants below):
``WECHAT_SEND_RATE``, ``WECHAT_OUTBOX_MAX_ATTEMPTS``, ``WECHAT_OUTBOX_BACKOFF_SECONDS``,
``WECHAT_OUTBOX_BACKOFF_CAP_SECONDS``, ``WECHAT_OUTBOX_LEASE_SECONDS``,
``WECHAT_OUTBOX_SETTLE_SECONDS``, ``WECHAT_OUTBOX_REPORT_GRACE_SECONDS``.
"""

import itertools
import logging
import random
import threading
import time
from datetime import datetime, timedelta

import requests
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from .errors import Action, classify
from .models import DeliveryReport, Message

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 3600
# A ``sending`` row older than this has lost its worker. Must exceed the send tasks' hard time
# limits (tasks.py: 120 s, 300 s for a batch), after which Celery has killed a stuck worker.
SENDING_LEASE_SECONDS = 600
# How long after its send an uncertain template message waits for WeChat's delivery report
# (which comes within seconds) before it is taken as not delivered and queued again.
SETTLE_SECONDS = 900
# A report whose msgid is on no message is matched only this long after it came: a live worker
# that got WeChat's answer has written the msgid by then, so the report is not mistaken for
# another, uncertain message to the same user.
REPORT_GRACE_SECONDS = 60
REPORT_KEEP = timedelta(days=2)  # unmatched reports are dropped after this
# Sends a second, all workers together. WeChat publishes daily and per-minute quotas (45009,
# 45011), no per-second rate; this keeps a burst (a campaign, a backlog after midnight) smooth.
SEND_RATE = 300
RATE_WAIT_SECONDS = 20  # longest a send waits for its turn before going back to the queue
DISPATCH_BATCH = 5000  # due messages handed to workers per dispatcher run (one a minute)
SEND_BATCH = 25  # messages per ``wechat.messages_send`` task
SEND_BATCH_BUDGET_SECONDS = 60  # a batch stops starting sends after this; the rest stays due
ACCOUNT_WIDE_ERRCODES = frozenset({45009, 45011})  # quotas of the account, not of one message


def _setting(name: str, default):
    return getattr(settings, name, default)


def _seconds(name: str, default: float) -> timedelta:
    return timedelta(seconds=float(_setting(name, default)))


# --- queueing ---------------------------------------------------------------------------------


@transaction.atomic
def message_enqueue(*, key: str, openid: str, template_id: str, data: dict, purpose: str, url: str = "",
                    kind: str = Message.Kind.TEMPLATE, customer=None, staff=None, store=None,
                    is_marketing: bool = False) -> Message:
    """Queue one message under ``key`` (idempotent: a second call returns the first message).

    Call it inside the business transaction; the send starts after commit. A marketing message is
    recorded as ``skipped`` when its customer (given, or found by ``openid``) opted out.
    """
    if not key or len(key) > 200 or not openid or len(openid) > 64 or not template_id:
        raise ValueError("a message needs a key (<= 200 chars), an openid (<= 64 chars) and a template")
    if is_marketing and customer is None:
        customer = _customer_with_openid(openid)
    skipped = is_marketing and customer is not None and customer.marketing_opt_out
    message, created = Message.objects.get_or_create(key=key, defaults={
        "openid": openid, "template_id": template_id, "data": data, "url": url, "kind": kind, "purpose": purpose,
        "customer": customer, "staff": staff, "is_marketing": is_marketing,
        "store": store or getattr(customer, "store", None) or getattr(staff, "store", None),
        "status": Message.Status.SKIPPED if skipped else Message.Status.PENDING,
        "last_error": "customer opted out of marketing" if skipped else "",
    })
    if created and not skipped:
        message_id = message.pk
        transaction.on_commit(lambda: message_nudge(message_id))
    return message


def _customer_with_openid(openid: str):
    from customers.identity import customer_of_openid

    return customer_of_openid(openid)


# After a failed publish this process stops trying for a while: the dispatcher sends the rows.
BROKER_BACKOFF_SECONDS = 15.0
_broker_down_until = 0.0


def message_nudge(message_id: int) -> None:
    """Hand one message to a worker (task ``wechat.message_send``).

    If the broker is down the row is committed anyway and the dispatcher hands it over within a
    minute, so nothing is lost; the caller (often a web request) is not held up: one connection
    attempt, no publish retries, and no attempt at all for ``BROKER_BACKOFF_SECONDS`` after a
    failure."""
    from .tasks import message_send

    _publish(message_send, message_id)


def messages_nudge(message_ids: list[int]) -> None:
    """Hand due messages to workers in batches (task ``wechat.messages_send``): a backlog or a
    campaign costs one task per ``SEND_BATCH`` messages, not one per message."""
    from .tasks import messages_send

    for start in range(0, len(message_ids), SEND_BATCH):
        _publish(messages_send, message_ids[start:start + SEND_BATCH])


def _publish(task, argument) -> None:
    global _broker_down_until
    from kombu.exceptions import OperationalError

    app = task.app
    try:
        if app.conf.task_always_eager:
            task.apply_async((argument,))  # runs here and now (embedded default, tests)
            return
        if time.monotonic() < _broker_down_until:
            return
        with app.producer_or_acquire() as producer:
            producer.connection.ensure_connection(max_retries=0)
            task.apply_async((argument,), producer=producer, retry=False)
    except (OperationalError, OSError):
        _broker_down_until = time.monotonic() + BROKER_BACKOFF_SECONDS
        log.warning("broker unavailable: message(s) %s wait for the dispatcher", argument, exc_info=True)
    except Exception:  # noqa: BLE001 - the row is the truth; a failed nudge loses nothing
        log.exception("could not hand message(s) %s to a worker; the dispatcher will", argument)


def broker_backoff_reset() -> None:
    """Try the broker again at the next nudge (tests, or after an operator fixed it)."""
    global _broker_down_until
    _broker_down_until = 0.0


def messages_due(limit: int = DISPATCH_BATCH) -> list[int]:
    return list(Message.objects.filter(status=Message.Status.PENDING, next_attempt_at__lte=timezone.now())
                .order_by("next_attempt_at").values_list("pk", flat=True)[:limit])


# --- rate and account-wide pauses --------------------------------------------------------------


class SendGate:
    """Global send rate and account-wide pauses, shared by every worker through Django's cache.

    Rate: one counter per wall-clock second (``wechat:send-rate:<second>``); a worker reserves a
    few permits at a time with ``incr`` and uses them within that second, so no second sees more
    than ``WECHAT_SEND_RATE`` sends whatever the number of workers (exact on Redis, whose
    ``incr`` is atomic; the database cache of the embedded default, a single process, may let a
    few more through under contention).
    Pauses: after 45011/45009 nobody sends that kind of message until the quota resets; the
    pause is read from the cache at most once a second per process.
    """

    RATE_KEY = "wechat:send-rate:{}"
    PAUSE_KEY = "wechat:send-paused:{}"

    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Forget this process's reserved permits and cached pauses (tests)."""
        with self._lock:
            self._window, self._left = -1, 0
            self._pauses: dict[str, tuple[int, float]] = {}

    def paused_until(self, kind: str) -> datetime | None:
        now = time.time()
        with self._lock:
            checked = self._pauses.get(kind)
        if checked is None or checked[0] != int(now):
            checked = (int(now), float(cache.get(self.PAUSE_KEY.format(kind)) or 0.0))
            with self._lock:
                self._pauses[kind] = checked
        return datetime.fromtimestamp(checked[1], tz=timezone.get_current_timezone()) if checked[1] > now else None

    def pause(self, kind: str, until: datetime) -> None:
        until_ts = until.timestamp()
        current = float(cache.get(self.PAUSE_KEY.format(kind)) or 0.0)
        if until_ts > current:
            cache.set(self.PAUSE_KEY.format(kind), until_ts, timeout=max(1, int(until_ts - time.time()) + 1))
        with self._lock:
            self._pauses[kind] = (int(time.time()), max(until_ts, current))
        log.warning("WeChat quota reached: %s messages paused until %s", kind, until.isoformat())

    def permit(self, max_wait: float = RATE_WAIT_SECONDS) -> bool:
        """Take one send permit, waiting for the next second if this one is used up; False if
        none came within ``max_wait`` seconds."""
        rate = int(_setting("WECHAT_SEND_RATE", SEND_RATE) or 0)
        if rate <= 0:
            return True  # no limit configured
        deadline = time.monotonic() + max_wait
        while True:
            now = time.time()
            window = int(now)
            with self._lock:
                if self._window == window and self._left > 0:
                    self._left -= 1
                    return True
            granted = self._reserve(window, rate)
            if granted:
                with self._lock:
                    if self._window != window:
                        self._window, self._left = window, 0
                    self._left += granted - 1
                return True
            wait = window + 1 - now
            if time.monotonic() + wait > deadline:
                return False
            time.sleep(wait)

    def _reserve(self, window: int, rate: int) -> int:
        """Reserve up to a chunk of this second's permits; how many were granted (0: none left)."""
        chunk = max(1, min(rate // 20, 50))
        key = self.RATE_KEY.format(window)
        if cache.add(key, chunk, timeout=5):
            return min(chunk, rate)
        try:
            total = cache.incr(key, chunk)
        except ValueError:  # the key expired between add and incr: take this second afresh
            return min(chunk, rate) if cache.add(key, chunk, timeout=5) else 0
        return max(0, min(chunk, rate - (total - chunk)))


gate = SendGate()


# --- sending ----------------------------------------------------------------------------------


def message_send_now(message_id: int) -> str | None:
    """Send one message if it is due and nobody else has it. Returns the new status (or None).

    Harmless to run twice or concurrently: only the worker whose conditional claim succeeds sends.
    """
    message = Message.objects.filter(pk=message_id, status=Message.Status.PENDING).order_by().first()
    if message is None or message.next_attempt_at > timezone.now():
        return None
    pending = Message.objects.filter(pk=message.pk, status=Message.Status.PENDING, attempts=message.attempts)
    if message.is_marketing and _opted_out(message):
        # PIPL art. 24: the customer opted out after the message was queued.
        pending.update(status=Message.Status.SKIPPED, last_error="customer opted out of marketing")
        return Message.Status.SKIPPED
    paused = gate.paused_until(message.kind)
    if paused is not None:
        pending.filter(next_attempt_at__lt=paused).update(next_attempt_at=paused)
        return None
    if not gate.permit():
        pending.update(next_attempt_at=timezone.now() + timedelta(seconds=1))  # busy second: soon again
        return None

    now = timezone.now()
    attempts = message.attempts + 1
    if not pending.filter(next_attempt_at__lte=now).update(status=Message.Status.SENDING, claimed_at=now,
                                                           attempts=F("attempts") + 1):
        return None  # another worker claimed it first
    # From here on every write is fenced by the attempt number: a late write of this attempt
    # never overwrites what a later attempt (or the recovery job) did.
    try:
        msgid = _deliver(message)
    except Exception as exc:  # noqa: BLE001 - every failure is classified and recorded
        return _record_failure(message, attempts, exc)
    sent_at = timezone.now()
    mark_sent = Message.objects.filter(pk=message.pk, attempts=attempts)
    values = {"status": Message.Status.SENT, "wechat_msgid": msgid, "sent_at": sent_at, "last_error": "",
              "last_error_code": None}
    if _is_contact(message):
        with transaction.atomic():  # sent and counted as a contact together
            if mark_sent.update(**values):
                _contact_record(message, at=sent_at)
    else:
        mark_sent.update(**values)  # one statement: the hot path of service messages
    return Message.Status.SENT


def _is_contact(message: Message) -> bool:
    """Marketing reaching a customer is a contact for the frequency cap (INV-11); service messages
    (logistics, staff reminders) are not."""
    return message.is_marketing and message.customer_id is not None


def _contact_record(message: Message, *, at: datetime) -> None:
    """Record the contact of a sent marketing message, in the transaction that marks it sent."""
    if _is_contact(message):
        from customers.contacts import contacts_record

        contacts_record(customer_ids=[message.customer_id], at=at)


def messages_send_now(message_ids: list[int]) -> int:
    """Send a batch (see ``message_send_now``); how many were sent. Sends stop being started after
    ``SEND_BATCH_BUDGET_SECONDS`` so the task ends well inside its time limit: the rest stay due
    and the next dispatcher run hands them over again."""
    deadline = time.monotonic() + SEND_BATCH_BUDGET_SECONDS
    sent = 0
    for position, message_id in enumerate(message_ids):
        if position and time.monotonic() > deadline:  # the first always goes: every batch makes progress
            break
        sent += message_send_now(message_id) == Message.Status.SENT
    return sent


def _opted_out(message: Message) -> bool:
    from customers.models import Customer

    if message.customer_id is None:
        return False
    return Customer.objects.filter(pk=message.customer_id, marketing_opt_out=True).exists()


def _deliver(message: Message) -> int | None:
    """One API call (two if the token is refused and refreshed); WeChat's msgid if it gives one."""
    from .client import call_with_token_retry, official_account_client

    client = official_account_client()
    method = (client.message.send_subscribe_message if message.kind == Message.Kind.SUBSCRIBE
              else client.message.send_template)
    calls = itertools.count()

    def send(*args, **kwargs):
        if next(calls):  # the retry after a token refresh is a second call: it needs its own permit
            gate.permit()
        return method(*args, **kwargs)

    if message.kind == Message.Kind.SUBSCRIBE:
        result = call_with_token_retry(client, send, message.openid, message.template_id, message.data,
                                       page=message.url or None)
    else:
        result = call_with_token_retry(client, send, message.openid, message.template_id, message.data,
                                       url=message.url or None)
    msgid = result.get("msgid") if isinstance(result, dict) else None
    return int(msgid) if msgid else None


def maybe_delivered(exc: BaseException) -> bool:
    """True when a send may have reached WeChat although we got no answer: the request left (or
    may have) and then the connection timed out, broke or the task ran out of time. A refused or
    timed-out *connection* never carried the request."""
    if isinstance(exc, SoftTimeLimitExceeded):
        return True
    if not isinstance(exc, requests.RequestException) or isinstance(exc, requests.ConnectTimeout):
        return False
    url = getattr(getattr(exc, "request", None), "url", None) or ""
    if url and "/message/" not in url:
        return False  # the token fetch failed: the message itself never left
    if isinstance(exc, requests.Timeout):
        return True  # a read timeout: the request was sent, the answer did not come
    if isinstance(exc, requests.ConnectionError):
        reason = exc.args[0] if exc.args else None
        reason = getattr(reason, "reason", reason)
        return not isinstance(reason, (NewConnectionError, ConnectTimeoutError))
    return False


def backoff(attempts: int) -> timedelta:
    """Wait before attempt ``attempts + 1``: base × 2^(attempts-1), capped, ±20 % jitter."""
    base = float(_setting("WECHAT_OUTBOX_BACKOFF_SECONDS", BACKOFF_BASE_SECONDS))
    cap = float(_setting("WECHAT_OUTBOX_BACKOFF_CAP_SECONDS", BACKOFF_CAP_SECONDS))
    return timedelta(seconds=min(base * 2 ** (attempts - 1), cap) * random.uniform(0.8, 1.2))


def _record_failure(message: Message, attempts: int, exc: BaseException) -> str:
    now = timezone.now()
    verdict = classify(exc, now=now)
    fields = {"last_error_code": verdict.errcode, "last_error": f"{verdict.reason}: {exc}"[:300]}
    if maybe_delivered(exc):
        # WeChat may have taken it: wait for its delivery report instead of sending again.
        status = Message.Status.UNCERTAIN
        fields["last_error"] = f"no answer, may have been delivered: {exc}"[:300]
    elif verdict.action is Action.NEVER_RETRY:
        status = Message.Status.FAILED
    elif attempts >= int(_setting("WECHAT_OUTBOX_MAX_ATTEMPTS", MAX_ATTEMPTS)):
        status = Message.Status.DEAD
    else:
        status = Message.Status.PENDING
        fields["next_attempt_at"] = verdict.retry_at or now + backoff(attempts)
    if verdict.errcode in ACCOUNT_WIDE_ERRCODES and verdict.retry_at:
        gate.pause(message.kind, verdict.retry_at)
    Message.objects.filter(pk=message.pk, status=Message.Status.SENDING, attempts=attempts).update(
        status=status, **fields)
    log.info("message %s: %s (%s)", message.pk, status, verdict.reason)
    return status


# --- delivery reports and recovery --------------------------------------------------------------


@transaction.atomic
def message_delivery_reported(*, openid: str, msgid: int | None, status: str) -> int:
    """TEMPLATESENDJOBFINISH: WeChat says a template message reached the user (or not).

    A report for a msgid we recorded updates that message's ``delivery``. Any other report is
    kept (``DeliveryReport``) for ``messages_recover`` to match once no live worker can still be
    writing that msgid. Returns the number of messages updated now.
    """
    if not msgid or not openid:
        return 0
    status = (status or "")[:50]
    updated = Message.objects.filter(wechat_msgid=msgid, openid=openid).update(delivery=status)
    if not updated:
        DeliveryReport.objects.get_or_create(msgid=msgid, defaults={"openid": openid[:64], "status": status})
    return updated


def messages_recover(*, now: datetime | None = None) -> dict[str, int]:
    """The recovery job (beat, every few minutes), in three steps:

    1. ``sending`` rows claimed longer ago than the lease lost their worker: ``uncertain``;
    2. kept delivery reports settle uncertain template messages as sent;
    3. uncertain template messages sent longer ago than the settle window were not delivered:
       ``pending`` again (``dead`` if that was the last attempt) — each exactly once, since the
       update is conditional. All windows are this process's settings, counted from the claim.
    """
    now = now or timezone.now()
    stranded = Message.objects.filter(
        status=Message.Status.SENDING,
        claimed_at__lt=now - _seconds("WECHAT_OUTBOX_LEASE_SECONDS", SENDING_LEASE_SECONDS),
    ).update(status=Message.Status.UNCERTAIN, last_error="worker stopped while sending")
    settled = _settle_reports(now)
    unsettled = Message.objects.filter(
        status=Message.Status.UNCERTAIN, kind=Message.Kind.TEMPLATE,
        claimed_at__lte=now - _seconds("WECHAT_OUTBOX_SETTLE_SECONDS", SETTLE_SECONDS))
    dead = unsettled.filter(attempts__gte=int(_setting("WECHAT_OUTBOX_MAX_ATTEMPTS", MAX_ATTEMPTS))).update(
        status=Message.Status.DEAD, last_error="not delivered (no delivery report) after the last attempt")
    requeued = unsettled.update(status=Message.Status.PENDING, next_attempt_at=now,
                                last_error="not delivered (no delivery report): queued again")
    return {"uncertain": stranded, "settled": settled, "requeued": requeued, "dead": dead}


def _settle_reports(now: datetime) -> int:
    settled = 0
    grace = _seconds("WECHAT_OUTBOX_REPORT_GRACE_SECONDS", REPORT_GRACE_SECONDS)
    for report in DeliveryReport.objects.filter(received_at__lte=now - grace).order_by("received_at")[:5000]:
        with transaction.atomic():
            if Message.objects.filter(wechat_msgid=report.msgid, openid=report.openid).update(delivery=report.status):
                report.delete()  # the worker recorded this msgid after the report came in
                continue
            # The oldest uncertain send to this user that started before the report came.
            candidate = (Message.objects.select_for_update()
                         .filter(openid=report.openid, kind=Message.Kind.TEMPLATE, status=Message.Status.UNCERTAIN,
                                 wechat_msgid__isnull=True, claimed_at__lte=report.received_at)
                         .order_by("claimed_at", "pk").first())
            if candidate is not None:
                Message.objects.filter(pk=candidate.pk).update(
                    status=Message.Status.SENT, wechat_msgid=report.msgid, delivery=report.status,
                    sent_at=report.received_at, last_error="settled by WeChat's delivery report")
                _contact_record(candidate, at=report.received_at)
                settled += 1
                report.delete()
            elif report.received_at < now - REPORT_KEEP:
                log.warning("delivery report %s for %s matched no message", report.msgid, report.openid)
                report.delete()
            # else: its send may still be ``sending`` (a worker that died; the lease has not run
            # out): the next run matches it.
    return settled


def staff_remind(*, staff, key: str, title: str, body: str, url: str = "") -> Message | None:
    """A reminder to a member of staff through the official account (an urge, a due follow-up).
    None when they have not bound their WeChat yet: the caller tells the sender so."""
    if not staff.wechat_openid:
        return None
    return message_enqueue(
        key=key, openid=staff.wechat_openid, template_id=settings.WECHAT_TEMPLATE_STAFF_REMINDER,
        data={"thing1": {"value": title[:20]}, "thing2": {"value": body[:20]}}, url=url,
        purpose="staff_reminder", staff=staff, store=staff.store,
    )
