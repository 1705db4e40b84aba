"""The recommended segment "coupon expiring within 7 days" (INV-1): the store's customers holding an
unused coupon usable there whose last day is within 7 days, with the soonest one as the reason."""

from datetime import timedelta

import pytest
from django.utils import timezone

from invitations.segments import segment_customers, segments_for_store
from promotions.models import Coupon
from promotions.services import coupon_issue
from tests.factories import CustomerFactory

from .factories import CouponDefinitionFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


def _holding(org, *last_days, definition=None, status=Coupon.Status.CLAIMED, store=None):
    customer = CustomerFactory(store=store or org.store_a1, owner_assistant=org.assistant, mobile="")
    definition = definition or CouponDefinitionFactory(per_customer_limit=10)
    today = timezone.localdate()
    for days in last_days:
        coupon = coupon_issue(definition=definition, customer=customer, source=Coupon.Source.STAFF)
        used = ({"redeemed_at": timezone.now(), "redeemed_store": org.store_a1}
                if status == Coupon.Status.REDEEMED else {})
        Coupon.objects.filter(pk=coupon.pk).update(valid_from=today - timedelta(days=20),
                                                   valid_until=today + timedelta(days=days), status=status, **used)
    return customer


def _members(org, store=None):
    rows = segment_customers(key="coupon_expiring", store=store or org.store_a1, viewer=org.manager.user)
    return {c.pk: c.reason for c in rows}


def test_customers_with_a_coupon_ending_within_7_days_with_the_soonest_as_reason(org):
    in_three = _holding(org, 3, 20)
    today_last = _holding(org, 0)
    tomorrow = _holding(org, 1)
    in_seven = _holding(org, 7)
    in_eight = _holding(org, 8)
    gone = _holding(org, -1)

    members = _members(org)

    assert members == {in_three.pk: "Coupon expires in 3 days", today_last.pk: "Coupon expires today",
                       tomorrow.pk: "Coupon expires tomorrow", in_seven.pk: "Coupon expires in 7 days"}
    assert in_eight.pk not in members and gone.pk not in members


@pytest.mark.parametrize("status", [Coupon.Status.REDEEMED, Coupon.Status.EXPIRED])
def test_used_or_expired_coupons_do_not_count(org, status):
    _holding(org, 2, status=status)
    assert _members(org) == {}


def test_a_coupon_not_usable_in_the_store_does_not_count(org):
    elsewhere = CouponDefinitionFactory(all_stores=False, per_customer_limit=10)
    elsewhere.stores.set([org.store_a2])
    _holding(org, 2, definition=elsewhere)
    here = CouponDefinitionFactory(all_stores=False, per_customer_limit=10)
    here.stores.set([org.store_a1])
    usable = _holding(org, 5, definition=here)

    assert _members(org) == {usable.pk: "Coupon expires in 5 days"}


def test_the_segment_shows_with_its_count_once_someone_is_in_it(org):
    def listed():
        return {s["key"]: s["count"] for s in segments_for_store(store=org.store_a1, viewer=org.manager.user)}

    assert "coupon_expiring" not in listed()  # empty: hidden (INV-3)
    _holding(org, 3)
    _holding(org, 4)
    assert listed()["coupon_expiring"] == 2


def test_the_reason_is_chinese_on_the_page(org):
    from django.utils import translation

    customer = _holding(org, 3)
    with translation.override("zh-hans"):
        assert _members(org) == {customer.pk: "优惠券3天后到期"}
