"""Writes of the invitation workflow (SPEC INV-4..9): dispatch a task, end it, record an assistant's
feedback, urge the assistants. Every write is one transaction; a refusal raises ``InvitationError``
(message via gettext) and changes nothing.

Concurrency: a dispatch locks the selected customers' rows in pk order and re-checks "already
inviting" and the contact cap (INV-11) under the lock; the partial unique index on active entries
is the last guard, so two managers dispatching overlapping customers at the same moment leave each
customer in at most one running task.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from common.bulk import bulk_insert
from customers.contacts import ContactCap, contact_cap, contacts_record
from customers.errors import CustomerError
from customers.models import Customer
from customers.profiles import intent_grade_set
from stores.models import Staff, Store
from stores.scope import Level, scope_of
from wechat.outbox import staff_remind

from .errors import InvitationError
from .models import InvitationAttempt, InvitationEntry, InvitationTask, Segment

DEFAULT_DEADLINE_DAYS = 30
# Within this time an intent answered after "reached" belongs to the same call (one attempt).
ATTEMPT_AMEND_WINDOW = timedelta(minutes=30)
MAX_CONTROL_SHARE = Decimal("0.5")
MANAGING_LEVELS = {Level.ALL, Level.REGION, Level.STORE}


class DispatchRefused(InvitationError):
    """Customers that cannot be dispatched, each with its reason: ``refusals`` = [{customer, reason}]."""

    def __init__(self, message, *, refusals: list[dict]):
        super().__init__(message, customers=[r["customer"] for r in refusals])
        self.refusals = refusals


class InvitationForbidden(InvitationError):
    """The actor may see the row but not do this (e.g. an assistant ending a task)."""


class DispatchConflict(InvitationError):
    """Another dispatch took some of these customers at the same moment (the unique index fired)."""


class DispatchListChanged(InvitationError):
    """"Select all matching": the segment or filter no longer gives the set the manager saw.
    ``count`` is how many it gives now."""

    def __init__(self, message, *, count: int):
        super().__init__(message)
        self.count = count


def staff_of(actor) -> Staff | None:
    """The actor's staff record, None for a user without one (or no user)."""
    staff = getattr(actor, "staff", None) if actor is not None else None
    return staff if isinstance(staff, Staff) else None




def manager_required(actor) -> Staff:
    """The actor's staff record when they are an active manager, supervisor or head office staff;
    else refused (``InvitationForbidden``)."""
    staff = staff_of(actor)
    if staff is None or not staff.is_active or scope_of(actor).level not in MANAGING_LEVELS:
        raise InvitationForbidden(_("Only the store manager, the region supervisor or head office can do this."))
    return staff


def store_in_scope(actor, store: Store | None) -> Store:
    """``store`` when the actor's scope holds it; else refused."""
    if store is None or not Store.objects.visible_to(actor).filter(pk=store.pk).exists():
        raise InvitationError(_("This store is outside your scope."))
    return store


def _control_share(value) -> Decimal:
    try:
        share = Decimal(str(value or 0)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise InvitationError(_("The control share must be a number between 0 and 0.5.")) from None
    if share < 0 or share > MAX_CONTROL_SHARE:
        raise InvitationError(_("The control share must be a number between 0 and 0.5."))
    return share


def _customer_ids(values) -> list[int]:
    try:
        ids = sorted({int(v) for v in values or []})
    except (TypeError, ValueError):
        raise InvitationError(_("Customers must be given by their ids.")) from None
    if not ids:
        raise InvitationError(_("Select at least one customer to invite."))
    return ids


def _channel(method: str, is_wecom_friend: bool) -> str:
    """The suggested channel (INV-6): a WeCom friend gets WeCom chat, or the group send; anybody
    else phone or SMS, in a group-send task too (a group message reaches WeCom friends only; the
    note says so and the group-send entries wait for it, ``group_send.group_send_prepare``)."""
    if not is_wecom_friend:
        return InvitationEntry.Channel.PHONE
    if method == InvitationTask.Method.GROUP_SEND:
        return InvitationEntry.Channel.GROUP_SEND
    return InvitationEntry.Channel.WECOM


def _segment_reasons(*, segment_key: str, store: Store, actor, ids: list[int]) -> tuple[Segment, dict[int, str]]:
    from .segments import segment_customers  # I1's module; raises InvitationError for an unusable segment

    members = segment_customers(key=segment_key, store=store, viewer=actor, include_inviting=True)
    reasons = dict(members.filter(pk__in=ids).values_list("pk", "reason"))
    segment = Segment.objects.filter(key=segment_key).first()
    return segment, reasons


def _matching_ids(matching: QuerySet[Customer], expected_count, expected_fingerprint: str) -> list[int]:
    """"Select all N matching", resolved now: the ids, refused unless they are the N the manager saw."""
    from .candidates import ids_fingerprint

    try:
        expected = int(expected_count)
    except (TypeError, ValueError):
        raise InvitationError(_("Say how many customers you saw to select all matching ones.")) from None
    ids = sorted(set(matching.order_by().values_list("pk", flat=True)))
    if len(ids) != expected or (expected_fingerprint and ids_fingerprint(ids) != expected_fingerprint):
        raise DispatchListChanged(
            _("The list changed since you saw %(seen)d customers: it now has %(count)d. Nothing was dispatched; "
              "reload and check it again.") % {"seen": expected, "count": len(ids)},
            count=len(ids),
        )
    if not ids:
        raise InvitationError(_("Select at least one customer to invite."))
    return ids


def _day(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%m-%d")


def _capped_reason(cap: ContactCap, last_contacted_at) -> str | None:
    allowed = cap.allowed_from(last_contacted_at)
    if allowed is None:
        return None
    return _("contacted %(last)s · can be invited from %(allowed)s") % {
        "last": _day(last_contacted_at), "allowed": _day(allowed)}


@transaction.atomic
def invitation_task_dispatch(*, actor, store: Store, customer_ids: list[int] | None = None,
                             method: str = "one_to_one", deadline: datetime | None = None,
                             segment_key: str | None = None, title: str = "", control_share=0,
                             matching: QuerySet[Customer] | None = None, expected_count: int | None = None,
                             expected_fingerprint: str = "") -> InvitationTask:
    """All or nothing. Refuses up front (``DispatchRefused`` with ``.customers`` and ``.refusals``)
    any customer not selectable by this manager (owner assistant outside the store, out of scope,
    erased, already inviting, contacted within head office's interval), so the dispatched count
    equals the selected count (INV-5, INV-11).

    The customers are ``customer_ids``, or — "select all N matching" — the ids of ``matching``
    (a segment's or filter's invitable customers, ``invitations.candidates``) read now, refused
    with ``DispatchListChanged`` unless they are ``expected_count`` many (and match
    ``expected_fingerprint`` when given): the count the manager saw is the count dispatched."""
    staff = manager_required(actor)
    store_in_scope(actor, store)
    if method not in InvitationTask.Method.values:
        raise InvitationError(_("Unknown invitation method: %(method)s.") % {"method": method})
    now = timezone.now()
    deadline = deadline or now + timedelta(days=DEFAULT_DEADLINE_DAYS)
    if deadline <= now:
        raise InvitationError(_("The deadline must be in the future."))
    share = _control_share(control_share)
    if matching is not None:
        ids = _matching_ids(matching, expected_count, expected_fingerprint)
    else:
        ids = _customer_ids(customer_ids)
    title = (title or "").strip()[:100]

    segment, reasons = (None, {})
    if segment_key:
        segment, reasons = _segment_reasons(segment_key=segment_key, store=store, actor=actor, ids=ids)

    cap = contact_cap(now=now)
    # Lock the selected customers in pk order: a concurrent dispatch of overlapping customers waits
    # here, then sees this one's entries when it re-checks below; a contact recorded meanwhile
    # (feedback, a marketing message) has committed before the lock is granted, so the cap below
    # reads it.
    rows = {
        row["pk"]: row
        for row in Customer.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk").values(
            "pk", "store_id", "owner_assistant_id", "owner_assistant__store_id", "owner_assistant__is_active",
            "erased_at", "is_wecom_friend", "last_contacted_at",
        )
    }
    visible = set(Customer.objects.visible_to(actor).filter(pk__in=ids).values_list("pk", flat=True))
    inviting = set(
        InvitationEntry.objects.filter(customer_id__in=ids, active=True).values_list("customer_id", flat=True)
    )
    refusals = []
    for pk in ids:
        row = rows.get(pk)
        if row is None or pk not in visible:
            reason = _("not found or outside your scope")
        elif row["erased_at"] is not None:
            reason = _("personal data erased")
        elif (row["owner_assistant_id"] is None or row["owner_assistant__store_id"] != store.pk
              or not row["owner_assistant__is_active"]):
            reason = _("the exclusive assistant is not in this store")
        elif row["store_id"] != store.pk:
            reason = _("belongs to another store")
        elif pk in inviting:
            reason = _("already in a running invitation")
        else:
            reason = _capped_reason(cap, row["last_contacted_at"])
            if reason is None:
                continue
        refusals.append({"customer": pk, "reason": reason})
    if refusals:
        raise DispatchRefused(
            _("%(count)d of the selected customers cannot be invited; nothing was dispatched.")
            % {"count": len(refusals)},
            refusals=refusals,
        )

    task = InvitationTask.objects.create(
        store=store, title=title or _default_title(segment, now), segment=segment, method=method,
        deadline=deadline, control_share=share, created_by=staff, created_at=now,
    )
    control = set(random.sample(ids, int(len(ids) * share))) if share else set()
    entries = (
        {
            "task_id": task.pk, "customer_id": pk, "assistant_id": rows[pk]["owner_assistant_id"],
            "store_id": store.pk, "active": True, "is_control": pk in control, "reason": reasons.get(pk, "")[:100],
            "channel": _channel(method, rows[pk]["is_wecom_friend"]), "contact": "", "intent": "", "note": "",
            "feedback_at": None,
        }
        for pk in ids
    )
    try:
        bulk_insert(InvitationEntry, entries, fields=[
            "task_id", "customer_id", "assistant_id", "store_id", "active", "is_control", "reason", "channel",
            "contact", "intent", "note", "feedback_at",
        ])
    except IntegrityError:
        raise DispatchConflict(
            _("Some of these customers were just dispatched in another task; nothing was dispatched. "
              "Reload and select again.")
        ) from None
    if method == InvitationTask.Method.GROUP_SEND:  # INV-6: one GroupSend per assistant, sent after commit
        from .group_send import group_send_prepare, group_sends_nudge

        group_send_prepare(task=task, now=now)
        transaction.on_commit(lambda: group_sends_nudge(task_id=task.pk))
    return task


def _default_title(segment: Segment | None, now: datetime) -> str:
    day = timezone.localtime(now).strftime("%m-%d")
    if segment is not None:
        return f"{segment.name} {day}"
    return _("Invitation %(day)s") % {"day": day}


def _managed_task_locked(actor, task: InvitationTask) -> InvitationTask:
    manager_required(actor)
    locked = InvitationTask.objects.visible_to(actor).select_for_update(of=("self",)).filter(pk=task.pk).first()
    if locked is None:
        raise InvitationError(_("This task is outside your scope."))
    return locked


@transaction.atomic
def invitation_task_end(*, actor, task: InvitationTask) -> InvitationTask:
    """End the task (INV-8): its customers leave "inviting" and return to the segments. Ending an
    ended task changes nothing."""
    staff = manager_required(actor)
    task = _managed_task_locked(actor, task)
    if task.status == InvitationTask.Status.ENDED:
        return task
    task.status = InvitationTask.Status.ENDED
    task.ended_at = timezone.now()
    task.ended_by = staff
    task.save(update_fields=["status", "ended_at", "ended_by"])
    InvitationEntry.objects.filter(task=task, active=True).update(active=False)
    return task


@transaction.atomic
def invitation_feedback_record(*, actor, entry: InvitationEntry, contact: str, intent: str = "",
                               note: str = "", channel: str = "", grade: str = "",
                               group_invited: bool = False) -> InvitationEntry:
    """The entry's assistant records one attempt (INV-7, seed 003's phone invitation log): reached or
    contact failed, with reached the intent to visit; the channel used (the suggested one unless
    given), the A-D grade (set on the customer with its history) and whether the customer was asked
    into the store's WeChat group. Each call is an ``InvitationAttempt``; the entry keeps the result
    that counts: reached from the first "reached" on, which starts the 7-day payment window and
    counts as a contact for the frequency cap (INV-11)."""
    staff = staff_of(actor)
    entry = InvitationEntry.objects.select_for_update().select_related("task").filter(pk=entry.pk).first()
    if entry is None or staff is None or entry.assistant_id != staff.pk:
        raise InvitationForbidden(_("Only the customer's assistant in this task can record the feedback."))
    if entry.is_control:
        raise InvitationError(_("This customer is in the control group and is not contacted."))
    if entry.task.status != InvitationTask.Status.RUNNING:
        raise InvitationError(_("This task has ended; feedback can no longer be recorded."))
    contact = (contact or "").strip()
    intent = (intent or "").strip()
    channel = (channel or "").strip() or entry.channel
    grade = (grade or "").strip().upper()
    if contact not in (InvitationEntry.Contact.REACHED, InvitationEntry.Contact.FAILED):
        raise InvitationError(_("Unknown contact result: %(value)s.") % {"value": contact or "—"})
    if intent not in InvitationEntry.Intent.values:
        raise InvitationError(_("Unknown intent: %(value)s.") % {"value": intent})
    if intent and contact != InvitationEntry.Contact.REACHED:
        raise InvitationError(_("Intent can only be recorded for a customer who was reached."))
    if channel not in InvitationEntry.Channel.values:
        raise InvitationError(_("Unknown channel: %(value)s.") % {"value": channel})
    if grade and grade not in Customer.IntentGrade.values:
        raise InvitationError(_("Intent grade must be A, B, C or D."))
    note = (note or "").strip()
    if len(note) > 200:
        raise InvitationError(_("The note is too long (at most 200 characters)."))
    now = timezone.now()
    # Once reached, the entry stays reached from its first "reached" on (the 7-day payment window
    # never moves): a later unanswered call is one more attempt in the log, and a later call without
    # an answer to the intent keeps the intent given before.
    if entry.contact == InvitationEntry.Contact.REACHED and entry.feedback_at is not None:
        if contact == InvitationEntry.Contact.REACHED and intent:
            entry.intent = intent
    else:
        entry.contact, entry.intent, entry.feedback_at = contact, intent, now
    if note:
        entry.note = note
    entry.save(update_fields=["contact", "intent", "note", "feedback_at"])
    # Answering the intent right after "reached" completes that call rather than logging a second one.
    last = entry.attempts.order_by("-at", "-id").first()
    if (last is not None and last.contact == contact == InvitationEntry.Contact.REACHED and not last.intent
            and intent and now - last.at <= ATTEMPT_AMEND_WINDOW):
        last.intent = intent
        last.grade = grade or last.grade
        last.group_invited = last.group_invited or bool(group_invited)
        last.note = note or last.note
        last.save(update_fields=["intent", "grade", "group_invited", "note"])
    else:
        InvitationAttempt.objects.create(
            entry=entry, customer_id=entry.customer_id, assistant=staff, store_id=entry.store_id, at=now,
            channel=channel, contact=contact, intent=intent, grade=grade, group_invited=bool(group_invited),
            note=note,
        )
    if grade:
        try:
            intent_grade_set(customer=entry.customer, actor=actor, grade=grade,
                             note=_("Invitation: %(title)s") % {"title": entry.task.title})
        except CustomerError as exc:
            raise InvitationError(str(exc)) from None
    if contact == InvitationEntry.Contact.REACHED:
        contacts_record(customer_ids=[entry.customer_id], at=now)
    return entry


@dataclass
class UrgeResult:
    reminded: list[Staff] = field(default_factory=list)
    without_wechat: list[Staff] = field(default_factory=list)


@transaction.atomic
def invitation_task_urge(*, actor, task: InvitationTask) -> UrgeResult:
    """One-click urge (INV-9): a reminder to each assistant with entries awaiting feedback. One
    message per task, assistant and day: urging again the same day sends nothing twice."""
    manager_required(actor)
    task = _managed_task_locked(actor, task)
    if task.status != InvitationTask.Status.RUNNING:
        raise InvitationError(_("This task has ended; there is nothing to urge."))
    waiting = dict(
        InvitationEntry.objects.filter(task=task, active=True, is_control=False, contact="")
        .values("assistant_id").annotate(n=Count("id")).values_list("assistant_id", "n")
    )
    assistants = list(Staff.objects.filter(pk__in=waiting).select_related("store").order_by("pk"))
    result = UrgeResult()
    day = timezone.localdate().isoformat()
    url = settings.PUBLIC_BASE_URL + reverse("invitations_workbench:todo")
    for assistant in assistants:
        count = waiting[assistant.pk]
        message = staff_remind(
            staff=assistant, key=f"invitation-urge:{task.pk}:{assistant.pk}:{day}",
            title=_("Invitation: %(title)s") % {"title": task.title},
            body=_("%(count)d customers await your feedback") % {"count": count}, url=url,
        )
        (result.reminded if message is not None else result.without_wechat).append(assistant)
    return result
