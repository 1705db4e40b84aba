"""Journey results (PRO-6 "results attributed"): one grouped aggregate over the deliveries a
viewer may see (``JourneyDelivery.objects.visible_to``), so a manager reads their store's figures
only and head office the whole chain.

Per journey: ``matched`` occasions found, ``reached`` (a message queued, a coupon issued, a task
given), ``sent`` (the outbox sent the message), ``opened`` (the customer tapped its link, through
the tracking redirect), ``ordered`` (deliveries followed by an order of the customer, not
cancelled, placed within the journey's attribution window after the step, each order counted once:
for the latest step before it) with their ``amount``,
and ``redeemed`` (the coupon of the step, reminded or issued, was used)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, DecimalField, Exists, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from customers.models import Order
from promotions.models import Coupon
from wechat.models import Message

from .models import Journey, JourneyDelivery

FIGURES = ("matched", "reached", "sent", "opened", "ordered", "amount", "redeemed")
MONEY = DecimalField(max_digits=14, decimal_places=2)


def _attributed_orders():
    """The orders a delivery earns: the customer's, not cancelled, placed in its window, and not
    earned by a later step of any journey (an order counts once, for the latest step before it,
    as invitations count a payment once)."""
    from .services import ACTED

    outer = OuterRef(OuterRef("acted_at"))
    later = JourneyDelivery.objects.filter(
        Q(acted_at__gt=outer) | Q(acted_at=outer, pk__gt=OuterRef(OuterRef("pk"))),
        customer_id=OuterRef("customer_id"), status__in=ACTED, acted_at__lte=OuterRef("placed_at"),
        attributed_until__gt=OuterRef("placed_at"))
    return (Order.objects.exclude(status=Order.Status.CANCELLED)
            .filter(customer_id=OuterRef("customer_id"), placed_at__gte=OuterRef("acted_at"),
                    placed_at__lt=OuterRef("attributed_until"))
            .filter(~Exists(later)).order_by())


def deliveries_seen_by(user):
    return JourneyDelivery.objects.visible_to(user)


def journey_results(deliveries) -> dict[int, dict]:
    """{journey id: figures} for ``deliveries`` (already narrowed to what the viewer sees): ONE query."""
    from .services import ACTED

    orders = _attributed_orders()
    amount = Subquery(orders.values("customer_id").annotate(s=Sum("amount")).values("s"), output_field=MONEY)
    rows = (deliveries.order_by().values("journey_id").annotate(
        matched=Count("pk"),
        reached=Count("pk", filter=Q(status__in=ACTED)),
        sent=Count("pk", filter=Q(message__status=Message.Status.SENT)),
        opened=Count("pk", filter=Q(opened_at__isnull=False)),
        ordered=Count("pk", filter=Q(Exists(orders))),
        amount=Coalesce(Sum(amount), Decimal("0"), output_field=MONEY),
        redeemed=Count("pk", filter=Q(coupon__status=Coupon.Status.REDEEMED)),
    ))
    return {row.pop("journey_id"): row for row in rows}


def empty_figures() -> dict:
    return {name: (Decimal("0") if name == "amount" else 0) for name in FIGURES}


def journeys_with_results(user, journeys=None) -> list[Journey]:
    """The journeys ``user`` may see (offered to their stores), each with ``results``."""
    journeys = list(journeys if journeys is not None else
                    Journey.objects.visible_to(user).select_related("coupon_definition").order_by("-created_at", "-pk"))
    figures = journey_results(deliveries_seen_by(user).filter(journey__in=[j.pk for j in journeys]))
    for journey in journeys:
        journey.results = figures.get(journey.pk, empty_figures())
        journey.results["open_rate"] = _rate(journey.results["opened"], journey.results["sent"])
        journey.results["order_rate"] = _rate(journey.results["ordered"], journey.results["reached"])
    return journeys


def _rate(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"
