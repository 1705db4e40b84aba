"""Demo data for promotions (PRO-1..3): one running activity for every store with two coupons,
the activity's QR code in each store (the fake phone lists them), and a few coupons already held
by the demo manager's customers — some ending within 7 days, so the "coupon expiring" invitation
segment has members. Idempotent: found by name, topped up only where missing."""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from customers.models import Customer
from promotions.errors import PromotionError
from promotions.models import Activity, Coupon, CouponDefinition
from promotions.services import activity_codes_make, coupon_issue
from stores.models import Staff

ACTIVITY = "双十二焕新季"
HELD = 10


@transaction.atomic
def seed_promotions(rng: random.Random) -> None:
    today = timezone.localdate()
    activity, _ = Activity.objects.get_or_create(name=ACTIVITY, defaults={
        "kind": Activity.Kind.PROMOTION, "status": Activity.Status.PUBLISHED,
        "summary": "到店领券：厨电满 5000 减 300，净水滤芯免费兑换",
        "description": "活动期间到店扫码领券，导购当场核销。\n每人每种券限领一张，不与其他优惠同享。",
        "starts_on": today - timedelta(days=3), "ends_on": today + timedelta(days=30), "all_stores": True})
    money_off, _ = CouponDefinition.objects.get_or_create(activity=activity, name="厨电满减券", defaults={
        "kind": CouponDefinition.Kind.COUPON, "amount_off": "300", "min_spend": "5000",
        "validity": CouponDefinition.Validity.AFTER_CLAIM, "valid_days": 30, "stock_total": 500,
        "stock_remaining": 500, "terms": "购买烟机、灶具、洗碗机可用", "position": 1})
    CouponDefinition.objects.get_or_create(activity=activity, name="滤芯兑换券", defaults={
        "kind": CouponDefinition.Kind.EXCHANGE, "item": "净水器 PP 棉滤芯一支",
        "validity": CouponDefinition.Validity.FIXED, "valid_from": activity.starts_on,
        "valid_until": activity.ends_on, "stock_total": 200, "stock_remaining": 200, "position": 2})
    activity_codes_make(activity=activity)
    _held(money_off, today, rng)


def _held(definition, today, rng) -> None:
    """A few of the demo manager's customers hold the coupon, half of them ending within a week."""
    manager = Staff.objects.filter(user__username="manager").select_related("store").first()
    if manager is None or manager.store is None:
        return
    missing = HELD - Coupon.objects.filter(definition=definition, customer__store=manager.store).count()
    if missing <= 0:
        return
    holders = (Customer.objects.filter(store=manager.store, owner_assistant__isnull=False, erased_at__isnull=True)
               .exclude(coupons__definition=definition).exclude(mobile="").order_by("id")[:missing])
    for n, customer in enumerate(holders):
        try:
            coupon = coupon_issue(definition=definition, customer=customer, source=Coupon.Source.STAFF,
                                  key=f"demo:{definition.pk}:{customer.pk}")
        except PromotionError:  # two demo customers share a mobile: one person, one coupon
            continue
        last_day = today + timedelta(days=rng.randrange(1, 7) if n % 2 == 0 else rng.randrange(12, 29))
        Coupon.objects.filter(pk=coupon.pk).update(valid_from=today - timedelta(days=30 - (last_day - today).days),
                                                   valid_until=last_day)
