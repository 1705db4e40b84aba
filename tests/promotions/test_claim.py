"""Claiming coupons (PRO-2): stock, the per-person limit, validity, the claimed message.
A refused claim says why (Chinese on the phone; English here under ``in_english``) and changes nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from promotions.errors import PromotionError
from promotions.models import Activity, Coupon, CouponDefinition
from promotions.services import coupon_claim, coupon_issue
from tests.factories import CustomerFactory
from wechat.models import Message

from .factories import ActivityFactory, CouponDefinitionFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


def _state(definition):
    definition.refresh_from_db()
    return definition.stock_remaining, Coupon.objects.filter(definition=definition).count(), Message.objects.count()


def test_a_claim_gives_the_customer_a_coupon_takes_stock_and_queues_one_message(definition, customer):
    coupon = coupon_claim(definition=definition, customer=customer)

    definition.refresh_from_db()
    assert definition.stock_remaining == 99
    assert (coupon.customer, coupon.status, coupon.source) == (customer, Coupon.Status.CLAIMED, Coupon.Source.CLAIM)
    today = timezone.localdate()
    assert (coupon.valid_from, coupon.valid_until) == (today, today + timedelta(days=29))  # 30 days, today included
    message = Message.objects.get()
    assert (message.key, message.openid, message.purpose) == (f"coupon_claimed:{coupon.pk}", customer.openid,
                                                              "coupon_claimed")
    assert message.status == Message.Status.PENDING and message.data["thing1"]["value"] == definition.name


def test_fixed_dates_are_the_coupons_dates(customer):
    today = timezone.localdate()
    definition = CouponDefinitionFactory(validity=CouponDefinition.Validity.FIXED, valid_days=None,
                                         valid_from=today, valid_until=today + timedelta(days=5))
    coupon = coupon_claim(definition=definition, customer=customer)
    assert (coupon.valid_from, coupon.valid_until) == (today, today + timedelta(days=5))


def test_past_stock_the_claim_is_refused_and_nothing_changes(customer, org):
    definition = CouponDefinitionFactory(stock_total=1, stock_remaining=1)
    coupon_claim(definition=definition, customer=CustomerFactory(store=org.store_a1, openid="o-first"))
    before = _state(definition)

    with pytest.raises(PromotionError, match="all of these coupons have been claimed"):
        coupon_claim(definition=definition, customer=customer)

    assert _state(definition) == before == (0, 1, 1)


def test_the_per_customer_limit_is_refused_past_it_and_nothing_changes(customer):
    definition = CouponDefinitionFactory(per_customer_limit=2)
    coupon_claim(definition=definition, customer=customer)
    coupon_claim(definition=definition, customer=customer)
    before = _state(definition)

    with pytest.raises(PromotionError, match="already claimed 2 of these coupons"):
        coupon_claim(definition=definition, customer=customer)

    assert _state(definition) == before


def test_a_second_wechat_identity_with_the_same_mobile_cannot_claim_a_once_per_person_coupon(definition, customer,
                                                                                           org):
    coupon_claim(definition=definition, customer=customer)
    same_person = CustomerFactory(store=org.store_a2, openid="o-second-account", mobile=customer.mobile)
    before = _state(definition)

    with pytest.raises(PromotionError, match="already claimed this coupon"):
        coupon_claim(definition=definition, customer=same_person)

    assert _state(definition) == before
    other_person = CustomerFactory(store=org.store_a1, openid="o-other", mobile="13700000001")
    assert coupon_claim(definition=definition, customer=other_person).customer == other_person


def test_customers_without_a_mobile_are_each_their_own_person(definition, org):
    first = CustomerFactory(store=org.store_a1, openid="o-nomobile-1", mobile="")
    second = CustomerFactory(store=org.store_a1, openid="o-nomobile-2", mobile="")
    coupon_claim(definition=definition, customer=first)
    assert coupon_claim(definition=definition, customer=second).customer == second


@pytest.mark.parametrize(("change", "message"), [
    ({"activity__status": Activity.Status.DRAFT}, "cannot be claimed here"),
    ({"activity__status": Activity.Status.ENDED}, "activity has ended"),
    ({"activity__ends_on": -1}, "activity has ended"),
    ({"activity__starts_on": 2}, "activity starts on"),
    ({"is_active": False}, "can no longer be claimed"),
    ({"validity": "fixed", "valid_from": -10, "valid_until": -1}, "validity has ended"),
])
def test_a_claim_outside_the_activity_or_validity_is_refused(customer, change, message):
    today = timezone.localdate()
    days = {k: (today + timedelta(days=v) if isinstance(v, int) and not isinstance(v, bool) else v)
            for k, v in change.items()}
    activity_fields = {k.split("__", 1)[1]: v for k, v in days.items() if k.startswith("activity__")}
    if "starts_on" in activity_fields:
        activity_fields["ends_on"] = today + timedelta(days=10)
    elif "ends_on" in activity_fields:
        activity_fields["starts_on"] = today - timedelta(days=10)
    activity = ActivityFactory(**activity_fields)
    own = {k: v for k, v in days.items() if not k.startswith("activity__")}
    if own.get("validity") == "fixed":
        own["valid_days"] = None
    definition = CouponDefinitionFactory(activity=activity, **own)
    before = _state(definition)

    with pytest.raises(PromotionError, match=message):
        coupon_claim(definition=definition, customer=customer)

    assert _state(definition) == before


def test_unlimited_stock_takes_nothing(customer):
    definition = CouponDefinitionFactory(stock_total=None, stock_remaining=None)
    coupon_claim(definition=definition, customer=customer)
    definition.refresh_from_db()
    assert definition.stock_remaining is None


def test_issuing_with_a_key_is_idempotent(definition, customer):
    first = coupon_issue(definition=definition, customer=customer, source=Coupon.Source.PRIZE, key="draw:1")
    again = coupon_issue(definition=definition, customer=customer, source=Coupon.Source.PRIZE, key="draw:1")
    assert first == again
    assert _state(definition) == (99, 1, 1)


def test_a_customer_without_wechat_gets_the_coupon_and_no_message(definition, org):
    walk_in = CustomerFactory(store=org.store_a1, openid=None)
    coupon_issue(definition=definition, customer=walk_in, source=Coupon.Source.STAFF)
    assert Message.objects.count() == 0
