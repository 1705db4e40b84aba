"""Reads of the invitation workflow: task lists, a task's results (INV-7) per task and per assistant,
the measured lift against the control group, and an assistant's to-do.

The figures (``METRICS``, the customers dispatched and the control comparison) have ONE
implementation, :func:`entry_figures`: aggregates over entries, in total or grouped by one field (a
task's assistants here; regions, stores, assistants and tasks in ``invitations.metrics``), at most
three queries whatever the number of groups or entries: the counts, the payments, the lift.

A payment counts for an entry when it is a ``customers.Payment`` of that customer with ``paid_at``
within 7 days after the entry's successful feedback (``contact = reached``, ``feedback_at``), and
only for the customer's latest successful invitation before it, so a payment is never counted twice
when two tasks reached the same customer in the same week. The lift compares the paying rates of
the invited and the control group over the 7 days from dispatch (the control group has no feedback).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db.models import (
    Count,
    DateTimeField,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from stores.models import Staff
from stores.scope import Level, scope_of

from .models import InvitationEntry, InvitationTask

PAYMENT_WINDOW = timedelta(days=7)
REACHED = InvitationEntry.Contact.REACHED
FAILED = InvitationEntry.Contact.FAILED
CENT = Decimal("0.01")
MONEY = DecimalField(max_digits=14, decimal_places=2)

# The figures of a task's results, in the order the page shows them (INV-7).
METRICS = ["invited", "with_intent", "without_intent", "awaiting_feedback", "contact_failed",
           "paying_customers", "amount_paid", "orders"]

_INVITED = Q(is_control=False)
_REACHED = Q(is_control=False, contact=REACHED, feedback_at__isnull=False)
# The lift compares the groups of tasks that held a control group back, so a store's tasks without
# one do not dilute it.
_CONTROLLED = Q(task__control_share__gt=0)
_PAID_AT = "customer__orders__payments__paid_at"

# "customers" is the customers dispatched, the control group apart.
_COUNTS = {
    "customers": Count("id", filter=_INVITED),
    "control": Count("id", filter=Q(is_control=True)),
    "invited": Count("id", filter=_INVITED & Q(contact=REACHED)),
    "with_intent": Count("id", filter=_INVITED & Q(contact=REACHED, intent="yes")),
    "without_intent": Count("id", filter=_INVITED & Q(contact=REACHED, intent="no")),
    "awaiting_feedback": Count("id", filter=_INVITED & Q(contact="")),
    "contact_failed": Count("id", filter=_INVITED & Q(contact=FAILED)),
    "lift_customers": Count("id", filter=_INVITED & _CONTROLLED),
}
# Over entries joined to the payments that count for them (_attributed).
_PAID = {
    "paying_customers": Count("customer", distinct=True),
    "amount_paid": Sum("customer__orders__payments__amount"),
    "orders": Count("customer__orders", distinct=True),
}
# Over entries joined to their payments in the 7 days from dispatch (_paid_since_dispatch).
_PAYING = {
    "invited_paying": Count("id", distinct=True, filter=Q(is_control=False)),
    "control_paying": Count("id", distinct=True, filter=Q(is_control=True)),
}
_UNPAID = {"paying_customers": 0, "amount_paid": None, "orders": 0}
_NOT_PAYING = {"invited_paying": 0, "control_paying": 0}


def floor_staff(user) -> bool:
    """Assistants and other floor staff read their own entries' figures only, never the control group."""
    return scope_of(user).level == Level.OWN


def entries_seen_by(user) -> QuerySet[InvitationEntry]:
    """The entries whose figures ``user`` may read: their scope, and for floor staff their own
    entries without the control group (held back from the assistant who would contact it)."""
    entries = InvitationEntry.objects.visible_to(user)
    return entries.filter(is_control=False) if floor_staff(user) else entries


def tasks_visible(user, *, store=None, status: str | None = None) -> QuerySet[InvitationTask]:
    """The tasks ``user`` may see, newest first, with entry counts annotated (floor staff: of
    their own entries only)."""
    tasks = InvitationTask.objects.visible_to(user).select_related("store", "created_by", "segment")
    if store:
        tasks = tasks.filter(store=store)
    if status:
        tasks = tasks.filter(status=status)
    invited = Q(entries__is_control=False)
    control = Count("entries", filter=Q(entries__is_control=True))
    if floor_staff(user):
        invited &= Q(entries__assistant_id=scope_of(user).staff_id)
        control = Value(0)
    return tasks.annotate(
        customer_count=Count("entries", filter=invited),
        control_count=control,
        awaiting_count=Count("entries", filter=invited & Q(entries__contact="")),
        invited_count=Count("entries", filter=invited & Q(entries__contact=REACHED)),
    ).order_by("-created_at", "-id")


def _window_end(start):
    return ExpressionWrapper(start + PAYMENT_WINDOW, output_field=DateTimeField())


def _attributed(entries: QuerySet[InvitationEntry]) -> QuerySet[InvitationEntry]:
    """Reached entries joined to the payments that count for them: their customer's, within 7 days
    after the feedback, and not after a later successful invitation of that customer (that one
    takes them). One ``filter()`` call, so every condition is on the same payment row."""
    later = InvitationEntry.objects.filter(
        customer=OuterRef("customer"), is_control=False, contact=REACHED,
        feedback_at__gt=OuterRef("feedback_at"), feedback_at__lte=OuterRef(_PAID_AT),
    )
    return entries.filter(_REACHED, ~Exists(later), **{
        f"{_PAID_AT}__gte": F("feedback_at"), f"{_PAID_AT}__lte": _window_end(F("feedback_at"))})


def _paid_since_dispatch(entries: QuerySet[InvitationEntry]) -> QuerySet[InvitationEntry]:
    """Entries of tasks with a control group joined to their payments in the 7 days from dispatch."""
    return entries.filter(_CONTROLLED, **{
        f"{_PAID_AT}__gte": F("task__created_at"), f"{_PAID_AT}__lte": _window_end(F("task__created_at"))})


def _by(queryset: QuerySet, keys: tuple[str, ...], aggregates: dict) -> dict:
    """{(values of ``keys``): aggregates}; without keys one group, keyed ()."""
    if not keys:
        return {(): queryset.aggregate(**aggregates)}
    return {tuple(row.pop(k) for k in keys): row for row in queryset.values(*keys).annotate(**aggregates).order_by()}


def _lift(row: dict) -> dict | None:
    """Paying rate of the invited group vs the control group; None without a control group."""
    if not row["control"] or not row["lift_customers"]:
        return None
    invited_rate = Decimal(row["invited_paying"]) / row["lift_customers"]
    control_rate = Decimal(row["control_paying"]) / row["control"]
    return {
        "invited_customers": row["lift_customers"], "invited_paying": row["invited_paying"],
        "invited_rate": round(invited_rate, 4),
        "control_customers": row["control"], "control_paying": row["control_paying"],
        "control_rate": round(control_rate, 4),
        "lift": round(invited_rate - control_rate, 4),
    }


def _cents(amount) -> Decimal:
    # To the cent on every database (SQLite does not round computed decimals); zero stays 0.
    return Decimal(amount).quantize(CENT) if amount else Decimal("0")


def entry_figures(entries: QuerySet[InvitationEntry], *, by: str | None = None,
                  labels: tuple[str, ...] = ()) -> dict | list[dict]:
    """The figures of ``entries`` (METRICS, customers, control, lift): one dict in total, or with
    ``by`` one dict per value of that field and of the ``labels`` fields (names of the group, or
    further dimensions such as a day), which the dicts include. Three queries at most (two
    without a control group)."""
    keys = (by, *labels) if by else ()
    if keys:
        rows = list(entries.values(*keys).annotate(**_COUNTS).order_by())
    else:
        rows = [entries.aggregate(**_COUNTS)]
    paid = _by(_attributed(entries), keys, _PAID)
    paying = _by(_paid_since_dispatch(entries), keys, _PAYING) if any(r["control"] for r in rows) else {}
    for row in rows:
        key = tuple(row[k] for k in keys)
        row.update(paid.get(key, _UNPAID))
        row.update(paying.get(key, _NOT_PAYING))
        row["amount_paid"] = _cents(row["amount_paid"])
        row["lift"] = _lift(row)
    return rows if keys else rows[0]


def entry_payments(entries: QuerySet[InvitationEntry]) -> dict[int, dict]:
    """What each of ``entries`` brought: {entry id: {paid_amount, paid_orders}}, entries without a
    payment that counts left out. One grouped query (an export reads it a chunk at a time)."""
    return {
        pk: {"paid_amount": _cents(row["amount_paid"]), "paid_orders": row["orders"]}
        for (pk,), row in _by(_attributed(entries), ("id",), _PAID).items()
    }


def with_payments(entries: QuerySet[InvitationEntry]) -> QuerySet[InvitationEntry]:
    """``entries`` each annotated with what it brought, ``paid_amount`` (None when nothing) and
    ``paid_orders``: the same rule (``_attributed``) as a subquery per row, for bounded lists."""
    own = _attributed(InvitationEntry.objects.filter(pk=OuterRef("pk"))).values("pk")
    return entries.annotate(
        paid_amount=Subquery(own.annotate(s=_PAID["amount_paid"]).values("s"), output_field=MONEY),
        paid_orders=Coalesce(Subquery(own.annotate(n=_PAID["orders"]).values("n")), 0),
    )


def task_results(task: InvitationTask, *, viewer=None) -> dict:
    """The task's figures (METRICS), per assistant too, and the control group comparison. With a
    ``viewer`` who is floor staff, only the figures of their own entries (no control group)."""
    entries = (entries_seen_by(viewer) if viewer is not None else InvitationEntry.objects).filter(task=task)
    totals = entry_figures(entries)
    per_assistant = [
        {"assistant_id": row.pop("assistant"), "assistant": row.pop("assistant__name") or "", **row}
        for row in entry_figures(entries, by="assistant", labels=("assistant__name",)) if row["customers"]
    ]
    per_assistant.sort(key=lambda r: (-r["invited"], r["assistant"]))
    return {"totals": totals, "per_assistant": per_assistant, "lift": totals["lift"]}


def control_lift(task: InvitationTask) -> dict | None:
    """Paying rate of the invited group vs the control group, both over the 7 days from dispatch.
    None when the task has no control group."""
    return entry_figures(InvitationEntry.objects.filter(task=task))["lift"]


def todo_for(staff: Staff) -> tuple[list[dict], list[InvitationEntry]]:
    """An assistant's to-do in running tasks: groups [{task, entries}] of entries awaiting feedback
    (soonest deadline first), and the entries already fed back. Control entries never appear."""
    entries = (
        InvitationEntry.objects.filter(assistant=staff, is_control=False, active=True,
                                       task__status=InvitationTask.Status.RUNNING)
        .select_related("task", "customer").order_by("task__deadline", "task_id", "id")
    )
    groups: list[dict] = []
    done: list[InvitationEntry] = []
    for entry in entries:
        if entry.contact:
            done.append(entry)
            continue
        if not groups or groups[-1]["task"].pk != entry.task_id:
            groups.append({"task": entry.task, "entries": []})
        groups[-1]["entries"].append(entry)
    done.sort(key=lambda e: e.feedback_at or e.task.created_at, reverse=True)
    return groups, done


def todo_count(staff: Staff | None) -> int:
    if staff is None:
        return 0
    return InvitationEntry.objects.filter(assistant=staff, is_control=False, active=True, contact="",
                                          task__status=InvitationTask.Status.RUNNING).count()
