"""Invitation metrics by region, store, assistant and task, and the entries behind them (SPEC INV-9).

Everything is read from ``entries_seen_by(user)`` (the entries the user may see; floor staff their
own, without the control group), narrowed by :class:`MetricsFilter`, the one filter of the metrics
page, its exports and ``/api/v1/invitations/metrics/``. The figures come from
``invitations.selectors.entry_figures``, the same implementation as a task's results: a grouped
table is two queries (the groups, the totals row) whatever the number of groups, tasks or entries.

The period is the tasks' dispatch time, in store days (Asia/Shanghai): ``from`` and ``to`` are
local dates, both included.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import timedelta
from types import SimpleNamespace

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from common.days import day_start
from stores.filters import in_scope
from stores.models import Region, Store
from stores.scope import Level, scope_of

from .models import InvitationEntry, InvitationTask
from .selectors import entries_seen_by, entry_figures, entry_payments

DETAILS_PAGE = 50
COUNT, MONEY, RATE, LIFT = "count", "money", "rate", "lift"


@dataclass(frozen=True)
class Column:
    """A figure as the table, the export and the API show it: key, header, kind of number."""

    key: str
    label: str
    kind: str = COUNT

    def value(self, row: dict):
        if self.kind in (RATE, LIFT):
            return (row["lift"] or {}).get(self.key)
        return row[self.key]


# The columns of the metrics table and its export, in order: the task results' figures (INV-7)
# after the customers dispatched, then the control-group comparison.
COLUMNS = [
    Column("customers", _("Customers dispatched")),
    Column("invited", _("Invited")),
    Column("with_intent", _("With intent")),
    Column("without_intent", _("Without intent")),
    Column("awaiting_feedback", _("Awaiting feedback")),
    Column("contact_failed", _("Contact failed")),
    Column("paying_customers", _("Paying customers")),
    Column("amount_paid", _("Amount paid"), MONEY),
    Column("orders", _("Orders")),
    Column("invited_rate", _("Invited group paying rate"), RATE),
    Column("control_rate", _("Control group paying rate"), RATE),
    Column("lift", _("Lift"), LIFT),
]
# The task results' labels (task page, admin), from the same columns.
METRIC_LABELS = {column.key: column.label for column in COLUMNS}


@dataclass(frozen=True)
class Grouping:
    """One way to group the entries: by a field, named by another, with more fields describing a
    group (row key → field), for the scope levels that may use it."""

    by: str
    field: str
    name: str
    levels: frozenset[Level]
    extra: dict[str, str] = dataclass_field(default_factory=dict)

    @property
    def labels(self) -> tuple[str, ...]:
        return (self.name, *self.extra.values())


MANAGERS_UP = frozenset({Level.ALL, Level.REGION, Level.STORE})
GROUPINGS: dict[str, Grouping] = {
    g.by: g for g in (
        Grouping("region", "store__region", "store__region__name", frozenset({Level.ALL})),
        Grouping("store", "store", "store__name", MANAGERS_UP),
        Grouping("assistant", "assistant", "assistant__name", MANAGERS_UP | {Level.OWN},
                 {"job_number": "assistant__job_number"}),
        Grouping("task", "task", "task__title", MANAGERS_UP | {Level.OWN},
                 {"store_name": "task__store__name", "status": "task__status", "dispatched_at": "task__created_at"}),
    )
}


def groupings_for(user) -> list[str]:
    """The groupings ``user`` may ask for: regions for head office; stores for managers and up
    (a supervisor's stores, a manager's one); assistants and tasks for everyone with entries."""
    level = scope_of(user).level
    return [by for by, grouping in GROUPINGS.items() if level in grouping.levels]


class MetricsFilter(django_filters.FilterSet):
    """What the metrics and details are narrowed to. Store and region choices come from the
    caller's scope (an out-of-scope one is invalid, its name never shown); assistant and task are
    ids applied to entries already cut to the scope, so an outside id simply matches nothing."""

    date_from = django_filters.DateFilter(method="dispatched_from", label=_("Dispatched from"))
    date_to = django_filters.DateFilter(method="dispatched_until", label=_("Dispatched until"))
    status = django_filters.ChoiceFilter(field_name="task__status", choices=InvitationTask.Status.choices,
                                         label=_("Task status"), empty_label=_("Any status"))
    region = django_filters.ModelChoiceFilter(field_name="store__region", queryset=in_scope(Region),
                                              label=_("Region"), empty_label=_("All regions"))
    store = django_filters.ModelChoiceFilter(field_name="store", queryset=in_scope(Store), label=_("Store"),
                                             empty_label=_("All stores"))
    assistant = django_filters.NumberFilter(field_name="assistant_id", label=_("Assistant"))
    task = django_filters.NumberFilter(field_name="task_id", label=_("Task"))

    class Meta:
        model = InvitationEntry
        fields: list[str] = []

    def dispatched_from(self, queryset, name, value):
        return queryset.filter(task__created_at__gte=day_start(value))

    def dispatched_until(self, queryset, name, value):
        return queryset.filter(task__created_at__lt=day_start(value + timedelta(days=1)))


# The query parameters are ``from`` and ``to`` (Python keywords, hence renamed after the class).
MetricsFilter.base_filters["from"] = MetricsFilter.base_filters.pop("date_from")
MetricsFilter.base_filters["to"] = MetricsFilter.base_filters.pop("date_to")
PARAMS = tuple(MetricsFilter.base_filters)


def metrics_filter(user, params) -> MetricsFilter:
    """The filter bound to ``params`` (a QueryDict) over the entries ``user`` may see."""
    return MetricsFilter(params, queryset=entries_seen_by(user), request=SimpleNamespace(user=user))


def _row(grouping: Grouping, figures: dict) -> dict:
    described = {key: figures.pop(label) for key, label in grouping.extra.items()}
    return {"key": figures.pop(grouping.field), "name": figures.pop(grouping.name) or "", **described, **figures}


def metrics_table(entries: QuerySet[InvitationEntry], *, by: str) -> dict:
    """``{"by", "rows": [{key, name, ..., figures}], "totals": figures}`` for the filtered entries:
    rows named in order (tasks newest first), groups without dispatched customers left out."""
    grouping = GROUPINGS[by]
    rows = [_row(grouping, figures) for figures in entry_figures(entries, by=grouping.field, labels=grouping.labels)]
    rows = [row for row in rows if row["customers"] or row["control"]]
    if by == "task":
        rows.sort(key=lambda r: (r["dispatched_at"], r["key"]), reverse=True)
    else:
        rows.sort(key=lambda r: (r["name"], r["key"]))
    return {"by": by, "rows": rows, "totals": entry_figures(entries)}


def details_page(entries: QuerySet[InvitationEntry], *, after: int | None = None,
                 size: int | None = None) -> tuple[list[InvitationEntry], int | None]:
    """One page of the entries behind a row, newest first (keyset on the id: ``after`` is the last
    id of the previous page), each with what it brought (``paid_amount``, ``paid_orders``).
    Returns the entries and the ``after`` of the next page (None on the last). Two queries."""
    size = size or DETAILS_PAGE
    rows = _details(entries)
    if after:
        rows = rows.filter(pk__lt=after)
    page = list(rows[:size + 1])
    more = len(page) > size
    page = _with_payments(page[:size])
    return page, (page[-1].pk if more else None)


def details_all(entries: QuerySet[InvitationEntry], *, chunk: int = 2000) -> Iterator[InvitationEntry]:
    """Every entry behind a row, newest first, with what it brought: read a chunk at a time (two
    queries a chunk), for an export."""
    after = None
    while True:
        page, after = details_page(entries, after=after, size=chunk)
        yield from page
        if after is None:
            return


def _details(entries: QuerySet[InvitationEntry]) -> QuerySet[InvitationEntry]:
    return entries.select_related("customer", "assistant", "task", "store").order_by("-pk")


def _with_payments(page: list[InvitationEntry]) -> list[InvitationEntry]:
    paid = entry_payments(InvitationEntry.objects.filter(pk__in=[entry.pk for entry in page])) if page else {}
    for entry in page:
        figures = paid.get(entry.pk, {"paid_amount": None, "paid_orders": 0})
        entry.paid_amount, entry.paid_orders = figures["paid_amount"], figures["paid_orders"]
    return page
