"""Each trigger's occasions (PRO-6), matching and not matching, as the database computes them."""

from datetime import timedelta

import pytest

from automation.models import Journey
from automation.triggers import occasions
from customers.models import LogisticsEvent, Order, OrderItem, ScanEvent
from promotions.models import Coupon
from promotions.services import coupon_issue
from stores.services import qr_code_for
from tests.factories import CustomerFactory, OrderFactory, ProductFactory
from tests.promotions.factories import CouponDefinitionFactory

from .conftest import NOW, TODAY, at, make_journey

pytestmark = pytest.mark.django_db


def found(journey) -> set[tuple[int, str]]:
    occ = occasions(journey, NOW)
    key = "pk" if not occ.customer else occ.customer + "id"
    return set(occ.queryset.annotate(_occ=occ.occasion).values_list(key, "_occ"))


def test_coupon_expiring_holds_for_unused_coupons_ending_within_n_days(org):
    definition = CouponDefinitionFactory(activity=None)
    journey = make_journey(trigger=Journey.Trigger.COUPON_EXPIRING, trigger_days=3)
    coupons = {}
    for name, last_day, status in (("today", 0, "claimed"), ("in3", 3, "claimed"), ("in4", 4, "claimed"),
                                   ("used", 1, "claimed"), ("past", -1, "claimed")):
        holder = CustomerFactory(store=org.store_a1, mobile="")
        coupon = coupon_issue(definition=definition, customer=holder, key=f"t:{name}")
        Coupon.objects.filter(pk=coupon.pk).update(valid_from=TODAY - timedelta(days=20),
                                                   valid_until=TODAY + timedelta(days=last_day))
        coupons[name] = coupon
    Coupon.objects.filter(pk=coupons["used"].pk).update(status=Coupon.Status.EXPIRED)

    assert found(journey) == {(coupons[n].customer_id, f"coupon:{coupons[n].pk}") for n in ("today", "in3")}
    # A coupon reminded already (by another reminder journey or the old job) is not reminded again.
    Coupon.objects.filter(pk=coupons["today"].pk).update(reminded_at=NOW)
    assert found(journey) == {(coupons["in3"].customer_id, f"coupon:{coupons['in3'].pk}")}


def test_birthday_month_is_one_occasion_per_month(org):
    born_now = CustomerFactory(store=org.store_a1, birthday=TODAY.replace(year=1990, day=1))
    other_month = (TODAY.month % 12) + 1
    CustomerFactory(store=org.store_a1, birthday=TODAY.replace(year=1990, month=other_month, day=1))
    journey = make_journey(trigger=Journey.Trigger.BIRTHDAY_MONTH)
    assert found(journey) == {(born_now.pk, f"birthday:{TODAY:%Y-%m}")}


def test_visited_not_bought_takes_the_latest_visit_n_days_ago_without_an_order_since(org):
    journey = make_journey(trigger=Journey.Trigger.VISITED_NOT_BOUGHT, trigger_days=7)
    code = qr_code_for(org.assistant)

    def visitor(days_ago, *, bought_after=None, again=None):
        customer = CustomerFactory(store=org.store_a1)
        scan = ScanEvent.objects.create(qr_code=code, customer=customer, target_type="store", target_id=1, store=org.store_a1,
                                        channel="wechat", scanned_at=at(days_ago))
        if again is not None:
            scan = ScanEvent.objects.create(qr_code=code, customer=customer, target_type="store", target_id=1, store=org.store_a1,
                                            channel="wechat", scanned_at=at(again))
        if bought_after is not None:
            OrderFactory(customer=customer, placed_at=at(bought_after))
        return customer, scan

    due, due_scan = visitor(7)
    held, held_scan = visitor(13)  # still holds a week on (a capped customer is picked up later)
    visitor(6)  # not 7 days yet
    visitor(14)  # no longer holds
    visitor(8, bought_after=5)  # bought since the visit
    visitor(20, again=2)  # came back two days ago: that visit counts, not yet 7 days

    assert found(journey) == {(due.pk, f"visit:{due_scan.pk}"), (held.pk, f"visit:{held_scan.pk}")}


def test_second_purchase_is_a_new_customer_with_one_order_n_days_ago(org):
    journey = make_journey(trigger=Journey.Trigger.SECOND_PURCHASE, trigger_days=30)
    one = OrderFactory(customer=CustomerFactory(store=org.store_a1), placed_at=at(30))
    two = CustomerFactory(store=org.store_a1)
    OrderFactory(customer=two, placed_at=at(30))
    OrderFactory(customer=two, placed_at=at(3))  # bought again: not a second-purchase prospect
    cancelled_other = CustomerFactory(store=org.store_a1)
    first = OrderFactory(customer=cancelled_other, placed_at=at(31))
    OrderFactory(customer=cancelled_other, placed_at=at(2), status=Order.Status.CANCELLED)  # does not count
    OrderFactory(customer=CustomerFactory(store=org.store_a1), placed_at=at(29))  # not yet

    assert found(journey) == {(one.customer_id, f"first_order:{one.pk}"),
                              (cancelled_other.pk, f"first_order:{first.pk}")}


def test_dormant_is_the_last_order_older_than_n_days(org):
    journey = make_journey(trigger=Journey.Trigger.DORMANT, trigger_days=90)
    sleeper = CustomerFactory(store=org.store_a1)
    OrderFactory(customer=sleeper, placed_at=at(200))
    last = OrderFactory(customer=sleeper, placed_at=at(91))
    awake = CustomerFactory(store=org.store_a1)
    OrderFactory(customer=awake, placed_at=at(200))
    OrderFactory(customer=awake, placed_at=at(10))

    assert found(journey) == {(sleeper.pk, f"dormant:{last.pk}")}


def test_order_delivered_n_days_ago_gets_usage_tips(org):
    journey = make_journey(trigger=Journey.Trigger.ORDER_DELIVERED, trigger_days=3)
    delivered = OrderFactory(customer=CustomerFactory(store=org.store_a1), placed_at=at(10))
    LogisticsEvent.objects.create(order=delivered, node=LogisticsEvent.Node.ARRIVED, happened_at=at(3))
    shipped = OrderFactory(customer=CustomerFactory(store=org.store_a1), placed_at=at(10))
    LogisticsEvent.objects.create(order=shipped, node=LogisticsEvent.Node.SHIPPED, happened_at=at(3))
    recent = OrderFactory(customer=CustomerFactory(store=org.store_a1), placed_at=at(10))
    LogisticsEvent.objects.create(order=recent, node=LogisticsEvent.Node.ARRIVED, happened_at=at(1))

    assert found(journey) == {(delivered.customer_id, f"delivered:{delivered.pk}")}


def test_maintenance_due_n_days_after_paying_for_the_product(org):
    filter_cartridge, other = ProductFactory(), ProductFactory()
    journey = make_journey(trigger=Journey.Trigger.MAINTENANCE_DUE, trigger_days=180, product=filter_cartridge)

    def bought(product, days_ago):
        order = OrderFactory(customer=CustomerFactory(store=org.store_a1), placed_at=at(days_ago),
                             paid_at=at(days_ago))
        OrderItem.objects.create(order=order, product=product, name=product.name, unit_price="399", amount="399")
        return order

    due = bought(filter_cartridge, 180)
    bought(other, 180)
    bought(filter_cartridge, 100)

    assert found(journey) == {(due.customer_id, f"maintenance:{due.pk}")}
