"""Reads of the invitation workflow: task lists, a task's results (INV-7) per task and per assistant,
the measured lift against the control group, and an assistant's to-do.

Results are aggregate queries (a handful per task, whatever its size). A payment counts for an
entry only when it is a ``customers.Payment`` of that customer with ``paid_at`` within 7 days after
the entry's successful feedback (``contact = reached``, ``feedback_at``).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, DateTimeField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from stores.models import Staff

from .models import InvitationEntry, InvitationTask

PAYMENT_WINDOW = timedelta(days=7)
REACHED = InvitationEntry.Contact.REACHED
FAILED = InvitationEntry.Contact.FAILED

# The figures of a task's results, in the order the page shows them (INV-7).
METRICS = ["invited", "with_intent", "without_intent", "awaiting_feedback", "contact_failed",
           "paying_customers", "amount_paid", "orders"]

_COUNTS = {
    "customers": Count("id", filter=Q(is_control=False)),
    "invited": Count("id", filter=Q(is_control=False, contact=REACHED)),
    "with_intent": Count("id", filter=Q(is_control=False, contact=REACHED, intent="yes")),
    "without_intent": Count("id", filter=Q(is_control=False, contact=REACHED, intent="no")),
    "awaiting_feedback": Count("id", filter=Q(is_control=False, contact="")),
    "contact_failed": Count("id", filter=Q(is_control=False, contact=FAILED)),
}


def tasks_visible(user, *, store=None, status: str | None = None) -> QuerySet[InvitationTask]:
    """The tasks ``user`` may see, newest first, with entry counts annotated."""
    tasks = InvitationTask.objects.visible_to(user).select_related("store", "created_by", "segment")
    if store:
        tasks = tasks.filter(store=store)
    if status:
        tasks = tasks.filter(status=status)
    return tasks.annotate(
        customer_count=Count("entries", filter=Q(entries__is_control=False)),
        control_count=Count("entries", filter=Q(entries__is_control=True)),
        awaiting_count=Count("entries", filter=Q(entries__is_control=False, entries__contact="")),
        invited_count=Count("entries", filter=Q(entries__is_control=False, entries__contact=REACHED)),
    ).order_by("-created_at", "-id")


def _paid_in_window(entries: QuerySet, start: str) -> QuerySet:
    """``entries`` joined to their customers' payments with paid_at in [start, start + 7 days]."""
    end = ExpressionWrapper(F(start) + PAYMENT_WINDOW, output_field=DateTimeField())
    return entries.filter(
        customer__orders__payments__paid_at__gte=F(start),
        customer__orders__payments__paid_at__lte=end,
    )


def _payment_figures(entries: QuerySet, group_by: str | None = None):
    paid = _paid_in_window(entries.filter(is_control=False, contact=REACHED, feedback_at__isnull=False),
                           "feedback_at")
    aggregates = {
        "paying_customers": Count("customer", distinct=True),
        "amount_paid": Coalesce(Sum("customer__orders__payments__amount"), Decimal("0")),
        "orders": Count("customer__orders", distinct=True),
    }
    if group_by is None:
        return paid.aggregate(**aggregates)
    return {row.pop(group_by): row for row in paid.values(group_by).annotate(**aggregates).order_by()}


def task_results(task: InvitationTask) -> dict:
    """The task's figures (METRICS), per assistant too, and the control group comparison."""
    entries = InvitationEntry.objects.filter(task=task)
    totals = entries.aggregate(**_COUNTS, control=Count("id", filter=Q(is_control=True)))
    totals.update(_payment_figures(entries))

    rows = {
        row.pop("assistant"): row
        for row in entries.values("assistant").annotate(**_COUNTS).order_by()
        if row["customers"]
    }
    payments = _payment_figures(entries, group_by="assistant")
    names = dict(Staff.objects.filter(pk__in=rows).values_list("pk", "name"))
    per_assistant = []
    for assistant_id, row in rows.items():
        row.update(payments.get(assistant_id, {"paying_customers": 0, "amount_paid": Decimal("0"), "orders": 0}))
        per_assistant.append({"assistant_id": assistant_id, "assistant": names.get(assistant_id, ""), **row})
    per_assistant.sort(key=lambda r: (-r["invited"], r["assistant"]))
    return {"totals": totals, "per_assistant": per_assistant, "lift": control_lift(task, totals=totals)}


def control_lift(task: InvitationTask, *, totals: dict | None = None) -> dict | None:
    """Paying rate of the invited group vs the control group, both over the 7 days from dispatch
    (the control group has no feedback time). None when the task has no control group."""
    entries = InvitationEntry.objects.filter(task=task)
    if totals is None:
        totals = entries.aggregate(customers=Count("id", filter=Q(is_control=False)),
                                   control=Count("id", filter=Q(is_control=True)))
    if not totals["control"] or not totals["customers"]:
        return None
    end = task.created_at + PAYMENT_WINDOW
    paying = dict(
        entries.filter(customer__orders__payments__paid_at__gte=task.created_at,
                       customer__orders__payments__paid_at__lte=end)
        .values("is_control").annotate(n=Count("customer", distinct=True)).order_by()
        .values_list("is_control", "n")
    )
    invited_rate = Decimal(paying.get(False, 0)) / totals["customers"]
    control_rate = Decimal(paying.get(True, 0)) / totals["control"]
    return {
        "invited_customers": totals["customers"], "invited_paying": paying.get(False, 0),
        "invited_rate": round(invited_rate, 4),
        "control_customers": totals["control"], "control_paying": paying.get(True, 0),
        "control_rate": round(control_rate, 4),
        "lift": round(invited_rate - control_rate, 4),
    }


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
