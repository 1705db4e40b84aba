"""Data scope of promotions (ORG-3): each role sees its part of coupons, redemptions, activities."""

import pytest

from promotions.models import Activity, Coupon, Redemption
from promotions.services import coupon_claim, coupon_redeem
from tests.factories import CustomerFactory

from .factories import ActivityFactory

pytestmark = pytest.mark.django_db


def visible(model, user):
    return set(model.objects.visible_to(user))


@pytest.fixture
def world(org, definition):
    mine = CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, openid="o-mine", mobile="")
    theirs = CustomerFactory(store=org.store_a2, owner_assistant=org.other_store_assistant, openid="o-a2",
                             mobile="")
    north = CustomerFactory(store=org.store_b1, openid="o-north", mobile="")
    coupons = {name: coupon_claim(definition=definition, customer=c)
               for name, c in (("mine", mine), ("theirs", theirs), ("north", north))}
    # A customer of store B1 redeems in store A1, by the colleague.
    redemption = coupon_redeem(code=coupons["north"].code, actor=org.colleague.user)
    return coupons, redemption


def test_each_role_sees_its_coupons(org, world):
    coupons, _redemption = world
    assert visible(Coupon, org.user("hq")) == set(coupons.values())
    assert visible(Coupon, org.user("supervisor")) == {coupons["mine"], coupons["theirs"], coupons["north"]}
    assert visible(Coupon, org.user("manager")) == {coupons["mine"], coupons["north"]}  # held here, redeemed here
    assert visible(Coupon, org.user("assistant")) == {coupons["mine"]}
    assert visible(Coupon, org.user("colleague")) == {coupons["north"]}  # the one they redeemed
    assert visible(Coupon, org.user("partner")) == set() == visible(Coupon, org.user("outsider"))


def test_redemptions_are_seen_by_their_store_and_assistant(org, world):
    _coupons, redemption = world
    for role in ("hq", "supervisor", "manager", "colleague"):
        assert visible(Redemption, org.user(role)) == {redemption}, role
    for role in ("assistant", "partner", "outsider"):
        assert visible(Redemption, org.user(role)) == set(), role
    assert visible(Redemption, org.other_store_assistant.user) == set()


def test_activities_for_all_stores_or_listed_ones(org, definition):
    everywhere = definition.activity
    north_only = ActivityFactory(all_stores=False)
    north_only.stores.set([org.store_b1])
    assert visible(Activity, org.user("manager")) == {everywhere}
    assert visible(Activity, org.user("assistant")) == {everywhere}
    assert visible(Activity, org.user("hq")) == {everywhere, north_only}
    assert visible(Activity, org.user("partner")) == set()
