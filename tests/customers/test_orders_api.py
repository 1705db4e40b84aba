"""API for orders, ledgers, redemptions, reviews and reputation (CUS-7..9): scope, writes
through the services, and 400 with a clear message on bad input."""

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from customers.ledgers import points_add, points_balance, points_redeem, stored_value_top_up
from customers.models import LogisticsEvent, Order, Payment, PointsRedemption, Review
from customers.orders import ItemInput, order_create
from wechat.models import Message

from ..factories import CustomerFactory, PointsRewardFactory
from .commerce import customer, installer, product, team  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    """An API client that chose English: the 400 details below are matched against the English text."""
    client = APIClient()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def as_(api, org, role):
    api.force_authenticate(org.user(role))
    return api


@pytest.fixture
def order(org, customer, product):
    return order_create(customer=customer, items=[ItemInput(product=product)], staff=org.assistant)


# Orders in the `org` fixture: A1 ×3 (assistant ×2, colleague), A2 ×1, B1 ×1; plus `order` (assistant, A1).
@pytest.mark.parametrize("role, count", [("hq", 6), ("supervisor", 5), ("manager", 4), ("assistant", 3),
                                         ("partner", 0)])
def test_the_order_list_follows_the_data_scope(api, org, order, role, count):
    response = as_(api, org, role).get("/api/v1/orders/")
    assert response.status_code == 200 and response.json()["count"] == count


def test_an_outsider_gets_nothing(api, org):
    assert as_(api, org, "outsider").get("/api/v1/orders/").json()["count"] == 0
    assert APIClient().get("/api/v1/orders/").status_code in (401, 403)


def test_orders_filter_and_nest_their_items(api, org, order):
    data = as_(api, org, "hq").get("/api/v1/orders/", {"assistant": org.assistant.pk, "status": "pending",
                                                       "channel": "in_store",
                                                       "placed_after": "2000-01-01T00:00:00Z"}).json()
    assert [row["number"] for row in data["results"]] == [order.number]
    assert data["results"][0]["items"][0]["name"] == "不锈钢水槽"


@pytest.mark.parametrize("role", ["colleague", "other_store_assistant", "partner"])
def test_an_order_out_of_scope_is_404_and_takes_no_payment(api, org, order, role):
    api.force_authenticate(getattr(org, role).user)
    assert api.get(f"/api/v1/orders/{order.pk}/").status_code == 404
    assert api.post(f"/api/v1/orders/{order.pk}/payments/", {"kind": "in_store", "amount": "1"}).status_code == 404
    assert not Payment.objects.exists()


def test_create_pay_ship_cancel_through_the_api(api, org, customer, product):
    as_(api, org, "assistant")
    created = api.post("/api/v1/orders/", {"customer": customer.pk, "channel": "online", "items": [
        {"product": product.pk, "quantity": 2}, {"name": "安装费", "unit_price": "150.00"}]}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["amount"] == "2748.00" and body["assistant"] == org.assistant.pk and len(body["items"]) == 2
    pk = body["id"]
    paid = api.post(f"/api/v1/orders/{pk}/payments/", {"kind": "full_online", "amount": "2748.00"}, format="json")
    assert paid.status_code == 201 and paid.json()["status"] == "paid"
    shipped = api.post(f"/api/v1/orders/{pk}/logistics/", {"node": "shipped", "location": "嘉兴仓"}, format="json")
    assert shipped.status_code == 201 and shipped.json()["logistics"][0]["node"] == "shipped"
    assert Message.objects.filter(key=f"logistics:{shipped.json()['logistics'][0]['id']}").count() == 1
    refused = api.post(f"/api/v1/orders/{pk}/cancel/", {}, format="json")
    assert refused.status_code == 400 and "can no longer be cancelled" in refused.json()["detail"]


@pytest.mark.parametrize("payload, field", [
    ({"items": [{"product": 1}]}, "customer"),
    ({"customer": "CUSTOMER", "items": []}, "detail"),
    ({"customer": "CUSTOMER", "items": [{"name": "x"}]}, "detail"),
    ({"customer": "CUSTOMER", "items": [{"name": "x", "unit_price": "1"}], "channel": "fax"}, "channel"),
])
def test_bad_orders_answer_400_and_store_nothing(api, org, customer, payload, field):
    if payload.get("customer") == "CUSTOMER":
        payload["customer"] = customer.pk
    before = Order.objects.count()
    response = as_(api, org, "assistant").post("/api/v1/orders/", payload, format="json")
    assert response.status_code == 400 and field in response.json()
    assert Order.objects.count() == before


def test_an_order_for_a_customer_out_of_scope_is_refused(api, org):
    north = CustomerFactory(store=org.store_b1)
    response = as_(api, org, "manager").post("/api/v1/orders/", {
        "customer": north.pk, "items": [{"name": "x", "unit_price": "1"}]}, format="json")
    assert response.status_code == 400 and not Order.objects.filter(customer=north).exists()


@pytest.mark.parametrize("payload, message", [({"kind": "in_store", "amount": "999999"}, "still due"),
                                              ({"kind": "in_store", "amount": "0"}, "more than zero")])
def test_a_refused_payment_says_why(api, org, order, payload, message):
    response = as_(api, org, "assistant").post(f"/api/v1/orders/{order.pk}/payments/", payload, format="json")
    assert response.status_code == 400 and message in response.json()["detail"]
    assert not Payment.objects.exists()


def test_a_backwards_logistics_node_is_refused(api, org, order):
    as_(api, org, "manager")
    assert api.post(f"/api/v1/orders/{order.pk}/logistics/", {"node": "arrived"}, format="json").status_code == 201
    response = api.post(f"/api/v1/orders/{order.pk}/logistics/", {"node": "shipped"}, format="json")
    assert response.status_code == 400 and "only move forward" in response.json()["detail"]
    assert LogisticsEvent.objects.filter(order=order).count() == 1


# --- ledgers -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role, status", [("assistant", 200), ("manager", 200), ("hq", 200), ("colleague", 404),
                                          ("partner", 404)])
def test_ledgers_and_balances_follow_the_scope(api, org, customer, role, status):
    points_add(customer=customer, points=80)
    stored_value_top_up(customer=customer, amount="66")
    api.force_authenticate(getattr(org, role).user)
    for tail in ("points", "stored-value", "balances"):
        assert api.get(f"/api/v1/customers/{customer.pk}/{tail}/").status_code == status
    if status == 200:
        assert api.get(f"/api/v1/customers/{customer.pk}/balances/").json() == {
            "customer": customer.pk, "points": 80, "stored_value": "66.00"}
        assert api.get(f"/api/v1/customers/{customer.pk}/points/").json()["results"][0]["balance_after"] == 80


def test_redeem_and_reverse_through_the_api(api, org, customer):
    reward = PointsRewardFactory(points_cost=50, stock=1)
    points_add(customer=customer, points=100)
    as_(api, org, "assistant")
    assert api.get("/api/v1/points-rewards/").json()["count"] == 1
    redeemed = api.post(f"/api/v1/customers/{customer.pk}/redeem/", {"reward": reward.pk}, format="json")
    assert redeemed.status_code == 201
    sold_out = api.post(f"/api/v1/customers/{customer.pk}/redeem/", {"reward": reward.pk}, format="json")
    assert sold_out.status_code == 400 and "Only 0" in sold_out.json()["detail"]
    pk = redeemed.json()["id"]
    denied = api.post(f"/api/v1/points-redemptions/{pk}/reverse/", {"reason": "退"}, format="json")
    assert denied.status_code == 400 and "store manager" in denied.json()["detail"]
    as_(api, org, "manager")
    assert api.post(f"/api/v1/points-redemptions/{pk}/reverse/", {"reason": "退"}, format="json").status_code == 200
    assert points_balance(customer) == 100


def test_redemptions_out_of_scope_are_404(api, org, customer):
    reward = PointsRewardFactory(points_cost=50, stock=None)
    points_add(customer=customer, points=100)
    redemption = points_redeem(customer=customer, reward=reward)
    as_(api, org, "other_store_assistant")
    assert api.post(f"/api/v1/points-redemptions/{redemption.pk}/reverse/", {"reason": "x"}).status_code == 404
    assert api.post(f"/api/v1/customers/{customer.pk}/redeem/", {"reward": reward.pk}).status_code == 404
    assert PointsRedemption.objects.get().status == "redeemed"


# --- reviews -------------------------------------------------------------------------------------


@pytest.fixture
def reviews(org, customer, team):
    north = CustomerFactory(store=org.store_b1)
    mine = Review.objects.create(customer=customer, subject="installation_team", installation_team=team,
                                 store=org.store_a1, rating=4, comment="不错")
    Review.objects.create(customer=north, subject="installation_team", installation_team=team, store=org.store_b1,
                          rating=2, comment="慢")
    return mine


@pytest.mark.parametrize("role, count", [("hq", 2), ("supervisor", 1), ("manager", 1), ("assistant", 1),
                                         ("partner", 0), ("outsider", 0)])
def test_reviews_and_reputation_follow_the_scope(api, org, reviews, team, role, count):
    as_(api, org, role)
    assert api.get("/api/v1/reviews/").json()["count"] == count
    reputation = api.get("/api/v1/installation-teams/reputation/").json()
    assert sum(row["count"] for row in reputation) == count


def test_only_head_office_hides_a_review_over_the_api(api, org, reviews):
    assert as_(api, org, "manager").post(f"/api/v1/reviews/{reviews.pk}/hide/").status_code == 403
    assert as_(api, org, "hq").post(f"/api/v1/reviews/{reviews.pk}/hide/").status_code == 200
    reviews.refresh_from_db()
    assert reviews.is_hidden
    assert as_(api, org, "manager").get("/api/v1/reviews/").json()["count"] == 0

