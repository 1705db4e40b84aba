"""Profile API (CUS-1..5) under /api/v1/customers/<id>/...: scoped (404 out of scope), writes
through the services, refused writes are 400 with a message and change nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from customers.models import AfterSalesRecord, Customer, CustomerProfile, CustomerTag, FollowUp, IntentGradeChange
from tests.conftest import ROLES
from tests.factories import CustomerFactory, OrderFactory, TagFactory

pytestmark = pytest.mark.django_db
EXPECTED = {"hq": 200, "supervisor": 200, "manager": 200, "assistant": 200, "partner": 404, "outsider": 404}


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def mine(org):
    return CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, name="王芳", mobile="13812345678",
                           intent_grade="B")


def base(customer) -> str:
    return f"/api/v1/customers/{customer.pk}/"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("tail", ["profile/", "grade-changes/", "tags/", "follow-ups/", "after-sales/"])
def test_reads_follow_the_scope(org, mine, role, tail):
    assert api(org.user(role)).get(base(mine) + tail).status_code == EXPECTED[role]


@pytest.mark.parametrize("role", ["colleague", "other_store_assistant"])
def test_writes_out_of_scope_are_404(org, mine, role):
    client = api(getattr(org, role).user)
    assert client.post(base(mine) + "grade/", {"grade": "A"}).status_code == 404
    assert client.patch(base(mine) + "profile/", {"name": "x"}, format="json").status_code == 404
    assert client.post(base(mine) + "follow-ups/", {"kind": "call", "outcome": "reached"}).status_code == 404
    assert not IntentGradeChange.objects.exists() and not FollowUp.objects.exists()


def test_anonymous_is_refused(mine):
    assert APIClient().get(base(mine) + "profile/").status_code in (401, 403)


def test_profile_read_masks_the_mobile(org, mine):
    data = api(org.user("assistant")).get(base(mine) + "profile/").json()
    assert data["masked_mobile"] == "138****5678" and "mobile" not in data
    assert data["profile"] is None and data["intent_grade"] == "B"


def test_profile_patch_updates_stage_1_and_stages_2_3_together(org, mine):
    response = api(org.user("assistant")).patch(base(mine) + "profile/", {
        "community": "万科城", "mobile": "+86 139 1234 5678",
        "profile": {"budget": "60000.00", "rooms": ["kitchen"], "household_size": 3}}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["profile"]["rooms"] == ["kitchen"]
    stored = Customer.objects.get(pk=mine.pk)
    assert (stored.community, stored.mobile) == ("万科城", "13912345678")
    assert CustomerProfile.objects.get(customer=mine).household_size == 3


def test_a_bad_patch_is_400_and_changes_nothing(org, mine):
    response = api(org.user("assistant")).patch(base(mine) + "profile/", {
        "community": "万科城", "profile": {"rooms": ["garage"]}}, format="json")
    assert response.status_code == 400 and response.json()["detail"]
    assert Customer.objects.get(pk=mine.pk).community == ""  # stage 1 rolled back with it
    bad_mobile = api(org.user("assistant")).patch(base(mine) + "profile/", {"mobile": "123"}, format="json")
    assert bad_mobile.status_code == 400 and "detail" in bad_mobile.json()


def test_grade_set_with_history_and_no_op_when_unchanged(org, mine):
    client = api(org.user("assistant"))
    first = client.post(base(mine) + "grade/", {"grade": "A", "note": "到店"})
    assert first.status_code == 201 and first.json()["change"]["from_grade"] == "B"
    again = client.post(base(mine) + "grade/", {"grade": "A"})
    assert again.status_code == 200 and again.json()["change"] is None
    history = client.get(base(mine) + "grade-changes/").json()
    assert [row["to_grade"] for row in history["results"]] == ["A"]
    assert client.post(base(mine) + "grade/", {"grade": "Q"}).status_code == 400


def test_tags_add_by_id_or_name_and_remove(org, mine):
    client = api(org.user("assistant"))
    tag = TagFactory(name="看厨房")
    assert client.post(base(mine) + "tags/", {"tag": tag.pk}).status_code == 201
    names = [row["name"] for row in client.post(base(mine) + "tags/", {"name": "预算高"}).json()]
    assert names == sorted(["看厨房", "预算高"])
    removed = client.delete(base(mine) + f"tags/{tag.pk}/")
    assert removed.status_code == 200 and removed.json()["source"] == "manual"
    assert client.delete(base(mine) + f"tags/{tag.pk}/").status_code == 404
    assert client.post(base(mine) + "tags/", {}).status_code == 400
    assert list(CustomerTag.objects.filter(customer=mine).values_list("tag__name", flat=True)) == ["预算高"]


def test_follow_ups_create_and_list(org, mine):
    client = api(org.user("assistant"))
    next_on = (timezone.localdate() + timedelta(days=2)).isoformat()
    created = client.post(base(mine) + "follow-ups/", {"kind": "visit", "outcome": "visited", "note": "来店了",
                                                       "next_follow_up_on": next_on})
    assert created.status_code == 201 and created.json()["suggested_grade"] == "A"
    assert Customer.objects.get(pk=mine.pk).next_follow_up_on.isoformat() == next_on
    listed = client.get(base(mine) + "follow-ups/").json()["results"]
    assert [row["note"] for row in listed] == ["来店了"] and listed[0]["staff"] == org.assistant.name
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    refused = client.post(base(mine) + "follow-ups/", {"kind": "call", "outcome": "reached", "next_follow_up_on": past})
    assert refused.status_code == 400 and refused.json()["detail"]


def test_after_sales_create_and_resolve(org, mine):
    client = api(org.user("assistant"))
    order = OrderFactory(customer=mine)
    created = client.post(base(mine) + "after-sales/", {"kind": "repair", "description": "漏水", "order": order.pk})
    assert created.status_code == 201
    record_id = created.json()["id"]
    assert client.post(base(mine) + f"after-sales/{record_id}/resolve/").json()["status"] == "resolved"
    assert client.post(base(mine) + f"after-sales/{record_id}/resolve/").status_code == 400
    other = OrderFactory(customer=CustomerFactory(store=org.store_a1, owner_assistant=org.assistant))
    assert client.post(base(mine) + "after-sales/", {"kind": "repair", "description": "x",
                                                     "order": other.pk}).status_code == 400
    assert AfterSalesRecord.objects.count() == 1


def test_due_follow_ups_of_the_caller(org, mine):
    today = timezone.localdate()
    Customer.objects.filter(pk=mine.pk).update(next_follow_up_on=today - timedelta(days=1))
    CustomerFactory(store=org.store_a1, owner_assistant=org.colleague, next_follow_up_on=today)
    rows = api(org.user("assistant")).get("/api/v1/follow-ups/due/").json()["results"]
    assert [(row["id"], row["overdue"]) for row in rows] == [(mine.pk, True)]


def test_rule_fields_and_preview_in_scope(org, mine):
    client = api(org.user("assistant"))
    fields = {row["field"] for row in client.get("/api/v1/customer-rules/fields/").json()}
    assert {"intent_grade", "orders_amount", "points_balance", "tag"} <= fields
    CustomerFactory(store=org.store_b1, intent_grade="B")  # not the assistant's
    preview = client.post("/api/v1/customer-rules/preview/",
                          {"conditions": [{"field": "intent_grade", "op": "eq", "value": "B"}]}, format="json")
    assert preview.json() == {"count": 1}
    bad = client.post("/api/v1/customer-rules/preview/",
                      {"conditions": [{"field": "nope", "op": "eq", "value": 1}]}, format="json")
    assert bad.status_code == 400 and "nope" in bad.json()["detail"]


def test_the_main_customer_detail_still_answers(org, mine):
    """The nested routes must not shadow the customers API's own detail route."""
    assert api(org.user("assistant")).get(base(mine)).status_code == 200
