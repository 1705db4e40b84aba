"""The journeys' triggers (PRO-6): each one is a set of (customer, occasion) rows the database
computes for one journey at one moment; no customer is looked at in Python.

An *occasion* names what the journey reacts to, so one customer is acted on once per occasion
(``JourneyDelivery`` is unique on journey, customer, occasion): a coupon (``coupon:<id>``), a
birthday month (``birthday:2026-12``), the latest visit (``visit:<scan id>``), the only order of a
new customer (``first_order:<id>``), the last order of a dormant one (``dormant:<order id>``), a
delivered order (``delivered:<id>``), an order of a consumable (``maintenance:<id>``).

Occasions that fall due on a day (N days after something) *hold* for :data:`HOLD_DAYS` store days
from that day, so a customer left out by the contact cap (INV-11) is picked up by a later run
while the occasion still holds; a coupon's holds until it ends, a birthday's for the month, a
dormant customer's until they buy again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import CharField, Exists, Expression, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from common.days import day_start
from customers.models import Customer, LogisticsEvent, Order, OrderItem, ScanEvent
from promotions.models import Coupon

from .models import Journey

HOLD_DAYS = 7


@dataclass(frozen=True)
class Occasions:
    """Rows of ``queryset`` (any model), each one customer's occasion. ``customer`` is the path
    from the row to the customer ("" when the rows are customers, else "customer__")."""

    queryset: QuerySet
    customer: str
    occasion: Expression
    coupon: str | None = None  # path to a coupon id, when the occasion is a coupon

    def customer_q(self, lookup: str, value) -> Q:
        """A condition on the customer of the row: ``lookup`` over ``Customer``."""
        return Q(**{f"{self.customer}{lookup}": value})

    @property
    def customer_id(self) -> str:
        return "pk" if not self.customer else self.customer + "id"


def _key(prefix: str, path: str = "pk") -> Expression:
    return Concat(Value(prefix), Cast(path, output_field=CharField()), output_field=CharField())


def _due_window(today: date, days: int) -> tuple[datetime, datetime]:
    """[start, end) of the moments whose occasion holds today: store days today-N-HOLD+1 .. today-N."""
    last = today - timedelta(days=days)
    return day_start(last - timedelta(days=HOLD_DAYS - 1)), day_start(last + timedelta(days=1))


def _live_orders():
    return Order.objects.exclude(status=Order.Status.CANCELLED).order_by()


def coupon_expiring(journey: Journey, now: datetime) -> Occasions:
    """Coupons not used yet whose last valid day is within N days (today included). A reminder
    journey leaves out coupons already reminded (``Coupon.reminded_at``, by any journey or the old
    job), so nobody gets two reminders of one coupon."""
    today = timezone.localdate(now)
    coupons = Coupon.objects.filter(status=Coupon.Status.CLAIMED, valid_until__gte=today,
                                    valid_until__lte=today + timedelta(days=journey.trigger_days))
    if journey.action == Journey.Action.TEMPLATE_MESSAGE:
        coupons = coupons.filter(reminded_at__isnull=True)
    return Occasions(coupons, "customer__", _key("coupon:"), coupon="pk")


def birthday_month(journey: Journey, now: datetime) -> Occasions:
    today = timezone.localdate(now)
    return Occasions(Customer.objects.filter(birthday__month=today.month), "",
                     Value(f"birthday:{today:%Y-%m}", output_field=CharField()))


def visited_not_bought(journey: Journey, now: datetime) -> Occasions:
    """The latest visit (a code scanned) was N days ago (held a week), and no order since."""
    start, end = _due_window(timezone.localdate(now), journey.trigger_days)
    latest = ScanEvent.objects.filter(customer=OuterRef("pk")).order_by("-scanned_at", "-pk")
    visited = ScanEvent.objects.filter(scanned_at__gte=start, scanned_at__lt=end).values("customer_id")
    customers = (Customer.objects.filter(pk__in=visited)
                 .annotate(_last_visit=Subquery(latest.values("scanned_at")[:1]),
                           _last_scan=Subquery(latest.values("pk")[:1]))
                 .filter(_last_visit__gte=start, _last_visit__lt=end)
                 .filter(~Exists(_live_orders().filter(customer=OuterRef("pk"), placed_at__gte=OuterRef("_last_visit")))))
    return Occasions(customers, "", _key("visit:", "_last_scan"))


def second_purchase(journey: Journey, now: datetime) -> Occasions:
    """A new customer's one and only order was placed N days ago (held a week)."""
    start, end = _due_window(timezone.localdate(now), journey.trigger_days)
    others = _live_orders().filter(customer=OuterRef("customer_id")).exclude(pk=OuterRef("pk"))
    orders = _live_orders().filter(placed_at__gte=start, placed_at__lt=end).filter(~Exists(others))
    return Occasions(orders, "customer__", _key("first_order:"))


def dormant(journey: Journey, now: datetime) -> Occasions:
    """The customer's last order was placed more than N days ago (until they buy again)."""
    later = _live_orders().filter(customer=OuterRef("customer_id"), placed_at__gt=OuterRef("placed_at"))
    same_time_later = _live_orders().filter(customer=OuterRef("customer_id"), placed_at=OuterRef("placed_at"),
                                            pk__gt=OuterRef("pk"))
    orders = (_live_orders().filter(placed_at__lt=now - timedelta(days=journey.trigger_days))
              .filter(~Exists(later), ~Exists(same_time_later)))
    return Occasions(orders, "customer__", _key("dormant:"))


def order_delivered(journey: Journey, now: datetime) -> Occasions:
    """An order arrived (logistics node "arrived") N days ago (held a week): usage tips."""
    start, end = _due_window(timezone.localdate(now), journey.trigger_days)
    arrived = LogisticsEvent.objects.filter(node=LogisticsEvent.Node.ARRIVED, happened_at__gte=start,
                                            happened_at__lt=end).values("order_id")
    return Occasions(_live_orders().filter(pk__in=arrived), "customer__", _key("delivered:"))


def maintenance_due(journey: Journey, now: datetime) -> Occasions:
    """An order of the journey's product (a filter, a consumable) was paid N days ago (held a week)."""
    start, end = _due_window(timezone.localdate(now), journey.trigger_days)
    with_product = OrderItem.objects.filter(product_id=journey.product_id).values("order_id")
    orders = _live_orders().filter(pk__in=with_product, paid_at__gte=start, paid_at__lt=end)
    return Occasions(orders, "customer__", _key("maintenance:"))


TRIGGERS = {
    Journey.Trigger.COUPON_EXPIRING: coupon_expiring,
    Journey.Trigger.BIRTHDAY_MONTH: birthday_month,
    Journey.Trigger.VISITED_NOT_BOUGHT: visited_not_bought,
    Journey.Trigger.SECOND_PURCHASE: second_purchase,
    Journey.Trigger.DORMANT: dormant,
    Journey.Trigger.ORDER_DELIVERED: order_delivered,
    Journey.Trigger.MAINTENANCE_DUE: maintenance_due,
}


def occasions(journey: Journey, now: datetime) -> Occasions:
    return TRIGGERS[journey.trigger](journey, now)



