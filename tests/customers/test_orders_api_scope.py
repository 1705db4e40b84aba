"""Scope of the order, redemption, review and after-sales APIs beyond the rows themselves (ORG-3):
filter choices come from the caller's scope and an id outside it answers exactly like a missing
one; writes need the order's customer in scope; only bookable installers can be booked; an
after-sales case only links the customer's own orders."""

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from customers.errors import CustomerError
from customers.ledgers import points_add, points_redeem
from customers.models import AfterSalesRecord, Customer, LogisticsEvent, Order, Payment, PointsRedemption, Review
from customers.orders import ItemInput, installers_for, logistics_record, order_create
from stores.models import Role, Staff, Store

from ..factories import CustomerFactory, InstallationTeamFactory, OrderFactory, PointsRewardFactory, StaffFactory
from .commerce import customer, installer, product, team  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    """An API client that chose English (messages are matched against the English text)."""
    client = APIClient()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def as_(api, org, role):
    api.force_authenticate(org.user(role))
    return api


def missing_id(model) -> int:
    return (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000


@pytest.fixture
def order(org, customer, product):
    return order_create(customer=customer, items=[ItemInput(product=product)], staff=org.assistant)


@pytest.fixture
def north(org):
    """Region B: a customer with an order, a redemption and a review, an assistant and a team."""
    north_assistant = Staff.objects.get(user__username="t-north")
    buyer = CustomerFactory(store=org.store_b1, owner_assistant=north_assistant, name="北方客户甲")
    sold = OrderFactory(customer=buyer, number="NORTH-ORDER-1")
    points_add(customer=buyer, points=100)
    redemption = points_redeem(customer=buyer, reward=PointsRewardFactory(points_cost=10, stock=None))
    team = InstallationTeamFactory(name="北方安装队")
    team.stores.add(org.store_b1)
    review = Review.objects.create(customer=buyer, order=sold, subject="installation_team", installation_team=team,
                                   store=org.store_b1, staff=north_assistant, rating=3)
    return {"customer": buyer, "order": sold, "redemption": redemption, "team": team, "review": review,
            "assistant": north_assistant}


def same_answer(api, url, params_a, params_b):
    a, b = api.get(url, params_a), api.get(url, params_b)
    return (a.status_code, a.json()) == (b.status_code, b.json()), a


# --- 1. filters: choices from the scope; out of scope answers like missing --------------------------


@pytest.mark.parametrize("role", ["manager", "assistant", "supervisor", "partner"])
def test_an_order_filter_on_a_customer_out_of_scope_answers_like_a_missing_one(api, org, north, role):
    as_(api, org, role)
    same, answer = same_answer(api, "/api/v1/orders/", {"customer": north["customer"].pk},
                               {"customer": missing_id(Customer)})
    assert same and answer.status_code == 200 and answer.json()["count"] == 0


@pytest.mark.parametrize("name, value, missing", [
    ("store", lambda org, north: org.store_b1.pk, lambda: missing_id(Store)),
    ("assistant", lambda org, north: north["assistant"].pk, lambda: missing_id(Staff)),
])
@pytest.mark.parametrize("role", ["manager", "assistant", "partner"])
def test_an_order_filter_on_a_store_or_staff_out_of_scope_answers_like_a_missing_one(api, org, north, role, name,
                                                                                    value, missing):
    as_(api, org, role)
    same, answer = same_answer(api, "/api/v1/orders/", {name: value(org, north)}, {name: missing()})
    assert same and answer.status_code == 400


def test_order_filters_in_scope_still_filter(api, org, customer, order, north):
    as_(api, org, "manager")
    assert [row["id"] for row in api.get("/api/v1/orders/", {"customer": customer.pk}).json()["results"]] == [order.pk]
    by_store = api.get("/api/v1/orders/", {"store": org.store_a1.pk})
    assert by_store.status_code == 200 and by_store.json()["count"] == Order.objects.filter(store=org.store_a1).count()
    by_assistant = api.get("/api/v1/orders/", {"assistant": org.assistant.pk}).json()
    assert by_assistant["count"] == Order.objects.filter(assistant=org.assistant).count()
    assert as_(api, org, "hq").get("/api/v1/orders/", {"customer": north["customer"].pk}).json()["count"] == 1


@pytest.mark.parametrize("role", ["partner", "manager", "assistant"])
def test_the_browsable_filter_forms_name_nothing_out_of_scope(api, org, north, role):
    """The HTML filter form of each list offers only the caller's stores, staff and teams, and
    lists no customer or order at all (they are filtered by id)."""
    as_(api, org, role)
    foreign = [org.store_b1.name, north["assistant"].name, north["customer"].name, north["team"].name,
               north["order"].number]
    for url in ("/api/v1/orders/", "/api/v1/points-redemptions/", "/api/v1/reviews/"):
        page = api.get(url, {"format": "api"}, HTTP_ACCEPT="text/html")
        assert page.status_code == 200, url
        html = page.content.decode()
        assert "<form" in html, url
        for text in foreign:
            assert text not in html, (url, text)
        for name in Customer.objects.values_list("name", flat=True):
            assert f">{name}<" not in html, (url, name)


@pytest.mark.parametrize("params", [
    lambda org, north: ({"customer": north["customer"].pk}, {"customer": missing_id(Customer)}),
    lambda org, north: ({"store": org.store_b1.pk}, {"store": missing_id(Store)}),
])
def test_redemption_filters_out_of_scope_answer_like_missing(api, org, north, params):
    as_(api, org, "manager")
    out_of_scope, missing = params(org, north)
    same, answer = same_answer(api, "/api/v1/points-redemptions/", out_of_scope, missing)
    assert same and answer.status_code in (200, 400)
    if answer.status_code == 200:
        assert answer.json()["count"] == 0


@pytest.mark.parametrize("params", [
    lambda org, north: ({"store": org.store_b1.pk}, {"store": missing_id(Store)}),
    lambda org, north: ({"staff": north["assistant"].pk}, {"staff": missing_id(Staff)}),
    lambda org, north: ({"installation_team": north["team"].pk}, {"installation_team": north["team"].pk + 1000}),
    lambda org, north: ({"order": north["order"].pk}, {"order": missing_id(Order)}),
])
@pytest.mark.parametrize("role", ["manager", "partner"])
def test_review_filters_out_of_scope_answer_like_missing(api, org, north, params, role):
    as_(api, org, role)
    out_of_scope, missing = params(org, north)
    same, answer = same_answer(api, "/api/v1/reviews/", out_of_scope, missing)
    assert same and answer.status_code in (200, 400)
    if answer.status_code == 200:
        assert answer.json()["count"] == 0


def test_head_office_filters_reviews_and_redemptions_by_anything(api, org, north):
    as_(api, org, "hq")
    for params in ({"store": org.store_b1.pk}, {"staff": north["assistant"].pk},
                   {"installation_team": north["team"].pk}, {"order": north["order"].pk}):
        assert [row["id"] for row in api.get("/api/v1/reviews/", params).json()["results"]] == [north["review"].pk]
    for params in ({"store": org.store_b1.pk}, {"customer": north["customer"].pk}):
        rows = api.get("/api/v1/points-redemptions/", params).json()["results"]
        assert [row["id"] for row in rows] == [north["redemption"].pk]


# --- 2. writes need the order's customer in scope -----------------------------------------------------


@pytest.fixture
def handed_over(org, order, customer):
    """The assistant sold ``order``; then the customer was handed over to a colleague."""
    Customer.objects.filter(pk=customer.pk).update(owner_assistant=org.colleague)
    return order


@pytest.mark.parametrize("tail, payload", [
    ("payments/", {"kind": "in_store", "amount": "1.00"}),
    ("logistics/", {"node": "shipped"}),
    ("cancel/", {}),
])
def test_the_old_assistant_no_longer_writes_on_a_handed_over_customers_order(api, org, handed_over, tail, payload):
    as_(api, org, "assistant")
    assert api.get(f"/api/v1/orders/{handed_over.pk}/").status_code == 200  # still sees the sale
    response = api.post(f"/api/v1/orders/{handed_over.pk}/{tail}", payload, format="json")
    assert response.status_code == 404
    handed_over.refresh_from_db()
    assert handed_over.status == Order.Status.PENDING
    assert not Payment.objects.filter(order=handed_over).exists()
    assert not LogisticsEvent.objects.filter(order=handed_over).exists()


def test_the_store_manager_still_writes_on_it(api, org, handed_over):
    as_(api, org, "manager")
    paid = api.post(f"/api/v1/orders/{handed_over.pk}/payments/", {"kind": "in_store", "amount": "1.00"},
                    format="json")
    assert paid.status_code == 201
    assert api.post(f"/api/v1/orders/{handed_over.pk}/cancel/", {}, format="json").status_code == 200


def test_an_order_whose_customer_moved_store_takes_no_write_from_the_old_store(api, org, order, customer):
    Customer.objects.filter(pk=customer.pk).update(store=org.store_b1, owner_assistant=None)
    as_(api, org, "manager")
    assert api.get(f"/api/v1/orders/{order.pk}/").status_code == 200
    assert api.post(f"/api/v1/orders/{order.pk}/payments/", {"kind": "in_store", "amount": "1.00"},
                    format="json").status_code == 404
    assert not Payment.objects.exists()


def test_points_writes_of_a_handed_over_customer_are_404_for_the_old_assistant(api, org, customer):
    reward = PointsRewardFactory(points_cost=10, stock=None)
    points_add(customer=customer, points=100)
    redemption = points_redeem(customer=customer, reward=reward)
    Customer.objects.filter(pk=customer.pk).update(owner_assistant=org.colleague)
    as_(api, org, "assistant")
    assert api.post(f"/api/v1/customers/{customer.pk}/redeem/", {"reward": reward.pk}).status_code == 404
    as_(api, org, "assistant")
    assert api.post(f"/api/v1/points-redemptions/{redemption.pk}/reverse/", {"reason": "x"}).status_code == 404
    assert PointsRedemption.objects.get().status == "redeemed" and PointsRedemption.objects.count() == 1


# --- 3. only bookable installers ------------------------------------------------------------------------


@pytest.fixture
def far_installer(org):
    """An installer of store B1 (region B), in no team serving A1."""
    return StaffFactory(role=Role.INSTALLER, store=org.store_b1, name="远方师傅", user__username="t-far-installer")


def test_logistics_refuses_an_installer_of_another_store(org, customer, product, far_installer, in_english):
    order = order_create(customer=customer, items=[ItemInput(product=product)], staff=org.assistant)
    with pytest.raises(CustomerError, match="Only an installer of the order's store"):
        logistics_record(order=order, node=LogisticsEvent.Node.INSTALLED, installer=far_installer)
    with pytest.raises(CustomerError, match="Only an installer of the order's store"):
        logistics_record(order=order, node=LogisticsEvent.Node.INSTALLED, installer=org.colleague)  # not an installer
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING and not LogisticsEvent.objects.exists()


def test_logistics_books_the_stores_and_its_teams_installers(org, customer, product, installer, team):
    # A member of a team serving A1, though employed at A2.
    crew = StaffFactory(role=Role.INSTALLER, store=org.store_a2, installation_team=team, name="队员",
                        user__username="t-crew")
    assert set(installers_for(Order(store=org.store_a1))) == {installer, crew}
    order = order_create(customer=customer, items=[ItemInput(product=product)], staff=org.assistant)
    event = logistics_record(order=order, node=LogisticsEvent.Node.SHIPPED, installer=crew)
    assert event.installer == crew


def test_the_api_refuses_an_installer_not_bookable_like_a_missing_one(api, org, order, far_installer, installer):
    as_(api, org, "assistant")
    url = f"/api/v1/orders/{order.pk}/logistics/"
    far = api.post(url, {"node": "shipped", "installer": far_installer.pk}, format="json")
    missing = api.post(url, {"node": "shipped", "installer": missing_id(Staff)}, format="json")
    assert far.status_code == missing.status_code == 400
    assert far.json() == missing.json() and "installer" in far.json()
    assert far_installer.name not in far.content.decode()
    assert not LogisticsEvent.objects.exists()
    booked = api.post(url, {"node": "shipped", "installer": installer.pk}, format="json")
    assert booked.status_code == 201 and booked.json()["logistics"][0]["installer"] == installer.pk


# --- 4. after-sales links the customer's own orders only ----------------------------------------------


def test_an_after_sales_case_refuses_another_customers_order_like_a_missing_one(api, org, customer, order, north):
    as_(api, org, "assistant")
    url = f"/api/v1/customers/{customer.pk}/after-sales/"
    theirs = api.post(url, {"kind": "repair", "description": "x", "order": north["order"].pk}, format="json")
    missing = api.post(url, {"kind": "repair", "description": "x", "order": missing_id(Order)}, format="json")
    assert theirs.status_code == missing.status_code == 400
    assert theirs.json() == missing.json() and "order" in theirs.json()
    assert not AfterSalesRecord.objects.exists()
    own = api.post(url, {"kind": "repair", "description": "漏水", "order": order.pk}, format="json")
    assert own.status_code == 201 and own.json()["order"] == order.pk


def test_the_after_sales_form_lists_only_the_customers_orders(api, org, customer, order, north):
    other = OrderFactory(customer=CustomerFactory(store=org.store_a1, owner_assistant=org.assistant),
                         number="SAME-STORE-OTHER")
    as_(api, org, "assistant")
    page = api.get(f"/api/v1/customers/{customer.pk}/after-sales/", {"format": "api"}, HTTP_ACCEPT="text/html")
    html = page.content.decode()
    assert page.status_code == 200 and order.number in html
    assert north["order"].number not in html and other.number not in html
