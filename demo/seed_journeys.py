"""Demo data for marketing automation (PRO-6): the built-in journeys, and one WeChat customer of
the demo assistant, 林晓雨 (openid ``o-demo-journey``), holding a coupon that ends in two days, so
that the "优惠券到期提醒" journey (active, made by migration automation/0002) reminds her when it
runs (hourly from ten, or "Run now" in the admin) and the reminder shows on the fake phone.

Idempotent: rows are found by name or key and reused. The demo coupon's last day is moved to two
days from today on every seed; if her reminder failed (the fake WeChat did not know her yet: it
starts empty), seeding again clears it so the next run sends it again."""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from automation.models import Journey, JourneyDelivery
from automation.services import journey_from_template
from automation.strategies import BY_KEY, COUPON_EXPIRY
from customers.models import Customer
from promotions.models import Coupon, CouponDefinition
from promotions.services import coupon_issue
from stores.models import Staff
from wechat.models import Message

DEMO_OPENID = "o-demo-journey"
SECOND_PURCHASE_COUPON = "新客回购券"
# Which built-in journeys run in the demo: the others wait as drafts for head office to review.
ACTIVE = {"potential_activation", "second_purchase", COUPON_EXPIRY}


@transaction.atomic
def seed_journeys(rng: random.Random) -> None:
    comeback, _ = CouponDefinition.objects.get_or_create(activity=None, name=SECOND_PURCHASE_COUPON, defaults={
        "kind": CouponDefinition.Kind.CASH_VOUCHER, "amount_off": "200", "validity": CouponDefinition.Validity.AFTER_CLAIM,
        "valid_days": 30, "stock_total": 1000, "stock_remaining": 1000, "terms": "第二次购买时可用"})
    for key in BY_KEY:
        if Journey.objects.filter(template=key).exists():
            continue
        journey = journey_from_template(key=key, actor=None)
        journey.status = Journey.Status.ACTIVE if key in ACTIVE else Journey.Status.DRAFT
        if journey.action == Journey.Action.ISSUE_COUPON:
            journey.coupon_definition = comeback
        journey.save()
    _demo_holder(rng)


def _demo_holder(rng: random.Random) -> None:
    assistant = Staff.objects.filter(user__username="assistant").select_related("store").first()
    definition = CouponDefinition.objects.filter(activity__isnull=False).order_by("position", "pk").first()
    if assistant is None or assistant.store is None or definition is None:
        return
    customer, _ = Customer.objects.get_or_create(openid=DEMO_OPENID, defaults={
        "name": "林晓雨", "store": assistant.store, "owner_assistant": assistant, "wechat_subscribed": True,
        "source": Customer.Source.STORE_VISIT})
    coupon = coupon_issue(definition=definition, customer=customer, source=Coupon.Source.STAFF,
                          key=f"demo:journey:{customer.pk}")
    today = timezone.localdate()
    Coupon.objects.filter(pk=coupon.pk).update(status=Coupon.Status.CLAIMED, valid_from=today - timedelta(days=28),
                                               valid_until=today + timedelta(days=2))
    failed = JourneyDelivery.objects.filter(customer=customer, journey__template=COUPON_EXPIRY,
                                            message__status__in=[Message.Status.FAILED, Message.Status.DEAD])
    for delivery in failed:
        message_id = delivery.message_id
        delivery.delete()
        Message.objects.filter(pk=message_id).delete()
        Coupon.objects.filter(pk=coupon.pk).update(reminded_at=None)
