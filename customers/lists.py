"""Customer lists of the workbench and the dashboard (CUS-1, CUS-4, CUS-5): filtered by the one
``CustomerFilter``, read in the caller's scope, paged by keyset.

A page is found from where the previous one ended (``created_at, id`` or ``next_follow_up_on,
id``), never with OFFSET and never with a COUNT(*) of the whole set, so the first page and the
thousandth cost the same on a million customers. A page costs a constant number of queries:
the rows (with store and owner assistant), their tags, and their last activity.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from datetime import timezone as dt_timezone

from django.db.models import (Count, DecimalField, F, IntegerField, Max, OuterRef, Prefetch, Q, QuerySet, Subquery,
                              Sum, Value)
from django.db.models.functions import Coalesce
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _

from .filters import CustomerFilter
from .models import Customer, CustomerTag, FollowUp, Order, PageView, PointsEntry, ScanEvent, StoredValueEntry

SORTS = {
    "newest": _("Newest"),
    "follow_up": _("Next follow-up"),
}
DEFAULT_SORT = "newest"


class BadCursor(ValueError):
    """The ``after`` value of a "load more" link could not be read."""


@dataclass
class CustomerPage:
    rows: list[Customer]
    sort: str
    next_cursor: str = ""
    filterset: CustomerFilter | None = None

    @property
    def has_next(self) -> bool:
        return bool(self.next_cursor)


def tag_prefetch() -> Prefetch:
    """A customer's tags with their source, in one query for the whole page (``customer.tag_list``)."""
    return Prefetch("tag_links", queryset=CustomerTag.objects.select_related("tag").order_by("tag__name"),
                    to_attr="tag_list")


def list_queryset(viewer) -> QuerySet:
    return Customer.objects.visible_to(viewer).select_related("store", "owner_assistant")


def _ordered(queryset: QuerySet, sort: str) -> QuerySet:
    if sort == "follow_up":
        return queryset.order_by(F("next_follow_up_on").asc(nulls_last=True), "id")
    return queryset.order_by("-created_at", "-id")


def _after(queryset: QuerySet, sort: str, cursor: str) -> QuerySet:
    """Rows after ``cursor`` in ``sort`` order. The inclusive range on the leading column lets the
    database walk the index; the OR only breaks ties."""
    try:
        head, _sep, tail = cursor.rpartition("_")
        last_id = int(tail)
        if sort == "follow_up":
            if head == "-":
                return queryset.filter(next_follow_up_on__isnull=True, id__gt=last_id)
            day = parse_date(head)
            if day is None:
                raise BadCursor(cursor)
            return queryset.filter(
                Q(next_follow_up_on__gt=day) | Q(next_follow_up_on=day, id__gt=last_id)
                | Q(next_follow_up_on__isnull=True)
            )
        at = parse_datetime(head)
        if at is None:
            raise BadCursor(cursor)
        return queryset.filter(created_at__lte=at).filter(Q(created_at__lt=at) | Q(id__lt=last_id))
    except (TypeError, ValueError) as error:
        raise BadCursor(cursor) from error


def cursor_of(customer: Customer, sort: str) -> str:
    if sort == "follow_up":
        day: date | None = customer.next_follow_up_on
        return f"{day.isoformat() if day else '-'}_{customer.pk}"
    at: datetime = customer.created_at.astimezone(dt_timezone.utc)
    return f"{at.isoformat().replace('+00:00', 'Z')}_{customer.pk}"


def customer_page(*, request, size: int, sort: str = "", cursor: str = "",
                  with_activity: bool = True) -> CustomerPage:
    """One page of the caller's customers, filtered by ``request.GET`` through ``CustomerFilter``.
    Raises ``BadCursor`` for an unreadable ``after``; an invalid filter leaves
    ``page.filterset.errors`` set and no rows."""
    sort = sort if sort in SORTS else DEFAULT_SORT
    filterset = CustomerFilter(request.GET, queryset=list_queryset(request.user), request=request)
    if not filterset.is_valid():
        return CustomerPage(rows=[], sort=sort, filterset=filterset)
    queryset = _ordered(filterset.qs, sort)
    if cursor:
        queryset = _after(queryset, sort, cursor)
    rows = list(queryset.prefetch_related(tag_prefetch())[: size + 1])
    next_cursor = cursor_of(rows[size - 1], sort) if len(rows) > size else ""
    rows = rows[:size]
    if with_activity:
        attach_last_activity(rows, viewer=request.user)
    return CustomerPage(rows=rows, sort=sort, next_cursor=next_cursor, filterset=filterset)


def attach_last_activity(customers: list[Customer], *, viewer) -> None:
    """Set ``customer.last_activity_at``: the latest follow-up, scan or page view. One query for the
    whole page (a UNION of three grouped reads on the per-customer indexes)."""
    ids = [c.pk for c in customers]
    for customer in customers:
        customer.last_activity_at = None
    if not ids:
        return
    follow_ups = (FollowUp.objects.visible_to(viewer).filter(customer_id__in=ids).order_by()
                  .values("customer_id").annotate(at=Max("created_at")))
    scans = (ScanEvent.objects.visible_to(viewer).filter(customer_id__in=ids).order_by()
             .values("customer_id").annotate(at=Max("scanned_at")))
    views = (PageView.objects.visible_to(viewer).filter(customer_id__in=ids).order_by()
             .values("customer_id").annotate(at=Max("viewed_at")))
    latest: dict[int, datetime] = {}
    for row in follow_ups.union(scans, views, all=True):
        if row["customer_id"] not in latest or row["at"] > latest[row["customer_id"]]:
            latest[row["customer_id"]] = row["at"]
    for customer in customers:
        customer.last_activity_at = latest.get(customer.pk)


# --- Filter chips of the workbench list ---------------------------------------------------------


@dataclass(frozen=True)
class Chip:
    label: str
    query: str  # the query string with this chip toggled
    active: bool


def _toggled(params, key: str, value: str) -> tuple[str, bool]:
    """The query string with ``key=value`` switched on or off (other values of ``key`` kept, as
    grades combine), without the cursor: a new filter starts on the first page."""
    query = params.copy()
    query.pop("after", None)
    values = query.getlist(key)
    active = value in values
    query.setlist(key, [v for v in values if v != value] if active else [*values, value])
    return query.urlencode(), active


def workbench_chips(params) -> list[Chip]:
    chips = []
    for grade in Customer.IntentGrade.values:
        query, active = _toggled(params, "intent_grade", grade)
        chips.append(Chip(grade, query, active))
    for key, value, label in (("due", "true", _("Due today")), ("new_days", "7", _("New this week")),
                              ("wecom_friend", "true", _("WeCom friend"))):
        query, active = _toggled(params, key, value)
        chips.append(Chip(str(label), query, active))
    return chips


def query_without(params, *keys: str) -> str:
    query = params.copy()
    for key in keys:
        query.pop(key, None)
    return query.urlencode()


# --- A customer's figures, read with the customer (detail pages, API detail) -----------------------


SUMMARY_FIELDS = ("orders_count", "orders_amount", "points_balance", "stored_value_balance", "follow_ups_count",
                  "last_follow_up_at")


def with_summary(queryset: QuerySet, viewer) -> QuerySet:
    """Annotate each customer with their figures, as ``viewer`` may see them, in the same query:
    orders (not cancelled) count and amount, points and stored-value balances (the newest ledger
    entry's ``balance_after``: the ledgers are append-only, CUS-8), follow-ups count and latest."""
    def grouped(model_qs, expression, output):
        return Coalesce(Subquery(model_qs.filter(customer=OuterRef("pk")).order_by().values("customer")
                                 .annotate(v=expression).values("v")[:1], output_field=output), Value(0),
                        output_field=output)

    money = DecimalField(max_digits=14, decimal_places=2)
    orders = Order.objects.visible_to(viewer).exclude(status=Order.Status.CANCELLED)
    follow_ups = FollowUp.objects.visible_to(viewer)
    return queryset.annotate(
        orders_count=grouped(orders, Count("id"), IntegerField()),
        orders_amount=grouped(orders, Sum("amount"), money),
        points_balance=Coalesce(Subquery(PointsEntry.objects.visible_to(viewer).filter(customer=OuterRef("pk"))
                                         .order_by("-seq").values("balance_after")[:1]), Value(0)),
        stored_value_balance=Coalesce(
            Subquery(StoredValueEntry.objects.visible_to(viewer).filter(customer=OuterRef("pk"))
                     .order_by("-seq").values("balance_after")[:1]), Value(0), output_field=money),
        follow_ups_count=grouped(follow_ups, Count("id"), IntegerField()),
        last_follow_up_at=Subquery(follow_ups.filter(customer=OuterRef("pk")).order_by("-created_at")
                                   .values("created_at")[:1]),
    )


def summary_of(customer: Customer) -> dict:
    """The figures ``with_summary`` annotated (zeros for a customer read without them)."""
    return {name: getattr(customer, name, None if name == "last_follow_up_at" else 0) for name in SUMMARY_FIELDS}
