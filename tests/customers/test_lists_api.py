"""``GET /api/v1/customers/``: shape, filters and scope (issue 4); the detail with profile and figures."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from customers.models import Customer, Order

from ..conftest import ROLES
from ..factories import CustomerFactory, OrderFactory
from .lists_data import rich_customer, tagged


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_a_row_shows_store_owner_grade_tags_and_next_follow_up(org):
    customer = rich_customer(org.assistant)
    row = next(r for r in api(org.user("manager")).get("/api/v1/customers/").json()["results"]
               if r["id"] == customer.pk)
    assert (row["store"], row["store_name"]) == (org.store_a1.pk, org.store_a1.name)
    assert (row["owner_assistant"], row["owner_assistant_name"]) == (org.assistant.pk, org.assistant.name)
    assert row["intent_grade"] == "A"
    assert row["next_follow_up_on"] == customer.next_follow_up_on.isoformat()
    assert {(t["name"], t["source"]) for t in row["tags"]} == {("厨房改造", "manual"), ("老客户", "manual")}
    assert row["mobile"] == customer.masked_mobile and customer.mobile not in str(row)


@pytest.mark.parametrize("value", ["name", "id"])
def test_filter_by_tag_name_or_id(org, value):
    customer = tagged(CustomerFactory(store=org.store_a1, owner_assistant=org.assistant), "全屋定制")
    tag = customer.tag_links.get().tag
    found = ids(api(org.user("hq")).get("/api/v1/customers/", {"tag": tag.name if value == "name" else tag.pk}))
    assert found == {customer.pk}


@pytest.mark.parametrize("field", ["store", "owner_assistant", "intent_grade", "openid"])
def test_the_issues_filters(org, field):
    # Given a customer of store A2 with a grade and an openid
    wanted = CustomerFactory(store=org.store_a2, owner_assistant=org.other_store_assistant, intent_grade="B",
                             openid="o-api")
    value = {"store": org.store_a2, "owner_assistant": org.other_store_assistant, "intent_grade": "B",
             "openid": "o-api"}[field]
    # when HQ filters by one of them
    found = ids(api(org.user("hq")).get("/api/v1/customers/", {field: getattr(value, "pk", value)}))
    # then exactly the customers with that value come back
    assert wanted.pk in found
    assert found == set(Customer.objects.filter(**{field: value}).values_list("pk", flat=True))


def test_an_unknown_grade_is_a_clear_400(org):
    response = api(org.user("hq")).get("/api/v1/customers/", {"intent_grade": "Z"})
    assert response.status_code == 400
    assert "intent_grade" in response.json()


@pytest.mark.parametrize("role", ROLES)
def test_every_role_lists_exactly_its_scope(org, role):
    user = org.user(role)
    expected = set(Customer.objects.visible_to(user).values_list("pk", flat=True))
    response = api(user).get("/api/v1/customers/")
    if role == "outsider" or role == "partner":
        assert response.status_code == 403 or ids(response) == set()
        return
    assert ids(response) == expected


@pytest.mark.parametrize("role, sees", [("hq", True), ("supervisor", False), ("manager", False),
                                        ("assistant", False), ("partner", False), ("outsider", False)])
def test_another_regions_customer_is_404_like_a_missing_one(org, role, sees):
    north = Customer.objects.get(store=org.store_b1)
    client = api(org.user(role))
    assert client.get(f"/api/v1/customers/{north.pk}/").status_code == (200 if sees else 404)
    assert client.get("/api/v1/customers/999999/").status_code == 404


def test_a_manager_sees_only_their_stores_customers(org):
    found = ids(api(org.user("manager")).get("/api/v1/customers/"))
    assert found and found == set(Customer.objects.filter(store=org.store_a1).values_list("pk", flat=True))


def test_detail_adds_profile_and_figures(org):
    customer = rich_customer(org.assistant)
    OrderFactory(customer=customer, amount="999.00", status=Order.Status.CANCELLED)  # not counted
    body = api(org.user("assistant")).get(f"/api/v1/customers/{customer.pk}/").json()
    assert body["profile"]["notes"] == "想要 400 坑距马桶"
    assert Decimal(body["profile"]["budget"]) == Decimal("30000")
    assert body["summary"]["orders_count"] == 2
    assert Decimal(body["summary"]["orders_amount"]) == Decimal("1250.50")
    assert body["summary"]["points_balance"] == 60  # the newest entry's balance_after (100, then -40)
    assert Decimal(body["summary"]["stored_value_balance"]) == Decimal("500")
    assert body["summary"]["follow_ups_count"] == 1
    assert {t["source"] for t in body["tags"]} == {"manual"}


def test_detail_of_a_customer_without_profile_or_ledgers(org):
    customer = CustomerFactory(store=org.store_a1, owner_assistant=org.assistant)
    body = api(org.user("assistant")).get(f"/api/v1/customers/{customer.pk}/").json()
    assert body["profile"] is None
    assert body["summary"]["orders_count"] == 0 and body["summary"]["points_balance"] == 0


def test_the_schema_still_builds_with_the_customer_endpoints(client, db):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/customers/{id}/" in schema.content and b"owner_assistant" in schema.content
