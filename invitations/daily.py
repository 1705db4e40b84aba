"""Seed 003's tables as features (SPEC INV-10): the assistant's day against their targets, the
morning meeting's targets (晨会), the phone invitation log (电话邀约记录表), the successful
invitation list (成功邀约记录表), the evening review (夕会) and the operator's summary per day and
store (操盘手汇总表).

Everything is read from ``InvitationAttempt`` rows (one per call, chat or group invitation the
assistant records) and ``DailyTarget`` rows (else head office's defaults). Definitions, the same
on every page:

* a day is a Shanghai day (``timezone.localdate()``), never a UTC one;
* the day's figures count *customers*, so recording a second result for the same customer the
  same day (the intent after "reached") does not count twice: calls = customers contacted one to
  one (phone/SMS or WeCom chat; a group send is not a call), group invitations = customers asked
  into the WeChat group, reached / contact failed / each grade = customers with such an attempt;
* a successful invitation is an entry's *first* attempt reached with intent to visit, counted on
  its day; what it brought (paying customers, amount, orders) is ``invitations.selectors``' one
  implementation (``entry_figures``, ``with_payments``: payments within 7 days after the entry's
  successful feedback), so these tables and a task's results never disagree.

Reads are aggregate queries: their number does not grow with assistants, attempts, stores or days.
The two writes (targets, the evening reminder) are services: keyword-only, one transaction,
refusing with ``InvitationError`` and changing nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import django_filters
from django.conf import settings
from django.db import transaction
from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.models import Customer
from common.days import day_range
from stores.models import HeadOffice, Role, Staff, Store
from wechat.models import Message
from wechat.outbox import staff_remind

from .errors import InvitationError
from .models import DailyTarget, InvitationAttempt, InvitationEntry
from .selectors import entry_figures, with_payments
from .services import manager_required, store_in_scope

REACHED = InvitationEntry.Contact.REACHED
FAILED = InvitationEntry.Contact.FAILED
YES = InvitationEntry.Intent.YES
ONE_TO_ONE = (InvitationEntry.Channel.WECOM, InvitationEntry.Channel.PHONE)
GRADES = list(Customer.IntentGrade.values)
# Seed 003's grades in two words, for a chip the thumb can hit (the full labels are on the model).
GRADE_HINTS = [
    ("A", gettext_lazy("strong intent")), ("B", gettext_lazy("hesitating")),
    ("C", gettext_lazy("unreachable")), ("D", gettext_lazy("not interested")),
]
MAX_TARGET = 500
MAX_RANGE_DAYS = 31

# The figures of a day, in the order the evening review and the summary show them.
COUNTS = ["calls", "group_invitations", "reached", "contact_failed", *[f"grade_{g}" for g in GRADES], "successes"]
PAID = ["paying_customers", "amount_paid", "orders"]
FIGURES = [*COUNTS, *PAID]


# --- Days ------------------------------------------------------------------------------------------

def day_parse(value, default: date | None = None) -> date:
    """A day from a query string; today (Shanghai) when missing or not a date."""
    parsed = parse_date(value) if isinstance(value, str) and value else None
    return parsed or default or timezone.localdate()


def range_parse(start_value, end_value, *, default_days: int = 7) -> tuple[date, date]:
    """A date range from a query string, at most ``MAX_RANGE_DAYS`` long and in order; by default
    the last ``default_days`` days up to today."""
    today = timezone.localdate()
    end = day_parse(end_value, today)
    start = day_parse(start_value, end - timedelta(days=default_days - 1))
    if start > end:
        start, end = end, start
    if (end - start).days >= MAX_RANGE_DAYS:
        start = end - timedelta(days=MAX_RANGE_DAYS - 1)
    return start, end


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


# --- Targets ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    calls: int
    group_invitations: int
    is_set: bool  # a DailyTarget row (set at the morning meeting), else head office's default


def default_target() -> Target:
    office = HeadOffice.current()
    return Target(office.daily_call_target, office.daily_group_invitation_target, False)


def store_assistants(store: Store) -> QuerySet[Staff]:
    """The assistants who get daily targets: the store's active shop assistants."""
    return Staff.objects.filter(store=store, role=Role.ASSISTANT, is_active=True).order_by("name", "pk")


def _is_store_assistant(staff: Staff, store_id: int | None) -> bool:
    return staff.role == Role.ASSISTANT and staff.is_active and staff.store_id == store_id


def target_for(staff: Staff, day: date) -> Target | None:
    """The staff member's target of the day: their row, else the default for an assistant, else
    None (a manager or designer recording an attempt has no target)."""
    row = DailyTarget.objects.filter(assistant=staff, day=day).first()
    if row is not None:
        return Target(row.calls, row.group_invitations, True)
    return default_target() if staff.role == Role.ASSISTANT and staff.is_active else None


def morning_rows(store: Store, day: date) -> list[dict]:
    """The morning meeting's form: every assistant of the store with the day's target."""
    assistants = list(store_assistants(store))
    rows = {t.assistant_id: t for t in DailyTarget.objects.filter(day=day, assistant__in=assistants)}
    default = default_target()
    result = []
    for assistant in assistants:
        row = rows.get(assistant.pk)
        target = Target(row.calls, row.group_invitations, True) if row else default
        result.append({"assistant": assistant, "target": target, "set_by": row.set_by if row else None})
    return result


def _whole_number(value, *, label: str, name: str) -> int:
    text = str(value if value is not None else "").strip()
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_TARGET:
        raise InvitationError(
            _("%(what)s for %(name)s must be a whole number from 0 to %(max)d.")
            % {"what": label, "name": name, "max": MAX_TARGET})
    return int(text)


def daily_targets_check(*, actor, store: Store, day: date, targets: dict) -> list[DailyTarget]:
    """The rows ``daily_targets_set`` would save, unsaved; ``InvitationError`` for the first
    thing wrong (the admin's form shows it before saving)."""
    staff = manager_required(actor)
    store = store_in_scope(actor, store)
    if not isinstance(day, date) or day < timezone.localdate():
        raise InvitationError(_("Targets can be set for today or a later day only."))
    if not targets:
        raise InvitationError(_("There are no targets to save."))
    assistants = {a.pk: a for a in store_assistants(store)}
    now = timezone.now()
    rows = []
    for key, figures in targets.items():
        try:
            assistant = assistants[int(key)]
        except (KeyError, TypeError, ValueError):
            raise InvitationError(
                _("Targets can be set only for the assistants of %(store)s.") % {"store": store.name}) from None
        figures = figures or {}
        rows.append(DailyTarget(
            store=store, assistant=assistant, day=day, set_by=staff, updated_at=now,
            calls=_whole_number(figures.get("calls"), label=_("Calls"), name=assistant.name),
            group_invitations=_whole_number(figures.get("group_invitations"), label=_("Group invitations"),
                                            name=assistant.name),
        ))
    return rows


@transaction.atomic
def daily_targets_set(*, actor, store: Store, day: date, targets: dict) -> list[DailyTarget]:
    """The morning meeting (seed 003, 晨会): set the day's calls and group invitations of the
    store's assistants in one action. ``targets`` maps an assistant's id to
    ``{"calls": ..., "group_invitations": ...}``. All or nothing: a number that is not a whole
    number from 0 to 500, a member of staff who is not an active assistant of this store, a past
    day or a store outside the actor's scope refuse the whole set. One upsert on (assistant, day)."""
    rows = daily_targets_check(actor=actor, store=store, day=day, targets=targets)
    DailyTarget.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["assistant", "day"],
        update_fields=["store", "calls", "group_invitations", "set_by", "updated_at"],
    )
    return rows


# --- Figures ---------------------------------------------------------------------------------------

def _first_success() -> Q:
    """An attempt that is its entry's first "reached, will visit" (a successful invitation)."""
    earlier = InvitationAttempt.objects.filter(entry=OuterRef("entry"), contact=REACHED, intent=YES).filter(
        Q(at__lt=OuterRef("at")) | Q(at=OuterRef("at"), pk__lt=OuterRef("pk")))
    return Q(contact=REACHED, intent=YES) & ~Q(Exists(earlier))


def _customers(condition: Q) -> Count:
    return Count("customer", filter=condition, distinct=True)


def _count_aggregates() -> dict:
    """The day's counts (``COUNTS``), customers each, successes entries."""
    return {
        "calls": _customers(Q(channel__in=ONE_TO_ONE)),
        "group_invitations": _customers(Q(group_invited=True)),
        "reached": _customers(Q(contact=REACHED)),
        "contact_failed": _customers(Q(contact=FAILED)),
        **{f"grade_{g}": _customers(Q(grade=g)) for g in GRADES},
        "successes": Count("entry", filter=_first_success(), distinct=True),
    }


def _zero() -> dict:
    return {**{key: 0 for key in COUNTS}, "paying_customers": 0, "amount_paid": Decimal("0"), "orders": 0}


def _success_at() -> Subquery:
    """The time of the outer entry's first successful invitation attempt."""
    return Subquery(InvitationAttempt.objects.filter(entry=OuterRef("pk"), contact=REACHED, intent=YES)
                    .order_by("at", "pk").values("at")[:1])


def successful_entries(attempts: QuerySet[InvitationAttempt], start: datetime, end: datetime
                       ) -> QuerySet[InvitationEntry]:
    """The entries whose first successful invitation (``success_at``) is in [start, end), among
    the entries of ``attempts`` (already narrowed to a store, an assistant, the period)."""
    candidates = attempts.filter(contact=REACHED, intent=YES).values("entry")
    return (InvitationEntry.objects.filter(pk__in=candidates).annotate(success_at=_success_at())
            .filter(success_at__gte=start, success_at__lt=end))


def _paid(row: dict) -> dict:
    return {"paying_customers": row["paying_customers"], "amount_paid": row["amount_paid"], "orders": row["orders"]}


def _grouped(rows, keys: list[str]) -> dict:
    result = {}
    for row in rows:
        result[tuple(row.pop(k) for k in keys)] = row
    return result


def _marks(row: dict) -> dict:
    """Met / behind against the target (None: no target, no marker)."""
    target = row["target"]
    if target is None:
        row.update(calls_met=None, groups_met=None, behind=False)
        return row
    row["calls_met"] = row["calls"] >= target.calls
    row["groups_met"] = row["group_invitations"] >= target.group_invitations
    row["calls_short"] = max(target.calls - row["calls"], 0)
    row["groups_short"] = max(target.group_invitations - row["group_invitations"], 0)
    row["behind"] = not (row["calls_met"] and row["groups_met"])
    return row


def _percent(done: int, target: int) -> int:
    return 100 if target <= 0 else min(100, done * 100 // target)


@dataclass
class Progress:
    """An assistant's day against their targets (the workbench header)."""

    day: date
    target: Target | None
    calls: int
    group_invitations: int
    reached: int
    successes: int

    @property
    def calls_percent(self) -> int:
        return _percent(self.calls, self.target.calls) if self.target else 0

    @property
    def groups_percent(self) -> int:
        return _percent(self.group_invitations, self.target.group_invitations) if self.target else 0

    @property
    def behind(self) -> bool:
        return self.target is not None and (
            self.calls < self.target.calls or self.group_invitations < self.target.group_invitations)


def day_progress(staff: Staff, day: date | None = None) -> Progress:
    """Today's (or ``day``'s) calls and group invitations of ``staff`` and their target: three
    queries (figures, target row, head office when there is no row)."""
    day = day or timezone.localdate()
    start, end = day_range(day)
    aggregates = _count_aggregates()
    figures = InvitationAttempt.objects.filter(assistant=staff, at__gte=start, at__lt=end).aggregate(
        calls=aggregates["calls"], group_invitations=aggregates["group_invitations"],
        reached=aggregates["reached"], successes=aggregates["successes"])
    return Progress(day=day, target=target_for(staff, day), **figures)


def entries_with_attempts(entries: list[InvitationEntry]) -> list[InvitationEntry]:
    """Sets ``attempt_count`` on each entry (the to-do shows "invited N times"): one query."""
    counts = dict(InvitationAttempt.objects.filter(entry_id__in=[e.pk for e in entries]).values("entry_id")
                  .annotate(n=Count("id")).order_by().values_list("entry_id", "n")) if entries else {}
    for entry in entries:
        entry.attempt_count = counts.get(entry.pk, 0)
    return entries


# --- Evening review (夕会) -------------------------------------------------------------------------

def evening_review(*, store: Store, day: date) -> dict:
    """Per assistant: the day's targets against what they did, with met/behind markers, and the
    store total. Eight queries whatever the number of assistants and attempts."""
    start, end = day_range(day)
    attempts = InvitationAttempt.objects.filter(store=store, at__gte=start, at__lt=end)
    done = _grouped(attempts.values("assistant").annotate(**_count_aggregates()).order_by(), ["assistant"])
    paid = {row["assistant"]: _paid(row) for row in entry_figures(successful_entries(attempts, start, end),
                                                                   by="assistant")}
    rows_set = {t.assistant_id: t for t in DailyTarget.objects.filter(store=store, day=day)}
    others = {key[0] for key in done} | set(rows_set)
    staff = list(Staff.objects.filter(Q(store=store, role=Role.ASSISTANT, is_active=True) | Q(pk__in=others))
                 .order_by("name", "pk"))
    default = default_target()
    reminded = set(Message.objects.filter(key__in=[remind_key(s.pk, day) for s in staff])
                   .values_list("staff_id", flat=True))
    rows = []
    for member in staff:
        row_set = rows_set.get(member.pk)
        if row_set is not None:
            target = Target(row_set.calls, row_set.group_invitations, True)
        else:
            target = default if _is_store_assistant(member, store.pk) else None
        row = {"assistant": member, "target": target, "reminded": member.pk in reminded, **_zero()}
        row.update(done.get((member.pk,), {}))
        row.update(paid.get(member.pk, {}))
        rows.append(_marks(row))
    return {"day": day, "store": store, "rows": rows, "total": _total(rows)}


def _total(rows: list[dict]) -> dict:
    total = _zero()
    calls_target = groups_target = 0
    for row in rows:
        for key in FIGURES:
            total[key] += row[key]
        if row["target"] is not None:
            calls_target += row["target"].calls
            groups_target += row["target"].group_invitations
    total["target"] = Target(calls_target, groups_target, False)
    return _marks(total)


def remind_key(assistant_id: int, day: date) -> str:
    return f"daily-targets:{assistant_id}:{day.isoformat()}"


@transaction.atomic
def daily_remind(*, actor, assistant: Staff) -> Message | None:
    """Remind an assistant who is behind today's targets (the evening review's one tap), through
    the official account. Once per assistant and day: a second tap sends nothing. None when the
    assistant has not bound their WeChat (the manager tells them in person)."""
    manager_required(actor)
    if not Staff.objects.visible_to(actor).filter(pk=assistant.pk).exists() or assistant.store_id is None:
        raise InvitationError(_("This assistant is outside your scope."))
    progress = day_progress(assistant)
    if progress.target is None:
        raise InvitationError(_("%(name)s has no targets today.") % {"name": assistant.name})
    if not progress.behind:
        raise InvitationError(_("%(name)s has met today's targets.") % {"name": assistant.name})
    body = _("Calls %(calls)d/%(calls_target)d, group %(groups)d/%(groups_target)d") % {
        "calls": progress.calls, "calls_target": progress.target.calls,
        "groups": progress.group_invitations, "groups_target": progress.target.group_invitations}
    return staff_remind(
        staff=assistant, key=remind_key(assistant.pk, progress.day), title=_("Today's invitation targets"),
        body=body, url=settings.PUBLIC_BASE_URL + reverse("invitations_workbench:my_day"))


# --- Operator's summary (操盘手汇总表) --------------------------------------------------------------

def daily_summary(*, stores: QuerySet[Store], start: date, end: date) -> dict:
    """Per day and store (newest day first): the evening review's figures summed, the day's
    targets of the store's assistants (rows, else the defaults), a subtotal per day when there
    are several stores, and the total. Eight queries whatever the number of stores and days."""
    store_list = list(stores.select_related("region").order_by("region__code", "code"))
    first, _end = day_range(start)
    _start, last = day_range(end)
    attempts = InvitationAttempt.objects.filter(store__in=stores, at__gte=first, at__lt=last)
    done = _grouped(attempts.annotate(day=TruncDate("at")).values("store", "day")
                    .annotate(**_count_aggregates()).order_by(), ["store", "day"])
    successes = successful_entries(attempts, first, last).annotate(day=TruncDate("success_at"))
    paid = {(row["store"], row["day"]): _paid(row) for row in entry_figures(successes, by="store", labels=("day",))}
    assistants = dict(Staff.objects.filter(store__in=stores, role=Role.ASSISTANT, is_active=True)
                      .values("store").annotate(n=Count("id")).order_by().values_list("store", "n"))
    current = Q(assistant__role=Role.ASSISTANT, assistant__is_active=True, assistant__store=F("store"))
    set_rows = _grouped(
        DailyTarget.objects.filter(store__in=stores, day__gte=start, day__lte=end).values("store", "day")
        .annotate(calls=Sum("calls"), groups=Sum("group_invitations"), current=Count("id", filter=current))
        .order_by(), ["store", "day"])
    default = default_target()
    days = []
    for day in reversed(_days(start, end)):
        rows = []
        for store in store_list:
            key = (store.pk, day)
            rows_set = set_rows.get(key, {"calls": 0, "groups": 0, "current": 0})
            without_row = max(assistants.get(store.pk, 0) - rows_set["current"], 0)
            target = Target(rows_set["calls"] + without_row * default.calls,
                            rows_set["groups"] + without_row * default.group_invitations, False)
            row = {"store": store, "day": day, "target": target, "assistants": assistants.get(store.pk, 0),
                   **_zero()}
            row.update(done.get(key, {}))
            row.update(paid.get(key, {}))
            rows.append(_marks(row))
        days.append({"day": day, "rows": rows, "total": _total(rows) if len(rows) > 1 else None})
    total = _total([row for d in days for row in d["rows"]])
    return {"days": days, "total": total, "start": start, "end": end}


# --- Successful invitations (成功邀约记录表) and the phone invitation log (电话邀约记录表) ---------------

def successful_invitations(*, store: Store, start: date, end: date, assistant: Staff | None = None,
                           limit: int = 500) -> dict:
    """The entries reached with intent to visit (their first such attempt, ``success_at``) in
    [start, end], newest first, each followed to whether the customer paid within 7 days
    (``paid_amount``, ``paid_orders`` of ``selectors.with_payments``) and whether they were asked
    into the WeChat group (``in_group``), with the totals: three queries."""
    first, _end = day_range(start)
    _start, last = day_range(end)
    attempts = InvitationAttempt.objects.filter(store=store, at__gte=first, at__lt=last)
    if assistant is not None:
        attempts = attempts.filter(assistant=assistant)
    entries = successful_entries(attempts, first, last)
    in_group = InvitationAttempt.objects.filter(entry=OuterRef("pk"), group_invited=True)
    rows = list(with_payments(entries).annotate(in_group=Exists(in_group))
                .select_related("customer", "assistant", "task").order_by("-success_at", "-pk")[:limit])
    totals = entry_figures(entries)
    return {"rows": rows, "totals": {"successes": totals["customers"], **_paid(totals)},
            "truncated": totals["customers"] > len(rows)}


class AttemptFilter(django_filters.FilterSet):
    """The phone invitation log's filters; the assistants offered are the store's (``store``)."""

    assistant = django_filters.ModelChoiceFilter(queryset=Staff.objects.none(), label=gettext_lazy("Assistant"),
                                                 empty_label=gettext_lazy("All assistants"))
    grade = django_filters.ChoiceFilter(choices=[(g, g) for g in GRADES], label=gettext_lazy("Intent grade"),
                                        empty_label=gettext_lazy("Any grade"))
    contact = django_filters.ChoiceFilter(choices=[c for c in InvitationEntry.Contact.choices if c[0]],
                                          label=gettext_lazy("Result"), empty_label=gettext_lazy("Any result"))
    channel = django_filters.ChoiceFilter(choices=InvitationEntry.Channel.choices, label=gettext_lazy("Channel"),
                                          empty_label=gettext_lazy("Any channel"))

    class Meta:
        model = InvitationAttempt
        fields = ["assistant", "grade", "contact", "channel"]

    def __init__(self, *args, store: Store, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["assistant"].queryset = Staff.objects.filter(
            Q(store=store, role=Role.ASSISTANT) | Q(pk__in=InvitationAttempt.objects.filter(store=store)
                                                   .values("assistant"))).order_by("name", "pk")


def attempt_log(attempts: QuerySet[InvitationAttempt], day: date, limit: int = 1000) -> list[InvitationAttempt]:
    """One day of ``attempts`` (already scoped and filtered), in the order they were made."""
    start, end = day_range(day)
    return list(attempts.filter(at__gte=start, at__lt=end).select_related("customer", "assistant", "entry__task")
                .order_by("at", "pk")[:limit])
