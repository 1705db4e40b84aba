"""Results attributed (PRO-6): sent, opened (through the tracking redirect), ordered within the
journey's attribution window after the step (and not outside it), coupons used."""

from datetime import timedelta

import pytest

from automation.models import JourneyDelivery
from automation.selectors import journey_results
from automation.services import journey_run
from customers.models import Order
from promotions.services import coupon_redeem
from tests.factories import CustomerFactory, OrderFactory
from wechat.models import Message

from .conftest import NOW, at, make_journey
from .test_run import expiring_coupon

pytestmark = pytest.mark.django_db


def test_the_link_records_the_first_open_and_goes_on_to_the_journeys_page(org, client):
    journey = make_journey()
    customer = CustomerFactory(store=org.store_a1, openid="o-open")
    OrderFactory(customer=customer, placed_at=at(100))
    journey_run(journey=journey, now=NOW)
    delivery = JourneyDelivery.objects.get(customer=customer)

    response = client.get(f"/h5/j/{delivery.token}/")
    assert response.status_code == 302 and response["Location"] == "/h5/me/coupons/"
    opened = JourneyDelivery.objects.get(pk=delivery.pk).opened_at
    assert opened is not None
    client.get(f"/h5/j/{delivery.token}/")
    assert JourneyDelivery.objects.get(pk=delivery.pk).opened_at == opened  # the first open counts
    assert client.get("/h5/j/no-such-token/").status_code == 404


def test_orders_within_the_window_after_the_step_count_and_others_do_not(org):
    journey = make_journey(attribution_days=7)
    buyers = {}
    for name in ("within", "after_window", "before_step", "cancelled", "silent"):
        buyers[name] = CustomerFactory(store=org.store_a1, openid=f"o-{name}")
        OrderFactory(customer=buyers[name], placed_at=at(100))
    journey_run(journey=journey, now=NOW)
    OrderFactory(customer=buyers["within"], placed_at=NOW + timedelta(days=2), amount="3000.00")
    OrderFactory(customer=buyers["within"], placed_at=NOW + timedelta(days=6, hours=23), amount="500.00")
    OrderFactory(customer=buyers["after_window"], placed_at=NOW + timedelta(days=7, minutes=1))
    OrderFactory(customer=buyers["before_step"], placed_at=NOW - timedelta(hours=1))
    OrderFactory(customer=buyers["cancelled"], placed_at=NOW + timedelta(days=1), status=Order.Status.CANCELLED)
    Message.objects.filter(customer__in=[buyers["within"], buyers["silent"]]).update(status=Message.Status.SENT)
    JourneyDelivery.objects.filter(customer=buyers["silent"]).update(opened_at=NOW + timedelta(hours=1))

    figures = journey_results(JourneyDelivery.objects.all())[journey.pk]

    assert figures == {"matched": 5, "reached": 5, "sent": 2, "opened": 1, "ordered": 1, "amount": 3500,
                       "redeemed": 0}


def test_a_reminded_coupon_used_afterwards_counts_as_redeemed(org, builtin_reminder):
    used, kept = expiring_coupon(org, 1, openid="o-r1"), expiring_coupon(org, 2, openid="o-r2")
    journey_run(journey=builtin_reminder, now=NOW)
    coupon_redeem(code=used.code, actor=org.assistant.user)
    figures = journey_results(JourneyDelivery.objects.filter(journey=builtin_reminder))[builtin_reminder.pk]
    assert (figures["matched"], figures["redeemed"]) == (2, 1)
    assert kept.pk != used.pk


def test_an_order_counts_once_for_the_latest_step_before_it(org):
    """Two journeys reached one customer; the order after both is the later step's, never both."""
    from stores.models import HeadOffice

    HeadOffice.objects.create(name="品牌", contact_interval_days=0)
    first, second = make_journey(name="沉睡唤醒"), make_journey(name="老客关怀")
    customer = CustomerFactory(store=org.store_a1, openid="o-twice-reached")
    OrderFactory(customer=customer, placed_at=at(100))
    journey_run(journey=first, now=NOW)
    journey_run(journey=second, now=NOW + timedelta(hours=2))
    OrderFactory(customer=customer, placed_at=NOW + timedelta(days=1), amount="2000.00")

    results = journey_results(JourneyDelivery.objects.all())
    assert (results[first.pk]["ordered"], results[second.pk]["ordered"]) == (0, 1)
    assert (results[first.pk]["amount"], results[second.pk]["amount"]) == (0, 2000)
