"""Orders under concurrency (PostgreSQL, real threads): two taps at once never overpay an
order, never record a logistics node twice, never message the customer twice."""

import pytest
from django.db.models import Sum

from customers.models import LogisticsEvent, Order, PointsEntry
from customers.orders import ItemInput, logistics_record, order_create, payment_record
from wechat.models import Message

from ..factories import CustomerFactory
from .test_ledgers_concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def order(org):
    customer = CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, openid="o-race-buyer")
    return order_create(customer=customer, items=[ItemInput(name="整体橱柜", unit_price="10000")], staff=org.assistant)


def test_two_payments_of_the_balance_at_once_take_it_once(org, order):
    results, refusals = run_together(*[
        lambda: payment_record(order=order, kind=Order.PaymentType.IN_STORE, amount="10000") for _ in range(3)])
    assert (len(results), len(refusals)) == (1, 2)
    order.refresh_from_db()
    assert order.payments.aggregate(total=Sum("amount"))["total"] == order.amount
    assert order.status == Order.Status.PAID
    assert PointsEntry.objects.filter(order=order).count() == 1  # points earned once


def test_the_same_node_twice_at_once_is_recorded_and_messaged_once(org, order):
    results, refusals = run_together(*[
        lambda: logistics_record(order=order, node=LogisticsEvent.Node.SHIPPED) for _ in range(3)])
    assert (len(results), len(refusals)) == (1, 2)
    assert LogisticsEvent.objects.filter(order=order).count() == 1
    assert Message.objects.filter(purpose="order_progress", customer=order.customer).count() == 1
