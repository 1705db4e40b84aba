"""Demo data for the community group-buy (PRO-5): "徐汇苑新业主厨卫团购" for the owners of 徐汇苑, a
residential community customers of the Shanghai Xuhui flagship live in, redeemed in that store:
a hand-made sink and a pull-out tap at group prices (the catalogue's usual prices shown beside),
the store's code of the activity (for its poster and share link), and a few neighbours who have
already joined. Idempotent: found by name, topped up only where missing."""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from customers.models import Customer
from promotions.errors import PromotionError
from promotions.models import Activity, Coupon, CouponDefinition
from promotions.services import activity_codes_make, coupon_issue
from stores.models import Product, Store

ACTIVITY = "徐汇苑新业主厨卫团购"
COMMUNITY = "徐汇苑"
STORE = "sh-xuhui"
ITEMS = [  # (coupon name, item, catalogue SKU for the usual price, group price, stock)
    ("水槽团购券", "304 不锈钢手工水槽（含安装）", "K-SK-04", "1399", 60),
    ("龙头团购券", "抽拉式厨房龙头", "K-FA-05", "599", 80),
]
JOINED = 6


@transaction.atomic
def seed_group_buy(rng: random.Random) -> None:
    store = Store.objects.filter(code=STORE).first()
    if store is None:
        return
    today = timezone.localdate()
    activity, created = Activity.objects.get_or_create(name=ACTIVITY, defaults={
        "kind": Activity.Kind.GROUP_BUY, "status": Activity.Status.PUBLISHED, "community": COMMUNITY,
        "summary": "手工水槽、厨房龙头团购价：线上领券，到店核销",
        "description": "凭券到上海徐汇旗舰店享团购价，含上门测量与安装。\n每户每种券限领一张，不与其他优惠同享。",
        "starts_on": today - timedelta(days=2), "ends_on": today + timedelta(days=14), "all_stores": False})
    if created:
        activity.stores.set([store])
    definitions = []
    for position, (name, item, sku, price, stock) in enumerate(ITEMS, start=1):
        definition, made = CouponDefinition.objects.get_or_create(activity=activity, name=name, defaults={
            "kind": CouponDefinition.Kind.GROUP_BUY, "item": item, "group_price": price,
            "product": Product.objects.filter(sku=sku).first(), "validity": CouponDefinition.Validity.FIXED,
            "valid_from": activity.starts_on, "valid_until": activity.ends_on + timedelta(days=30),
            "stock_total": stock, "stock_remaining": stock, "all_stores": False, "position": position,
            "terms": "限徐汇苑业主，到店出示券码核销"})
        if made:
            definition.stores.set([store])
        definitions.append(definition)
    activity_codes_make(activity=activity)
    _joined(activity, definitions, store, rng)


def _joined(activity, definitions, store, rng) -> None:
    """A few customers of the store who live in 徐汇苑 have claimed (as if through the owners' group)."""
    if Coupon.objects.filter(definition__activity=activity).exists():
        return  # claimed on the first seeding: later ones add nothing (whoever was refused stays so)
    missing = JOINED
    neighbours = (Customer.objects.filter(store=store, community=COMMUNITY, erased_at__isnull=True)
                  .exclude(coupons__definition__activity=activity).order_by("id")[:missing])
    for customer in neighbours:
        for definition in rng.sample(definitions, rng.randint(1, len(definitions))):
            try:
                coupon_issue(definition=definition, customer=customer, source=Coupon.Source.CLAIM,
                             key=f"demo-group-buy:{definition.pk}:{customer.pk}")
            except PromotionError:  # two demo customers share a mobile: one person, one coupon
                continue
