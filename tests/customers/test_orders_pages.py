"""The Orders tab in the workbench, the customer's "my orders" H5 page and the reputation page:
every role's scope, writes in a few taps, refusals with a message and nothing changed."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.models import LogisticsEvent, Order, Payment, Review
from customers.orders import ItemInput, logistics_record, order_create, payment_record
from wechat.models import Message

from ..factories import CustomerFactory
from .commerce import customer, installer, product, team  # noqa: F401 - fixtures
from .conftest import as_wechat_user

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def order(org, customer, product):
    return order_create(customer=customer, items=[ItemInput(product=product, quantity=2)], staff=org.assistant)


def _url(customer, tail=""):
    return f"/m/customers/{customer.pk}/orders/{tail}"


@pytest.mark.parametrize("role, status", [("assistant", 200), ("manager", 200), ("supervisor", 200), ("hq", 200),
                                          ("colleague", 404), ("other_store_assistant", 404), ("partner", 404)])
def test_the_orders_tab_follows_the_data_scope(client, org, customer, order, role, status):
    client.force_login(getattr(org, role).user)
    response = client.get(_url(customer))
    assert response.status_code == status
    if status == 200:
        assert order.number in response.content.decode()


def test_htmx_gets_only_the_tab(client, org, customer, order):
    client.force_login(org.user("assistant"))
    text = client.get(_url(customer), **HTMX).content.decode()
    assert order.number in text and "<html" not in text and "不锈钢水槽" in text


def test_the_assistant_records_a_payment_in_one_tap(client, org, customer, order):
    client.force_login(org.user("assistant"))
    response = client.post(_url(customer, f"{order.pk}/payments/"), {"kind": "in_store", "amount": "2598.00"},
                           **HTMX)
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == Order.Status.PAID and order.payments.get().recorded_by == org.assistant


@pytest.mark.parametrize("data, message", [
    ({"kind": "in_store", "amount": "9999"}, "元未付"),  # "…yuan is still due on this order."
    ({"kind": "in_store", "amount": "-1"}, ""),
    ({"kind": "bitcoin", "amount": "10"}, ""),
])
def test_a_refused_payment_answers_400_with_a_message_and_stores_nothing(client, org, customer, order, data, message):
    client.force_login(org.user("assistant"))
    response = client.post(_url(customer, f"{order.pk}/payments/"), data, **HTMX)
    assert response.status_code == 400
    text = response.content.decode()
    assert 'role="alert"' in text and message in text
    assert not Payment.objects.exists()


def test_a_logistics_node_from_the_tab_messages_the_customer_once(client, org, customer, order, installer):
    client.force_login(org.user("assistant"))
    when = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    data = {"node": "installation_booked", "scheduled_for": when, "installer": installer.pk, "location": "小区"}
    assert client.post(_url(customer, f"{order.pk}/logistics/"), data, **HTMX).status_code == 200
    # A retried tap (the same node again) is refused and sends nothing more
    assert client.post(_url(customer, f"{order.pk}/logistics/"), data, **HTMX).status_code == 400
    event = LogisticsEvent.objects.get(order=order)
    assert event.installer == installer and event.recorded_by == org.user("assistant")
    assert Message.objects.filter(purpose="order_progress").count() == 1


def test_someone_elses_order_cannot_be_paid_through_my_customer(client, org, customer, order):
    foreign = order_create(customer=CustomerFactory(store=org.store_a2, owner_assistant=org.other_store_assistant),
                           items=[ItemInput(name="龙头", unit_price="10")], staff=org.other_store_assistant)
    client.force_login(org.user("assistant"))
    assert client.post(_url(customer, f"{foreign.pk}/payments/"), {"kind": "in_store", "amount": "1"}).status_code \
        == 404
    assert not Payment.objects.exists()


def test_out_of_scope_staff_cannot_write(client, org, customer, order):
    client.force_login(org.user("colleague"))
    assert client.post(_url(customer, f"{order.pk}/payments/"), {"kind": "in_store", "amount": "1"}).status_code \
        == 404
    assert client.post(_url(customer, "new/"), {"product": 1, "quantity": 1, "channel": "in_store"}).status_code \
        == 404
    assert not Payment.objects.exists() and Order.objects.filter(customer=customer).count() == 1


def test_a_new_order_from_the_tab(client, org, customer, product):
    client.force_login(org.user("colleague"))  # a colleague in the same store cannot see the customer
    assert client.post(_url(customer, "new/"), {"product": product.pk, "quantity": 3}).status_code == 404
    client.force_login(org.user("assistant"))
    response = client.post(_url(customer, "new/"), {"product": product.pk, "quantity": 3, "channel": "in_store"})
    assert response.status_code == 302
    new = Order.objects.get(customer=customer)
    assert new.amount == Decimal("3897.00") and new.assistant == org.assistant


def test_without_javascript_a_payment_redirects_back_to_the_tab(client, org, customer, order):
    client.force_login(org.user("assistant"))
    response = client.post(_url(customer, f"{order.pk}/payments/"), {"kind": "deposit", "amount": "100"})
    assert response.status_code == 302 and response.url == _url(customer)


# --- the customer's H5 page ----------------------------------------------------------------------


def test_my_orders_shows_my_orders_with_progress_and_nobody_elses(client, org, customer, order):
    logistics_record(order=order, node=LogisticsEvent.Node.SHIPPED)
    other = order_create(customer=CustomerFactory(store=org.store_a1, openid="o-other"),
                         items=[ItemInput(name="龙头", unit_price="10")], staff=org.assistant)
    as_wechat_user(client, "o-buyer")
    text = client.get("/h5/me/orders/").content.decode()
    assert order.number in text and other.number not in text and "progress__step_done" in text


def test_my_orders_without_a_wechat_identity_asks_for_wechat(client, order):
    response = client.get("/h5/me/orders/")
    assert order.number not in response.content.decode()


def test_the_customer_reviews_store_assistant_and_installation_team(client, org, customer, order, installer, team):
    logistics_record(order=order, node=LogisticsEvent.Node.INSTALLED, installer=installer)
    as_wechat_user(client, "o-buyer")
    page = client.get("/h5/me/orders/").content.decode()
    assert team.name in page and org.assistant.name in page
    url = f"/h5/me/orders/{order.pk}/review/"
    assert client.post(url, {"subject": "installation_team", "target": team.pk, "rating": "5",
                             "comment": "很好"}).status_code == 302
    assert client.post(url, {"subject": "staff", "target": org.assistant.pk, "rating": "4"}).status_code == 302
    assert client.post(url, {"subject": "store", "target": org.store_a1.pk, "rating": "3"}).status_code == 302
    assert sorted(Review.objects.values_list("subject", "rating")) == [("installation_team", 5), ("staff", 4),
                                                                       ("store", 3)]
    # Reviewed subjects leave the form
    assert 'name="subject" value="store"' not in client.get("/h5/me/orders/").content.decode()


@pytest.mark.parametrize("data", [{"subject": "staff", "target": "999999", "rating": "5"},
                                  {"subject": "store", "rating": "9"},
                                  {"subject": "installation_team", "target": "x", "rating": "5"}])
def test_a_bad_review_answers_400_and_stores_nothing(client, org, customer, order, data):
    as_wechat_user(client, "o-buyer")
    response = client.post(f"/h5/me/orders/{order.pk}/review/", data)
    assert response.status_code == 400 and 'role="alert"' in response.content.decode()
    assert not Review.objects.exists()


def test_nobody_reviews_another_customers_order(client, org, order):
    CustomerFactory(store=org.store_a1, openid="o-nosy")
    as_wechat_user(client, "o-nosy")
    assert client.post(f"/h5/me/orders/{order.pk}/review/", {"subject": "store", "rating": "1"}).status_code == 404
    client.cookies.clear()
    assert client.post(f"/h5/me/orders/{order.pk}/review/", {"subject": "store", "rating": "1"}).status_code == 404
    assert not Review.objects.exists()


# --- the dashboard's reputation page -------------------------------------------------------------


def _reviews(org, team):
    north = CustomerFactory(store=org.store_b1)
    Review.objects.create(customer=CustomerFactory(store=org.store_a1), subject="installation_team",
                          installation_team=team, store=org.store_a1, rating=5, comment="徐汇的好评")
    Review.objects.create(customer=north, subject="installation_team", installation_team=team, store=org.store_b1,
                          rating=1, comment="北京的差评")


@pytest.mark.parametrize("role, sees_a1, sees_b1", [("hq", True, True), ("supervisor", True, False),
                                                    ("manager", True, False)])
def test_the_reputation_page_shows_reviews_in_scope(client, org, team, role, sees_a1, sees_b1):
    _reviews(org, team)
    client.force_login(org.user(role))
    text = client.get("/dashboard/installation-teams/").content.decode()
    assert team.name in text
    assert ("徐汇的好评" in text) is sees_a1 and ("北京的差评" in text) is sees_b1


@pytest.mark.parametrize("role", ["assistant", "partner"])
def test_floor_staff_do_not_get_the_reputation_dashboard(client, org, team, role):
    client.force_login(org.user(role))
    assert client.get("/dashboard/installation-teams/").status_code == 302


def test_the_dashboard_nav_links_to_the_reputation_page(client, org):
    client.force_login(org.user("manager"))
    assert 'href="/dashboard/installation-teams/"' in client.get("/dashboard/").content.decode()


def test_payment_record_outside_the_tab_still_lifts_status(org, customer, order):
    # A sanity check the tab relies on: the partial shows what is still due.
    payment_record(order=order, kind="deposit", amount="598")
    order.refresh_from_db()
    assert order.status == Order.Status.DEPOSIT_PAID


def test_an_order_not_yet_shipped_is_cancelled_from_the_tab_with_a_reason(client, org, customer, order):
    client.force_login(org.user("assistant"))
    assert client.post(_url(customer, f"{order.pk}/cancel/"), {"reason": ""}, **HTMX).status_code == 400
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
    assert client.post(_url(customer, f"{order.pk}/cancel/"), {"reason": "客户改选其他款"}, **HTMX).status_code == 200
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED and "客户改选其他款" in order.note


def test_a_shipped_order_offers_no_cancel_and_refuses_one(client, org, customer, order):
    logistics_record(order=order, node=LogisticsEvent.Node.SHIPPED)
    client.force_login(org.user("assistant"))
    assert f"{order.pk}/cancel/" not in client.get(_url(customer)).content.decode()
    response = client.post(_url(customer, f"{order.pk}/cancel/"), {"reason": "x"}, **HTMX)
    assert response.status_code == 400 and "无法再取消" in response.content.decode()  # "…can no longer be cancelled."


@pytest.mark.parametrize("page", ["workbench", "h5"])
def test_the_order_pages_cost_the_same_queries_for_one_order_or_many(client, org, customer, product, installer,
                                                                     django_assert_max_num_queries, page):
    def add_installed_order():
        new = order_create(customer=customer, items=[ItemInput(product=product)], staff=org.assistant)
        payment_record(order=new, kind="in_store", amount=new.amount)
        logistics_record(order=new, node=LogisticsEvent.Node.INSTALLED, installer=installer)

    if page == "workbench":
        client.force_login(org.user("assistant"))
        url = _url(customer)
    else:
        as_wechat_user(client, "o-buyer")
        url = "/h5/me/orders/"
    add_installed_order()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        assert client.get(url, **HTMX).status_code == 200
    for _ in range(4):
        add_installed_order()
    with django_assert_max_num_queries(len(one.captured_queries)):
        text = client.get(url, **HTMX).content.decode()
    assert text.count('<section class="order-card') == 5
