"""Group-buy claims under concurrency (PostgreSQL, real threads on their own connections): many
neighbours joining at once never take more than the stock, and a neighbour who taps both items at
once gets both coupons and the community recorded once (the fill never waits on, nor deadlocks
with, the claims' definition locks)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from customers.models import Customer
from promotions.group_buy import group_buy_claim
from promotions.models import Activity, Coupon, CouponDefinition
from tests.factories import CustomerFactory

from .factories import ActivityFactory, CouponDefinitionFactory
from .test_concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def group_buy_definition(activity, name, stock):
    return CouponDefinitionFactory(
        activity=activity, name=name, kind=CouponDefinition.Kind.GROUP_BUY, amount_off=None, min_spend=None,
        item=name, group_price="99.00", validity=CouponDefinition.Validity.FIXED, valid_from=activity.starts_on,
        valid_until=activity.ends_on, valid_days=None, stock_total=stock, stock_remaining=stock)


@pytest.fixture
def activity(db):
    today = timezone.localdate()
    return ActivityFactory(kind=Activity.Kind.GROUP_BUY, community="徐汇苑", starts_on=today - timedelta(days=1),
                           ends_on=today + timedelta(days=5))


def test_thirty_neighbours_for_ten_sinks_make_ten_coupons_and_ten_known_communities(org, activity):
    sink = group_buy_definition(activity, "水槽", stock=10)
    neighbours = [CustomerFactory(store=org.store_a1, community="") for _ in range(30)]
    calls = [[(lambda c=c: group_buy_claim(activity=activity, definition=sink, customer=c))] for c in neighbours]
    results, refusals = run_together(calls)
    assert len(results) == 10 and len(refusals) == 20
    assert all(refusal.startswith("抱歉，这张优惠券已被领完") for refusal in refusals)
    assert CouponDefinition.objects.get(pk=sink.pk).stock_remaining == 0
    assert Coupon.objects.filter(definition=sink).count() == 10
    winners = {coupon.customer_id for coupon in results}
    assert set(Customer.objects.filter(community="徐汇苑").values_list("pk", flat=True)) == winners


def test_one_neighbour_tapping_both_items_at_once_gets_both(org, activity):
    sink, tap = group_buy_definition(activity, "水槽", 5), group_buy_definition(activity, "龙头", 5)
    neighbour = CustomerFactory(store=org.store_a1, community="")
    calls = [[lambda d=d: group_buy_claim(activity=activity, definition=d, customer=neighbour)] for d in (sink, tap)]
    results, refusals = run_together(calls)
    assert len(results) == 2 and not refusals
    neighbour.refresh_from_db()
    assert neighbour.community == "徐汇苑"
