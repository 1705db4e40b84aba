"""Orders (CUS-7): creation and attribution, payments, logistics nodes and their messages."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.errors import CustomerError
from customers.ledgers import points_balance
from customers.models import LogisticsEvent, Order, Payment, PointsEntry
from customers.orders import ItemInput, logistics_record, order_cancel, order_create, payment_record
from wechat.models import Message

from ..factories import CustomerFactory, StaffFactory
from .commerce import customer, installer, product, team  # noqa: F401 - fixtures

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


def _order(customer, product, staff, **kwargs):
    return order_create(customer=customer, items=[ItemInput(product=product, quantity=2),
                                                  ItemInput(name="上门安装", unit_price="200")], staff=staff, **kwargs)


def test_an_order_copies_the_products_price_and_sums_its_items(org, customer, product):
    order = _order(customer, product, org.assistant)
    product.price = Decimal("9999.00")  # a later catalogue change does not touch the order
    product.save()
    items = list(order.items.values_list("name", "sku", "unit_price", "quantity", "amount"))
    assert items == [("不锈钢水槽", "SINK-1", Decimal("1299.00"), 2, Decimal("2598.00")),
                     ("上门安装", "", Decimal("200.00"), 1, Decimal("200.00"))]
    assert order.amount == Decimal("2798.00") and order.status == Order.Status.PENDING
    assert order.number.startswith("SL") and Order.objects.filter(number=order.number).count() == 1


def test_an_online_order_counts_for_the_owning_store_and_assistant(org, customer, product):
    # Given the manager of another store enters an online order of the assistant's customer
    order = _order(customer, product, org.other_store_assistant, channel=Order.Channel.ONLINE)
    # Then the owner assistant keeps it (QR-4: their commission)
    assert (order.store, order.assistant) == (org.store_a1, org.assistant)


def test_an_in_store_order_counts_for_whoever_sold_it(org, customer, product):
    order = _order(customer, product, org.colleague, channel=Order.Channel.IN_STORE)
    assert (order.store, order.assistant) == (org.store_a1, org.colleague)


@pytest.mark.parametrize("items, message", [
    ([], "at least one item"),
    ([ItemInput(name="", unit_price="10")], "needs a name"),
    ([ItemInput(name="安装", unit_price=None)], "needs a price"),
    ([ItemInput(name="安装", unit_price="-1")], "negative"),
    ([ItemInput(name="安装", unit_price="abc")], "not an amount"),
    ([ItemInput(name="安装", unit_price="1", quantity=0)], "quantity"),
])
def test_bad_items_are_refused_and_nothing_is_stored(org, customer, items, message):
    with pytest.raises(CustomerError, match=message):
        order_create(customer=customer, items=items, staff=org.assistant)
    assert not Order.objects.filter(customer=customer).exists()


def test_a_deposit_then_the_balance_make_the_order_paid_and_earn_points_once(org, customer, product):
    order = _order(customer, product, org.assistant)
    first = payment_record(order=order, kind=Order.PaymentType.DEPOSIT, amount="500", staff=org.assistant)
    order.refresh_from_db()
    assert order.status == Order.Status.DEPOSIT_PAID and order.paid_at == first.paid_at
    assert points_balance(customer) == 0
    payment_record(order=order, kind=Order.PaymentType.BALANCE, amount="2298", staff=org.assistant)
    order.refresh_from_db()
    assert order.status == Order.Status.PAID and order.paid_at == first.paid_at  # first money
    assert points_balance(customer) == 2798  # one point a yuan by default


def test_points_follow_the_points_per_yuan_setting(org, customer, product, settings):
    settings.POINTS_PER_YUAN = 0.1
    order = _order(customer, product, org.assistant)
    payment_record(order=order, kind=Order.PaymentType.FULL_ONLINE, amount=order.amount)
    assert points_balance(customer) == 279


@pytest.mark.parametrize("amount, message", [("2798.01", "still due"), ("0", "more than zero"),
                                             ("-5", "negative"), ("x", "not an amount")])
def test_overpayment_and_nonsense_amounts_are_refused(org, customer, product, amount, message):
    order = _order(customer, product, org.assistant)
    with pytest.raises(CustomerError, match=message):
        payment_record(order=order, kind=Order.PaymentType.IN_STORE, amount=amount)
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING and not Payment.objects.filter(order=order).exists()


def test_a_cancelled_order_takes_no_money_and_no_logistics(org, customer, product):
    order = _order(customer, product, org.assistant)
    order_cancel(order=order, staff=org.assistant, reason="客户改主意")
    with pytest.raises(CustomerError, match="cancelled"):
        payment_record(order=order, kind=Order.PaymentType.IN_STORE, amount="10")
    with pytest.raises(CustomerError, match="cancelled"):
        logistics_record(order=order, node=LogisticsEvent.Node.SHIPPED)
    assert not order.payments.exists() and not order.logistics.exists()


def test_cancelling_a_paid_order_takes_its_points_back(org, customer, product):
    order = _order(customer, product, org.assistant)
    payment_record(order=order, kind=Order.PaymentType.IN_STORE, amount=order.amount)
    order_cancel(order=order, staff=org.manager)
    assert points_balance(customer) == 0
    assert list(PointsEntry.objects.filter(customer=customer).values_list("kind", flat=True)) == ["reversal",
                                                                                                   "earn_order"]


def test_a_shipped_order_cannot_be_cancelled(org, customer, product):
    order = _order(customer, product, org.assistant)
    logistics_record(order=order, node=LogisticsEvent.Node.SHIPPED)
    with pytest.raises(CustomerError, match="on its way"):
        order_cancel(order=order)
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED


def test_each_node_moves_the_order_forward_and_tells_the_customer_once(org, customer, product, installer):
    order = _order(customer, product, org.assistant)
    payment_record(order=order, kind=Order.PaymentType.IN_STORE, amount=order.amount)
    shipped = logistics_record(order=order, node=LogisticsEvent.Node.SHIPPED, location="上海仓")
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED
    message = Message.objects.get(key=f"logistics:{shipped.pk}")
    assert message.openid == "o-buyer" and message.template_id == "tpl-order-progress"
    assert message.data["character_string1"]["value"] == order.number and message.customer == customer
    booked = logistics_record(order=order, node=LogisticsEvent.Node.INSTALLATION_BOOKED, installer=installer,
                              scheduled_for=timezone.now() + timedelta(days=2))
    order.refresh_from_db()
    assert order.status == Order.Status.INSTALLATION_BOOKED
    assert Message.objects.filter(key=f"logistics:{booked.pk}").count() == 1


def test_a_node_never_goes_backwards(org, customer, product):
    order = _order(customer, product, org.assistant)
    logistics_record(order=order, node=LogisticsEvent.Node.ARRIVED)
    for node in (LogisticsEvent.Node.SHIPPED, LogisticsEvent.Node.ARRIVED):
        with pytest.raises(CustomerError, match="only move forward"):
            logistics_record(order=order, node=node)
    order.refresh_from_db()
    assert order.status == Order.Status.ARRIVED and order.logistics.count() == 1
    assert Message.objects.filter(purpose="order_progress").count() == 1


def test_installation_booked_needs_an_appointment(org, customer, product):
    order = _order(customer, product, org.assistant)
    with pytest.raises(CustomerError, match="appointment"):
        logistics_record(order=order, node=LogisticsEvent.Node.INSTALLATION_BOOKED)
    assert not order.logistics.exists() and not Message.objects.exists()


def test_installation_nodes_remind_the_owner_assistant_in_wechat(org, customer, product):
    org.assistant.wechat_openid = "o-staff-asst"
    org.assistant.save()
    order = _order(customer, product, org.assistant)
    shipped = logistics_record(order=order, node=LogisticsEvent.Node.SHIPPED)
    installed = logistics_record(order=order, node=LogisticsEvent.Node.INSTALLED)
    assert not Message.objects.filter(key=f"logistics-staff:{shipped.pk}").exists()
    reminder = Message.objects.get(key=f"logistics-staff:{installed.pk}")
    assert reminder.openid == "o-staff-asst" and reminder.purpose == "staff_reminder"


def test_a_customer_without_wechat_gets_no_message_but_the_node_is_recorded(org, product):
    walk_in = CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, openid=None)
    order = _order(walk_in, product, org.assistant)
    logistics_record(order=order, node=LogisticsEvent.Node.SHIPPED)
    assert order.logistics.count() == 1 and not Message.objects.exists()


def test_an_order_for_a_customer_of_no_store_is_refused_online(org, product):
    stray = CustomerFactory(store=None, owner_assistant=None)
    with pytest.raises(CustomerError, match="no store"):
        order_create(customer=stray, items=[ItemInput(product=product)], channel=Order.Channel.ONLINE,
                     staff=StaffFactory(store=org.store_a1))


def test_telling_the_customer_again_about_the_same_node_queues_nothing_more(org, customer, product):
    # A retried transaction or worker re-running the notification for one event finds its key taken.
    from customers.orders import _notify

    order = _order(customer, product, org.assistant)
    event = logistics_record(order=order, node=LogisticsEvent.Node.SHIPPED)
    _notify(event, Order.objects.select_related("customer", "store", "assistant").get(pk=order.pk))
    assert Message.objects.filter(key=f"logistics:{event.pk}").count() == 1
    assert Message.objects.count() == 1
