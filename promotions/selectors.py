"""Reads of promotions for the pages: an activity page with the visitor's state per coupon, a
customer's own coupons by tab, the redemptions list. Constant query counts, however many rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from common.days import day_start
from customers.models import Customer
from stores.models import Store

from .display import coupon_value_text, definition_validity_text, stores_text
from .models import Activity, Coupon, CouponDefinition, Redemption
from .services import claim_refusal, person_customer_ids

LOW_STOCK = 20  # "only N left" is shown from here down


def activity_public(pk) -> Activity | None:
    """The activity of an H5 page: published or ended (a draft is not public)."""
    if not str(pk).isdigit() or len(str(pk)) > 18:
        return None
    return (Activity.objects.filter(pk=int(pk), status__in=[Activity.Status.PUBLISHED, Activity.Status.ENDED])
            .first())


@dataclass
class CouponCard:
    definition: CouponDefinition
    value: str
    validity: str
    stores: str
    held: int
    refusal: str | None  # why nobody can claim it now

    @property
    def may_claim(self) -> bool:
        return self.refusal is None and self.held < self.definition.per_customer_limit

    @property
    def low_stock(self) -> bool:
        left = self.definition.stock_remaining
        return left is not None and 0 < left <= LOW_STOCK


def _stores_prefetch():
    return Prefetch("stores", queryset=Store.objects.order_by("code").only("id", "name", "code"))


def activity_cards(activity: Activity, customer: Customer | None, *, today: date | None = None) -> list[CouponCard]:
    """The activity's claimable coupons (three queries: definitions, their stores, the visitor's holdings)."""
    today = today or timezone.localdate()
    definitions = list(activity.coupon_definitions.filter(is_active=True).prefetch_related(_stores_prefetch()))
    held: dict[int, int] = {}
    if customer is not None and definitions:
        full = Customer.objects.only("id", "mobile").get(pk=customer.pk)
        rows = (Coupon.objects.filter(definition__in=definitions, customer_id__in=person_customer_ids(full))
                .values("definition").annotate(n=Count("id")).values_list("definition", "n"))
        held = dict(rows)
    cards = []
    for definition in definitions:
        definition.activity = activity  # no query per card for the refusal
        cards.append(CouponCard(
            definition=definition, value=coupon_value_text(definition),
            validity=definition_validity_text(definition), stores=stores_text(definition, definition.stores.all()),
            held=held.get(definition.pk, 0), refusal=claim_refusal(definition, today=today)))
    return cards


def activity_card(activity: Activity, definition_pk: int, customer: Customer | None) -> CouponCard | None:
    return next((c for c in activity_cards(activity, customer) if c.definition.pk == definition_pk), None)


# --- My coupons ---------------------------------------------------------------------------------

TABS = ("valid", "used", "expired")


def _tab_q(tab: str, today: date) -> Q:
    if tab == "used":
        return Q(status=Coupon.Status.REDEEMED)
    if tab == "expired":
        return Q(status=Coupon.Status.EXPIRED) | Q(status=Coupon.Status.CLAIMED, valid_until__lt=today)
    return Q(status=Coupon.Status.CLAIMED, valid_until__gte=today)


def my_coupon_counts(customer: Customer, *, today: date | None = None) -> dict[str, int]:
    today = today or timezone.localdate()
    return Coupon.objects.filter(customer=customer).aggregate(
        **{tab: Count("id", filter=_tab_q(tab, today)) for tab in TABS})


def my_coupons(customer: Customer, tab: str, *, today: date | None = None, limit: int = 50) -> list[Coupon]:
    """The customer's own coupons of a tab, soonest to expire first for valid ones (two queries)."""
    today = today or timezone.localdate()
    order = ["valid_until", "pk"] if tab == "valid" else ["-claimed_at", "-pk"]
    coupons = list(Coupon.objects.filter(_tab_q(tab, today), customer=customer)
                   .select_related("definition", "redeemed_store")
                   .prefetch_related(Prefetch("definition__stores",
                                              queryset=Store.objects.order_by("code").only("id", "name", "code")))
                   .order_by(*order)[:limit])
    for coupon in coupons:
        definition = coupon.definition
        coupon.value = coupon_value_text(definition)
        coupon.stores_text = stores_text(definition, definition.stores.all())
        coupon.days_left = (coupon.valid_until - today).days
    return coupons


# --- Redemptions (dashboard, API) ---------------------------------------------------------------


def redemptions_visible(user) -> QuerySet[Redemption]:
    return (Redemption.objects.visible_to(user)
            .select_related("store", "assistant", "reversed_by", "coupon__definition", "coupon__customer"))


def redemptions_today(user, *, today: date | None = None) -> QuerySet[Redemption]:
    """What the signed-in staff member redeemed today (the workbench's list under the form)."""
    today = today or timezone.localdate()
    staff = getattr(user, "staff", None)
    if staff is None:
        return Redemption.objects.none()
    start = day_start(today)
    return redemptions_visible(user).filter(assistant=staff, redeemed_at__gte=start)
