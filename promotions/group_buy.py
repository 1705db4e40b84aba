"""Community group-buys (新社区团购, PRO-5): one residential community, shared into its owners'
WeChat groups, coupons claimed on the H5 page while the activity runs and redeemed in store within
the coupons' fixed dates.

* **What a group-buy's coupons must be.** Group-buy coupons (an item at the group price) with
  fixed dates that start no earlier than the activity's first day: a neighbour claims during the
  activity and redeems within the dates, which lie within or after it
  (:func:`group_buy_definition_errors`; the admin and the API call it through the model's clean).
* **Claims** go through :func:`promotions.services.coupon_claim` (stock, one per person, the
  activity's dates); a refusal changes nothing. After the claim has committed, the claimant's
  profile gets the group-buy's community when it has none yet (``customers.profiles.customer_community_fill``,
  its own short transaction: only the customer row is locked, never together with the
  definition lock of the claim, so the lock orders of promotions and customers never meet).
* **Sharing and attribution.** What is shared into the owners' group (the WeChat share card and
  the poster) carries a touchpoint code of the activity: the store's (``activity_codes_make``) or
  the assistant's own (made on first use, assignment "fixed"). A neighbour who opens it goes through
  ``/q/<token>`` like every other scan, so they are attributed to that store and assistant
  (QR-4) before they reach the page.
* **Figures** for the dashboard come from ``Coupon.objects.visible_to(user)``: each person sees the
  claims of customers they serve and the redemptions made in their stores, never more.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Customer
from customers.profiles import customer_community_fill
from stores.models import QRCode, Staff, Store
from stores.qr_render import code_url

from .display import yuan
from .errors import PromotionError
from .models import Activity, Coupon, CouponDefinition
from .selectors import CouponCard, activity_cards
from .services import activity_stores, coupon_claim

# --- What a group-buy's coupons must be ---------------------------------------------------------


def group_buy_definition_errors(definition: CouponDefinition, activity: Activity | None = None) -> dict[str, str]:
    """Why ``definition`` cannot be a coupon of its group-buy activity (field → message); empty
    when it can, or when the activity is not a group-buy. ``activity`` overrides the definition's
    own (to check an activity's new dates against the coupons it has)."""
    activity = activity or definition.activity
    if activity is None or activity.kind != Activity.Kind.GROUP_BUY:
        return {}
    errors = {}
    if definition.kind != CouponDefinition.Kind.GROUP_BUY:
        errors["kind"] = _("A community group-buy gives group-buy coupons (an item at the group price).")
    if definition.validity != CouponDefinition.Validity.FIXED:
        errors["validity"] = _("Group-buy coupons are redeemed within fixed dates: give the first and last day.")
    elif definition.valid_from and activity.starts_on and definition.valid_from < activity.starts_on:
        errors["valid_from"] = _("Group-buy coupons cannot be valid before the group-buy starts (%(date)s).") % {
            "date": f"{activity.starts_on:%Y-%m-%d}"}
    return errors


def group_buy_activity_errors(activity: Activity) -> dict[str, str]:
    """Why the activity's (possibly changed) dates or kind do not fit the coupons it already has."""
    if activity.pk is None or activity.kind != Activity.Kind.GROUP_BUY:
        return {}
    wrong = [definition.name for definition in activity.coupon_definitions.all()
             if group_buy_definition_errors(definition, activity)]
    if not wrong:
        return {}
    return {"starts_on": _("These coupons do not fit a group-buy of these dates: %(names)s. A group-buy's coupons "
                           "are group-buy coupons with fixed dates from the first day of the group-buy on.")
            % {"names": "、".join(wrong)}}


# --- The customer's profile ---------------------------------------------------------------------


def group_buy_claim(*, activity: Activity, definition: CouponDefinition, customer: Customer,
                    now=None) -> Coupon:
    """A neighbour joins: the claim through ``coupon_claim`` (its own transaction; its refusals
    change nothing), then, once it has committed, the group-buy's community on their profile when
    it has none (a second short write: the customer row is never locked under the definition's
    lock). Not atomic on purpose: call it outside a transaction."""
    if definition.activity_id != activity.pk or activity.kind != Activity.Kind.GROUP_BUY:
        raise PromotionError(_("This coupon cannot be claimed here."))
    coupon = coupon_claim(definition=definition, customer=customer, now=now)
    customer_community_fill(customer=customer, community=activity.community, now=now)
    return coupon


# --- Share codes --------------------------------------------------------------------------------


def _activity_codes(activity: Activity):
    return QRCode.objects.filter(target_content_type=ContentType.objects.get_for_model(Activity),
                                 target_id=activity.pk, target_type=QRCode.TargetType.ACTIVITY, is_active=True)


def store_share_code(activity: Activity, store: Store | None = None) -> QRCode | None:
    """The store's code of the activity (made by ``activity_codes_make``): scans go to the store.
    Without a store: the code of the first store it runs in. None when no code was made yet."""
    codes = _activity_codes(activity).filter(staff__isnull=True).select_related("store")
    if store is not None:
        codes = codes.filter(store=store)
    return codes.order_by("store__code", "pk").first()


@transaction.atomic
def assistant_share_code(*, activity: Activity, staff: Staff) -> QRCode:
    """The assistant's own code of the activity, made on first use: a neighbour who opens it is
    attributed to this assistant and their store (assignment "fixed", QR-4)."""
    from stores.services import qr_code_create

    existing = _activity_codes(activity).filter(staff=staff).order_by("pk").first()
    if existing is not None:
        return existing
    Staff.objects.select_for_update().filter(pk=staff.pk).first()  # two taps at once make one code
    existing = _activity_codes(activity).filter(staff=staff).order_by("pk").first()
    if existing is not None:
        return existing
    return qr_code_create(target=activity, target_type=QRCode.TargetType.ACTIVITY, store=staff.store, staff=staff,
                          assignment=QRCode.Assignment.FIXED, label=f"{activity.name} · {staff.name}"[:100])


def share_link(code: QRCode | None, activity: Activity) -> str:
    """The absolute link shared into the group: through the code when there is one."""
    from django.conf import settings
    from django.urls import reverse

    if code is not None:
        return code_url(code.token)
    return settings.PUBLIC_BASE_URL + reverse("promotions_h5:activity", args=[activity.pk])


# --- The page -----------------------------------------------------------------------------------


@dataclass
class GroupBuyItem:
    card: CouponCard
    group_price: str
    usual_price: str  # "" when the coupon names no catalogue product

    @property
    def saving(self) -> str:
        definition = self.card.definition
        if definition.product is None or definition.group_price is None:
            return ""
        difference = definition.product.price - definition.group_price
        return yuan(difference) if difference > 0 else ""


@dataclass
class GroupBuyPage:
    activity: Activity
    items: list[GroupBuyItem]
    neighbours: int
    claim_from: date
    claim_until: date
    redeem_from: date | None
    redeem_until: date | None
    stores: list[Store] = field(default_factory=list)
    running: bool = False


def group_buy_neighbours(activity: Activity) -> int:
    """How many people joined: customers holding a coupon of the group-buy (one query)."""
    return (Coupon.objects.filter(definition__activity=activity).values("customer").distinct().count())


def redeem_stores(activity: Activity, definitions) -> list[Store]:
    """Where the coupons are redeemed: the stores the definitions are usable in (every open store
    of the activity when one is for all stores), with address and opening hours."""
    stores = activity_stores(activity)
    if not any(definition.all_stores for definition in definitions):
        listed = {store.pk for definition in definitions for store in definition.stores.all()}
        stores = stores.filter(pk__in=listed)
    return list(stores.order_by("code").only("id", "name", "code", "city", "address", "phone", "opening_hours"))


def group_buy_page(activity: Activity, customer: Customer | None, *, today: date | None = None) -> GroupBuyPage:
    """Everything the community's page shows (a constant number of queries)."""
    today = today or timezone.localdate()
    cards = activity_cards(activity, customer, today=today)
    products = {d.pk: d for d in CouponDefinition.objects.filter(pk__in=[c.definition.pk for c in cards])
                .select_related("product").only("id", "product__price", "product__name")}
    items = []
    for card in cards:
        card.definition.product = products[card.definition.pk].product
        product = card.definition.product
        items.append(GroupBuyItem(card=card, group_price=yuan(card.definition.group_price),
                                  usual_price=yuan(product.price) if product is not None else ""))
    fixed = [c.definition for c in cards if c.definition.validity == CouponDefinition.Validity.FIXED]
    return GroupBuyPage(
        activity=activity, items=items, neighbours=group_buy_neighbours(activity),
        claim_from=activity.starts_on, claim_until=activity.ends_on,
        redeem_from=min((d.valid_from for d in fixed), default=None),
        redeem_until=max((d.valid_until for d in fixed), default=None),
        stores=redeem_stores(activity, [c.definition for c in cards]), running=activity.is_running(today))


# --- Figures (dashboard) ------------------------------------------------------------------------


def group_buys_visible(user):
    return (Activity.objects.visible_to(user).filter(kind=Activity.Kind.GROUP_BUY)
            .exclude(status=Activity.Status.DRAFT).order_by("-starts_on", "-pk"))


@dataclass
class Figures:
    claimed: int
    redeemed: int
    neighbours: int
    by_definition: list[dict]
    by_store: list[dict]
    by_community: list[dict]


@dataclass(frozen=True)
class Totals:
    claimed: int = 0
    redeemed: int = 0
    neighbours: int = 0


def group_buy_totals(activities, user) -> dict[int, Totals]:
    """Claimed, redeemed and neighbours per group-buy as ``user`` may see them: one grouped query
    for the whole list."""
    rows = (Coupon.objects.visible_to(user).filter(definition__activity__in=[a.pk for a in activities])
            .values("definition__activity").order_by()
            .annotate(claimed=Count("id"), redeemed=Count("id", filter=Q(status=Coupon.Status.REDEEMED)),
                      neighbours=Count("customer", distinct=True)))
    found = {row["definition__activity"]: Totals(row["claimed"], row["redeemed"], row["neighbours"]) for row in rows}
    return {activity.pk: found.get(activity.pk, Totals()) for activity in activities}


def group_buy_figures(activity: Activity, user) -> Figures:
    """Claimed and redeemed coupons of the group-buy as ``user`` may see them: in total, per
    coupon, per store (claims by the claimant's store, redemptions by where they were redeemed)
    and by the claimants' community. Four queries."""
    coupons = Coupon.objects.visible_to(user).filter(definition__activity=activity)
    redeemed = Q(status=Coupon.Status.REDEEMED)
    totals = coupons.aggregate(claimed=Count("id"), redeemed=Count("id", filter=redeemed),
                               neighbours=Count("customer", distinct=True))
    by_definition = list(coupons.values("definition", "definition__name").annotate(
        claimed=Count("id"), redeemed=Count("id", filter=redeemed)).order_by("definition__name"))
    claims = dict(coupons.values_list("customer__store").annotate(n=Count("id")).values_list("customer__store", "n"))
    redemptions = dict(coupons.filter(redeemed).values_list("redeemed_store").annotate(n=Count("id"))
                       .values_list("redeemed_store", "n"))
    store_ids = {pk for pk in (*claims, *redemptions) if pk is not None}
    names = dict(Store.objects.filter(pk__in=store_ids).values_list("pk", "name"))
    by_store = sorted(({"store": names[pk], "claimed": claims.get(pk, 0), "redeemed": redemptions.get(pk, 0)}
                       for pk in store_ids), key=lambda row: (-row["claimed"], row["store"]))
    community_rows = coupons.values("customer__community").annotate(
        claimed=Count("id"), redeemed=Count("id", filter=redeemed), people=Count("customer", distinct=True))
    by_community = sorted(({"community": row["customer__community"] or _("Not known"),
                            "is_target": row["customer__community"] == activity.community,
                            "claimed": row["claimed"], "redeemed": row["redeemed"], "people": row["people"]}
                           for row in community_rows), key=lambda row: (not row["is_target"], -row["claimed"]))
    return Figures(claimed=totals["claimed"], redeemed=totals["redeemed"], neighbours=totals["neighbours"],
                   by_definition=by_definition, by_store=by_store, by_community=by_community)
