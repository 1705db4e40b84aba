"""Demo data for draws (PRO-4): a published lucky wheel "幸运大转盘" and a shake "摇一摇赢好礼" for
every store, running from the first day of this month to the last day of next month, three draws
a person a day, with prizes that give coupons of definitions without an activity of their own, and
each activity's QR code in each store (the fake phone lists them). Idempotent: found by name,
missing rows added, nothing else changed."""

import random
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from promotions.models import Activity, CouponDefinition, Prize
from promotions.services import activity_codes_make

WHEEL = "幸运大转盘"
SHAKE = "摇一摇赢好礼"

# name, kind, value fields, stock of the coupon definition
DEFINITIONS = {
    "50元代金券": (CouponDefinition.Kind.CASH_VOUCHER, {"amount_off": "50"}),
    "9折券": (CouponDefinition.Kind.DISCOUNT, {"discount_rate": 90, "max_discount": "500"}),
    "免费上门测量": (CouponDefinition.Kind.EXCHANGE, {"item": "免费上门测量一次（橱柜、全屋定制）"}),
    "滤芯兑换券": (CouponDefinition.Kind.EXCHANGE, {"item": "净水器 PP 棉滤芯一支"}),
    "满3000减200": (CouponDefinition.Kind.COUPON, {"amount_off": "200", "min_spend": "3000"}),
}
# activity → [(prize name, definition, chance %, stock or None)]
POOLS = {
    WHEEL: [("50元代金券", "50元代金券", "5.00", 200), ("9折券", "9折券", "10.00", None),
            ("上门测量", "免费上门测量", "15.00", 500), ("滤芯兑换", "滤芯兑换券", "8.00", 300),
            ("满3000减200", "满3000减200", "12.00", None)],
    SHAKE: [("9折券", "9折券", "15.00", None), ("上门测量", "免费上门测量", "20.00", 300)],
}


def _month_end(day: date) -> date:
    first_next = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    return first_next - timedelta(days=1)


@transaction.atomic
def seed_draws(rng: random.Random) -> None:
    today = timezone.localdate()
    starts = today.replace(day=1)
    ends = _month_end(_month_end(today) + timedelta(days=1))  # the last day of next month
    definitions = {}
    for position, (name, (kind, values)) in enumerate(DEFINITIONS.items(), start=10):
        definitions[name], _ = CouponDefinition.objects.get_or_create(activity=None, name=name, defaults={
            "kind": kind, **values, "validity": CouponDefinition.Validity.AFTER_CLAIM, "valid_days": 30,
            "per_customer_limit": 3, "terms": "抽奖获得，全部门店可用，不与其他优惠同享", "position": position})
    texts = {
        WHEEL: ("每天 3 次机会，代金券、9折券、免费上门测量等你拿",
                "活动期间每人每天可抽 3 次（同一手机号算一人）。\n奖品以优惠券形式发放到“我的优惠券”，到店出示即可使用。"),
        SHAKE: ("摇一摇手机，9折券和免费上门测量等你拿",
                "打开页面摇一摇手机即可抽奖，摇不动可以点按钮。每人每天 3 次。"),
    }
    for name, kind in ((WHEEL, Activity.Kind.LUCKY_WHEEL), (SHAKE, Activity.Kind.SHAKE)):
        summary, description = texts[name]
        activity, _ = Activity.objects.get_or_create(name=name, kind=kind, defaults={
            "status": Activity.Status.PUBLISHED, "summary": summary, "description": description,
            "starts_on": starts, "ends_on": ends, "all_stores": True, "draws_per_day": 3})
        for position, (prize_name, definition, chance, stock) in enumerate(POOLS[name], start=1):
            Prize.objects.get_or_create(activity=activity, name=prize_name, defaults={
                "coupon_definition": definitions[definition], "chance": chance, "stock_total": stock,
                "stock_remaining": stock, "position": position})
        activity_codes_make(activity=activity)
