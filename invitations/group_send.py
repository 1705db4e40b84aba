"""A group-send invitation task through WeCom (SPEC INV-6; seed 002's 导购群发邀约).

Per assistant of the task, ONE WeCom group message (``externalcontact/add_msg_template``) with
the assistant as sender and their customers' external userids; the assistant confirms it in
WeCom, and ``get_group_msg_result`` tells later who got it. Customers the group send cannot reach
go back to a one-to-one invitation, with a note for the assistant (``channel_note``):

* not a WeCom friend of their assistant: phone or SMS (``_channel`` at dispatch from
  ``Customer.is_wecom_friend``, then here from the assistant's own ``WeComContact``, the fact the
  group send needs: WeCom sends an assistant's group message to that assistant's contacts only);
* WeCom's group-send quota is used up (errcode 45009; every group send pauses until the next
  Shanghai midnight) or the customer already received a group message today (status 3): WeCom
  chat, they are friends;
* permanent refusals (assistant without a WeCom account, 41048 no valid recipients, other
  request errors), retries exhausted, unconfirmed a day after dispatch: one to one, never a loop.
When an assistant's group send ends, they get one reminder (``staff_remind``, keyed per task and
assistant) if customers wait for a one-to-one invitation.

**The record.** ``GroupSend`` (one per task and assistant, made by the dispatch in bulk) holds the
send's state, the WeCom msgid, attempts, checks and when it is due; ``InvitationEntry.group_state``
says where each customer is (waiting → in_message → sent, or "" once one to one). Notes are text
for the assistant, written in the site language and never read back. Like the outbox:

* **claim, then send** — a worker locks the due row (``FOR UPDATE SKIP LOCKED``) and moves it
  ``pending`` → ``sending`` (attempts + 1) in a short transaction, calls WeCom outside any
  transaction, then records the answer fenced by that attempt: the msgid, ``awaiting_confirmation``
  and the entries ``in_message`` in ONE transaction. A duplicate task finds nothing to claim.
* **no ETAs** — retries and result checks are due rows (``next_attempt_at``);
  ``group_sends_dispatch_due`` (beat, every minute, registered by migration 0006) hands them to
  workers, so a task lost with Redis loses nothing: its row is due again. A check claims its row
  by moving ``next_attempt_at`` to the next check's time, so a worker dying mid-check only delays it.
* **never twice** — a read timeout, a broken connection or a time-limit kill during
  ``add_msg_template`` (``_maybe_taken``), or a ``sending`` row whose worker vanished
  (``group_sends_recover``), leave the send *uncertain*: WeCom may hold a message waiting for the
  assistant's confirmation, under a msgid we never got. It is not sent again. Unlike the outbox's
  template messages, nothing settles it later (WeCom sends no report of a group message, and its
  result needs the msgid; finding it by listing the sender's messages, ``get_groupmsg_list_v2``,
  is not served by the fake WeCom, so it is not done): the send ends at once, the customers go to
  WeCom chat with a note telling the assistant to look in WeCom first (confirm the message there if
  it waits, or invite one to one), and ``last_error`` says so in the admin. A wrongly dropped group
  message costs one-to-one work; a duplicate would reach customers twice.
  Refused connections, HTTP 5xx and busy errcodes did not make a message: retried with the
  outbox's backoff, up to its attempts.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.db.models import Case, Count, F, OuterRef, Q, Subquery, Value, When
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from wechatpy.exceptions import WeChatClientException

from customers.contacts import contacts_record
from wechat import outbox
from wechat.client import call_with_token_retry, wecom_client
from wechat.errors import classify
from wechat.models import WeComContact
from wechat.token_storage import TokenRefreshTimeout

from .models import GroupSend, InvitationEntry, InvitationTask

log = logging.getLogger(__name__)

GROUP_SEND = InvitationEntry.Channel.GROUP_SEND
WECOM = InvitationEntry.Channel.WECOM
PHONE = InvitationEntry.Channel.PHONE
State = InvitationEntry.GroupState
Status = GroupSend.Status

# What the assistant reads on an entry of a group-send task (msgids, translated when written).
NOTE_NOT_FRIEND = gettext_noop("not a WeCom friend: invite one to one")
NOTE_IN_GROUP_SEND = gettext_noop("in the WeCom group send: confirm it in WeCom")
NOTE_SENT = gettext_noop("sent by WeCom group send")
NOTE_QUOTA = gettext_noop("WeCom group-send quota used up today: invite one to one")
NOTE_RECEIVED_TODAY = gettext_noop("already received a group message today: invite one to one")
NOTE_NO_WECOM_ACCOUNT = gettext_noop("the assistant has no WeCom account: invite one to one")
NOTE_UNKNOWN_TO_WECOM = gettext_noop("WeCom does not know this customer: invite one to one")
NOTE_OPTED_OUT = gettext_noop("opted out of marketing messages: left out of the group send")
NOTE_UNREACHABLE = gettext_noop("WeCom could not be reached: invite one to one")
NOTE_REFUSED = gettext_noop("WeCom refused the group send: invite one to one")
NOTE_NOT_SENT = gettext_noop("the group message was not sent in WeCom: invite one to one")
NOTE_NO_ANSWER = gettext_noop("WeCom did not answer: look for the group message in WeCom first, "
                              "else invite one to one")

# All group sends pause after 45009 (the enterprise's daily quota), like the outbox's kinds.
PAUSE_KIND = "wecom_group_send"
WECOM_ERRORS = (WeChatClientException, requests.RequestException, TokenRefreshTimeout, SoftTimeLimitExceeded)
# WeCom reports per recipient: 0 not sent yet (the assistant has not confirmed), 1 sent,
# 2 not a friend (any more), 3 already received a group message today.
STATUS_SENT, STATUS_NOT_FRIEND, STATUS_RECEIVED_TODAY = 1, 2, 3
# Results are checked at once, then after 5, 10, 20, 40 minutes and hourly, until a day after
# dispatch: a group message still unconfirmed then goes one to one.
CHECK_FIRST_DELAY = timedelta(minutes=5)
CHECK_MAX_DELAY = timedelta(hours=1)
CHECK_WINDOW = timedelta(hours=24)
# A ``sending`` row older than this lost its worker (the step's hard time limit is 120 s).
SENDING_LEASE = timedelta(minutes=10)
DISPATCH_BATCH = 1000  # due rows handed to workers per dispatcher run (one a minute)
BROKER_BACKOFF_SECONDS = 15.0  # after a failed publish, stop trying: the dispatcher hands them over
_broker_down_until = 0.0


def _site_language():
    return translation.override(settings.LANGUAGE_CODE)


def _entries(group_send: GroupSend, *states: str):
    return InvitationEntry.objects.filter(task_id=group_send.task_id, assistant_id=group_send.assistant_id,
                                          group_state__in=states)


def _move(entries, channel: str, note: str) -> int:
    """Entries still in the group send go one to one on ``channel``, with ``note`` (site language)."""
    return (entries.filter(group_state__in=(State.WAITING, State.IN_MESSAGE))
            .update(channel=channel, channel_note=_(note)[:100], group_state=State.NONE))


def _fall_back(fallbacks: dict[tuple[str, str], list[int]]) -> None:
    """``_move`` per (channel, note): one UPDATE each, whatever the number of entries."""
    for (channel, note), entry_ids in fallbacks.items():
        if entry_ids:
            _move(InvitationEntry.objects.filter(pk__in=entry_ids), channel, note)


def _locked(pk: int, **fence) -> GroupSend | None:
    """The row, locked for this transaction, if it is still in the state ``fence`` describes."""
    return (GroupSend.objects.select_for_update(of=("self",)).select_related("task", "assistant")
            .filter(pk=pk, **fence).first())


def _max_attempts() -> int:
    return int(getattr(settings, "WECHAT_OUTBOX_MAX_ATTEMPTS", outbox.MAX_ATTEMPTS))


# --- at dispatch ---------------------------------------------------------------------------------


def group_send_prepare(*, task: InvitationTask, now: datetime) -> int:
    """In the dispatch's transaction: customers ``_channel`` sent to the phone get the note saying
    why, the others wait for the group send, and each assistant with waiting customers gets one
    ``GroupSend``, due now. Three queries whatever the size of the task; returns the rows made."""
    entries = InvitationEntry.objects.filter(task=task)
    with _site_language():
        not_friend = _(NOTE_NOT_FRIEND)[:100]
    entries.update(
        channel_note=Case(When(channel=PHONE, then=Value(not_friend)), default=F("channel_note")),
        group_state=Case(When(channel=GROUP_SEND, is_control=False, then=Value(State.WAITING)),
                         default=Value(State.NONE)),
    )
    assistants = entries.filter(group_state=State.WAITING).order_by().values_list("assistant_id", flat=True).distinct()
    return len(GroupSend.objects.bulk_create([
        GroupSend(task=task, assistant_id=assistant_id, next_attempt_at=now, created_at=now, updated_at=now)
        for assistant_id in sorted(assistants)
    ]))


def group_sends_nudge(*, task_id: int) -> None:
    """After the dispatch commits: hand the task's group sends to workers. The broker being down
    loses nothing and never fails the manager's request: the rows are due, the dispatcher sends them."""
    _hand_over(list(GroupSend.objects.filter(task_id=task_id, status=Status.PENDING).values_list("pk", flat=True)))


def _hand_over(group_send_ids: list[int]) -> None:
    """One ``invitations.group_send_step`` per row; one connection attempt, no publish retries."""
    global _broker_down_until
    from kombu.exceptions import OperationalError

    from .tasks import group_send_step

    app = group_send_step.app
    if app.conf.task_always_eager:  # runs here and now (embedded default, tests), each on its own
        for pk in group_send_ids:
            try:
                group_send_step.apply_async((pk,))
            except Exception:  # noqa: BLE001 - the row stays due; the dispatcher tries it again
                log.exception("group send %s failed; the dispatcher will try it again", pk)
        return
    try:
        if not group_send_ids or time.monotonic() < _broker_down_until:
            return
        with app.producer_or_acquire() as producer:
            producer.connection.ensure_connection(max_retries=0)
            for pk in group_send_ids:
                group_send_step.apply_async((pk,), producer=producer, retry=False)
    except (OperationalError, OSError):
        _broker_down_until = time.monotonic() + BROKER_BACKOFF_SECONDS
        log.warning("broker unavailable: group sends %s wait for the dispatcher", group_send_ids, exc_info=True)
    except Exception:  # noqa: BLE001 - the rows are the truth; the dispatcher hands them over
        log.exception("could not hand group sends %s to a worker; the dispatcher will", group_send_ids)


# --- due rows, recovery --------------------------------------------------------------------------


def group_sends_due(*, now: datetime | None = None, limit: int = DISPATCH_BATCH) -> list[int]:
    """Rows to send or to check now (index on status, next_attempt_at)."""
    return list(GroupSend.objects.filter(status__in=(Status.PENDING, Status.AWAITING_CONFIRMATION),
                                         next_attempt_at__lte=now or timezone.now())
                .order_by("next_attempt_at").values_list("pk", flat=True)[:limit])


def group_sends_dispatch_due() -> int:
    """The beat job's work: recover stranded sends, hand the due rows to workers."""
    group_sends_recover()
    due = group_sends_due()
    _hand_over(due)
    return len(due)


def group_sends_recover(*, now: datetime | None = None) -> int:
    """``sending`` rows older than the lease lost their worker between claim and answer: WeCom may
    hold their message, so they end as uncertain (never sent again). How many."""
    now = now or timezone.now()
    stranded = list(GroupSend.objects.filter(status=Status.SENDING, updated_at__lt=now - SENDING_LEASE)
                    .values_list("pk", "attempts"))
    for pk, attempts in stranded:
        with transaction.atomic(), _site_language():
            row = _locked(pk, status=Status.SENDING, attempts=attempts)
            if row is not None:
                _uncertain(row, now, "the worker stopped while sending")
    return len(stranded)


# --- sending -------------------------------------------------------------------------------------


def group_message_text(task: InvitationTask) -> str:
    """The invitation the customers receive: the store, the task's title and its deadline."""
    with _site_language():
        values = {"store": task.store.name, "title": task.title,
                  "deadline": date_format(timezone.localtime(task.deadline), pgettext("group message deadline", "F j")),
                  "address": task.store.address}
        if task.store.address:
            return _("%(store)s invites you: %(title)s, until %(deadline)s. Address: %(address)s. "
                     "We look forward to your visit!") % values
        return _("%(store)s invites you: %(title)s, until %(deadline)s. We look forward to your visit!") % values


@dataclass
class Claim:
    """A row this worker moved to ``sending``: the one API call to make, fenced by ``attempts``."""

    pk: int
    attempts: int
    sender: str
    recipients: dict[str, int]  # external_userid -> entry id
    text: str


def group_send_deliver(*, group_send_id: int) -> str | None:
    """Make the row's one WeCom group message if it is due to be sent; its new status, or None
    when there was nothing to do (not due, another worker has it). Harmless to rerun."""
    claim = _claim(group_send_id, timezone.now())
    if not isinstance(claim, Claim):
        return claim
    client = wecom_client()
    template = {"chat_type": "single", "sender": claim.sender, "external_userid": list(claim.recipients),
                "text": {"content": claim.text}}
    try:
        result = call_with_token_retry(client, client.external_contact.add_msg_template, template)
    except WECOM_ERRORS as exc:
        return _record_failure(claim, exc)
    return _record_message(claim, result)


def _claim(pk: int, now: datetime) -> Claim | str | None:
    """Lock the due row; customers the message cannot reach go one to one now; ``sending`` if
    anyone is left (a ``Claim``), else the row ends here (its final status)."""
    with transaction.atomic(), _site_language():
        row = (GroupSend.objects.select_for_update(skip_locked=True, of=("self",))
               .select_related("task__store", "assistant")
               .filter(pk=pk, status=Status.PENDING, next_attempt_at__lte=now).first())
        if row is None:
            return None  # not due, already taken, or locked by another worker right now
        # The task row too (lock order: group send, then task — ending a task locks only the task,
        # then its entries): a task ended while we read is seen ended, never sent to after its end.
        task = InvitationTask.objects.select_for_update(of=("self",)).select_related("store").get(pk=row.task_id)
        assistant = row.assistant
        waiting = _entries(row, State.WAITING)
        if task.status != InvitationTask.Status.RUNNING:
            waiting.update(group_state=State.NONE)  # ended before its group message: nobody to invite
            return _finish(row, now, "the task ended before the group message was sent")
        rows = list(waiting.filter(active=True).values_list("pk", "customer_id", "customer__marketing_opt_out"))
        friends = dict(WeComContact.objects.filter(
            staff_id=assistant.pk, customer_id__in=[customer_id for _pk, customer_id, _o in rows],
            removed_at__isnull=True).values_list("customer_id", "external_userid"))
        recipients: dict[str, int] = {}
        fallbacks: dict[tuple[str, str], list[int]] = defaultdict(list)
        for entry_id, customer_id, opted_out in rows:
            external_userid = friends.get(customer_id)
            if opted_out:  # PIPL: no marketing group message, whatever the friendship
                fallbacks[(WECOM if external_userid else PHONE, NOTE_OPTED_OUT)].append(entry_id)
            elif external_userid is None:
                fallbacks[(PHONE, NOTE_NOT_FRIEND)].append(entry_id)
            else:
                recipients[external_userid] = entry_id
        _fall_back(fallbacks)
        if not recipients:
            return _finish(row, now, "nobody left to send to")
        if not assistant.wecom_userid or not assistant.is_active:
            _move(waiting, PHONE, NOTE_NO_WECOM_ACCOUNT)
            return _finish(row, now, "the assistant has no WeCom account")
        paused = outbox.gate.paused_until(PAUSE_KIND)
        if paused is not None:
            _move(waiting, WECOM, NOTE_QUOTA)
            return _finish(row, now, f"WeCom group sends paused until {paused.isoformat()} (45009)")
        GroupSend.objects.filter(pk=row.pk).update(status=Status.SENDING, attempts=row.attempts + 1, updated_at=now)
        return Claim(pk=row.pk, attempts=row.attempts + 1, sender=assistant.wecom_userid, recipients=recipients,
                     text=group_message_text(task))


def _record_message(claim: Claim, result: dict) -> str | None:
    """WeCom made the message: its msgid, the row awaiting confirmation and the entries in the
    message, in one transaction (a result check is due at once)."""
    now = timezone.now()
    msgid = (result.get("msgid") or "")[:64]
    log.info("group send %s: WeCom msgid %s, %s recipients", claim.pk, msgid, len(claim.recipients))
    with transaction.atomic(), _site_language():
        row = _locked(claim.pk, status=Status.SENDING, attempts=claim.attempts)
        if row is None:
            log.warning("group send %s: answer of attempt %s came after recovery", claim.pk, claim.attempts)
            return None
        recipients = dict(claim.recipients)
        unknown = [recipients.pop(e) for e in result.get("fail_list") or [] if e in recipients]
        _move(InvitationEntry.objects.filter(pk__in=unknown), PHONE, NOTE_UNKNOWN_TO_WECOM)
        (InvitationEntry.objects.filter(pk__in=list(recipients.values()), group_state=State.WAITING)
         .update(group_state=State.IN_MESSAGE, channel_note=_(NOTE_IN_GROUP_SEND)[:100]))
        GroupSend.objects.filter(pk=row.pk).update(status=Status.AWAITING_CONFIRMATION, msgid=msgid, checks=0,
                                                   next_attempt_at=now, last_error="", updated_at=now)
    return Status.AWAITING_CONFIRMATION


def _maybe_taken(exc: BaseException) -> bool:
    """True when WeCom may have made the group message although no answer came: the request left
    (or may have) and then timed out, broke, or the task ran out of time. A refused or timed-out
    connection and a failed token fetch never carried it (as ``outbox.maybe_delivered``, whose
    test of the URL knows the official account's paths only)."""
    if isinstance(exc, SoftTimeLimitExceeded):
        return True
    if not isinstance(exc, requests.RequestException) or isinstance(exc, requests.ConnectTimeout):
        return False
    url = getattr(getattr(exc, "request", None), "url", None) or ""
    if url and "add_msg_template" not in url:
        return False
    if isinstance(exc, requests.Timeout):
        return True
    if isinstance(exc, requests.ConnectionError):
        reason = exc.args[0] if exc.args else None
        reason = getattr(reason, "reason", reason)
        return not isinstance(reason, (NewConnectionError, ConnectTimeoutError))
    return False


def _record_failure(claim: Claim, exc: BaseException) -> str | None:
    now = timezone.now()
    verdict = classify(exc, now=now)
    log.info("group send %s, attempt %s: %s", claim.pk, claim.attempts, verdict.reason)
    with transaction.atomic(), _site_language():
        row = _locked(claim.pk, status=Status.SENDING, attempts=claim.attempts)
        if row is None:
            return None
        waiting = _entries(row, State.WAITING)
        error = f"{verdict.reason}: {exc}"[:200]
        if _maybe_taken(exc):
            return _uncertain(row, now, f"no answer ({verdict.reason})")
        if verdict.errcode == 45009:
            outbox.gate.pause(PAUSE_KIND, verdict.retry_at)
            _move(waiting, WECOM, NOTE_QUOTA)
        elif verdict.retryable and claim.attempts < _max_attempts():
            GroupSend.objects.filter(pk=row.pk).update(
                status=Status.PENDING, next_attempt_at=verdict.retry_at or now + outbox.backoff(claim.attempts),
                last_error=error, updated_at=now)
            return Status.PENDING
        elif verdict.retryable:
            _move(waiting, WECOM, NOTE_UNREACHABLE)
        elif verdict.errcode == 41048:  # none of the recipients is (still) a contact in WeCom
            _move(waiting, PHONE, NOTE_UNKNOWN_TO_WECOM)
        else:
            _move(waiting, WECOM, NOTE_REFUSED)
        return _finish(row, now, error)


def _uncertain(row: GroupSend, now: datetime, why: str) -> str:
    """WeCom may hold this row's message (see the module docstring): never sent again."""
    _move(_entries(row, State.WAITING), WECOM, NOTE_NO_ANSWER)
    return _finish(row, now, f"{why}: WeCom may hold the group message for the assistant to confirm; "
                             "not sent again")


def _finish(row: GroupSend, now: datetime, error: str = "") -> str:
    """The row's group send is over (the caller holds its lock): ``done`` if WeCom sent to anyone,
    else ``fell_back``; the assistant is reminded once of the customers to invite one to one."""
    status = Status.DONE if _entries(row, State.SENT).exists() else Status.FELL_BACK
    GroupSend.objects.filter(pk=row.pk).update(status=status, next_attempt_at=None, last_error=error[:200],
                                               updated_at=now)
    _remind(row)
    return status


def _remind(row: GroupSend) -> None:
    """One reminder per task and assistant, if customers wait for a one-to-one invitation."""
    count = (InvitationEntry.objects.filter(task_id=row.task_id, assistant_id=row.assistant_id, active=True,
                                            is_control=False, contact="")
             .exclude(channel=GROUP_SEND).count())
    if not count:
        return
    message = outbox.staff_remind(
        staff=row.assistant, key=f"invitation-group-send:{row.task_id}:{row.assistant_id}",
        title=_("Invitation: %(title)s") % {"title": row.task.title},
        body=_("%(count)d customers need a one-to-one invitation") % {"count": count},
        url=settings.PUBLIC_BASE_URL + reverse("invitations_workbench:todo"),
    )
    if message is None:
        log.info("assistant %s has no WeChat bound: no reminder for task %s", row.assistant_id, row.task_id)


# --- results -------------------------------------------------------------------------------------


def check_delay(checks: int) -> timedelta:
    """Wait after result check number ``checks`` (1: the one right after sending) for the next."""
    return min(CHECK_FIRST_DELAY * 2 ** max(checks - 1, 0), CHECK_MAX_DELAY)


def group_send_check(*, group_send_id: int) -> str | None:
    """Read WeCom's result of the row's message if a check is due and apply it: sent customers
    count as contacts (INV-11) at WeCom's send time, status 2 and 3 go one to one, and on the last
    check (a day after dispatch) those still unconfirmed too. The row's new status, or None when
    there was nothing to do. Harmless to rerun: every move is conditional on the entry's state."""
    now = timezone.now()
    row = GroupSend.objects.filter(pk=group_send_id, status=Status.AWAITING_CONFIRMATION,
                                   next_attempt_at__lte=now).first()
    if row is None:
        return None
    checks = row.checks + 1
    next_at = now + check_delay(checks)
    final = next_at > row.created_at + CHECK_WINDOW
    # Taking the check moves the row's due time on: a duplicate finds it not due, and a worker
    # dying here only delays the check to that time.
    if not GroupSend.objects.filter(pk=row.pk, status=Status.AWAITING_CONFIRMATION, checks=row.checks).update(
            checks=checks, next_attempt_at=next_at, updated_at=now):
        return None
    details, error = [], ""
    if _entries(row, State.IN_MESSAGE).exists():
        try:
            client = wecom_client()
            details = call_with_token_retry(client, client.external_contact.get_group_msg_result,
                                            row.msgid).get("detail_list") or []
        except WECOM_ERRORS as exc:
            verdict = classify(exc, now=now)
            error = f"result check {checks}: {verdict.reason}: {exc}"[:200]
            log.info("group send %s, result check %s: %s", row.pk, checks, verdict.reason)
            if (verdict.retryable or isinstance(exc, SoftTimeLimitExceeded)) and not final:
                GroupSend.objects.filter(pk=row.pk, checks=checks).update(last_error=error)
                return Status.AWAITING_CONFIRMATION  # checked again at next_at
            final = True  # the result cannot be read: what is unconfirmed goes one to one
    with transaction.atomic(), _site_language():
        row = _locked(row.pk, status=Status.AWAITING_CONFIRMATION, checks=checks)
        if row is None:
            return None
        _apply_statuses(row, details)
        unconfirmed = _entries(row, State.IN_MESSAGE)
        if final:
            _move(unconfirmed, WECOM, NOTE_NOT_SENT)
        elif unconfirmed.exists():
            return Status.AWAITING_CONFIRMATION
        return _finish(row, now, error)


def _apply_statuses(row: GroupSend, details: list[dict]) -> None:
    by_external = {d.get("external_userid"): d for d in details if d.get("external_userid")}
    if not by_external:
        return
    customers = dict(WeComContact.objects.filter(staff_id=row.assistant_id, external_userid__in=list(by_external))
                     .values_list("customer_id", "external_userid"))
    in_message = _entries(row, State.IN_MESSAGE).filter(customer_id__in=list(customers))
    sent_at: dict[int, list[int]] = defaultdict(list)  # WeCom's send time -> entry ids
    fallbacks: dict[tuple[str, str], list[int]] = defaultdict(list)
    customer_of = {}
    for entry_id, customer_id in in_message.values_list("pk", "customer_id"):
        detail = by_external[customers[customer_id]]
        status = int(detail.get("status") or 0)
        customer_of[entry_id] = customer_id
        if status == STATUS_SENT:
            sent_at[int(detail.get("send_time") or 0)].append(entry_id)
        elif status == STATUS_NOT_FRIEND:
            fallbacks[(PHONE, NOTE_NOT_FRIEND)].append(entry_id)
        elif status == STATUS_RECEIVED_TODAY:
            fallbacks[(WECOM, NOTE_RECEIVED_TODAY)].append(entry_id)
    for send_time, entry_ids in sent_at.items():
        at = datetime.fromtimestamp(send_time, tz=timezone.get_current_timezone()) if send_time else timezone.now()
        contacts_record(customer_ids=[customer_of[pk] for pk in entry_ids], at=at)
        InvitationEntry.objects.filter(pk__in=entry_ids).update(group_state=State.SENT,
                                                                channel_note=_(NOTE_SENT)[:100])
        # The group message is the invitation: the customer counts as reached from WeCom's send
        # time (results, the 7-day payment window); the assistant may still record the intent.
        InvitationEntry.objects.filter(pk__in=entry_ids, contact="").update(
            contact=InvitationEntry.Contact.REACHED, feedback_at=at)
    _fall_back(fallbacks)


# --- the task detail page ----------------------------------------------------------------------------


def group_send_summary(task: InvitationTask) -> list[dict]:
    """Per assistant of a group-send task: their group send's status and how many customers WeCom
    sent to, await the assistant's confirmation, wait to be sent, and went one to one (WeCom chat
    or phone). One query."""
    if task.method != InvitationTask.Method.GROUP_SEND:
        return []
    mine = GroupSend.objects.filter(task=task, assistant_id=OuterRef("assistant_id"))
    rows = list(
        InvitationEntry.objects.filter(task=task, is_control=False)
        .values("assistant_id", "assistant__name")
        .annotate(sent=Count("id", filter=Q(group_state=State.SENT)),
                  awaiting_confirmation=Count("id", filter=Q(group_state=State.IN_MESSAGE)),
                  waiting=Count("id", filter=Q(group_state=State.WAITING)),
                  one_to_one_wecom=Count("id", filter=Q(channel=WECOM)),
                  one_to_one_phone=Count("id", filter=Q(channel=PHONE)),
                  status=Subquery(mine.values("status")[:1]), attempts=Subquery(mine.values("attempts")[:1]))
        .order_by("assistant__name", "assistant_id")
    )
    labels = dict(Status.choices)
    for row in rows:
        retrying = row["status"] == Status.PENDING and row["attempts"]
        row["status_label"] = _("Retrying after a WeCom error") if retrying else labels.get(row["status"], "")
    return rows
