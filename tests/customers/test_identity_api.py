"""The API of one person, one customer (CUS-12): merges, candidates, households, in every role's scope."""

import pytest
from rest_framework.test import APIClient

from customers.models import Consent, PageType, Share
from customers.models.identity import CustomerMerge
from customers.households import household_join
from customers.privacy import consent_record
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def twins(org):
    a = CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, name="李建国", mobile="13700002222")
    b = CustomerFactory(store=org.store_a1, owner_assistant=org.colleague, name="李先生", mobile="13700002222")
    return a, b


def test_the_manager_lists_candidates_merges_and_head_office_undoes(org, twins):
    a, b = twins
    manager = api(org.user("manager"))
    found = manager.get("/api/v1/customers/duplicates/").json()
    assert [(x["first"]["id"], x["second"]["id"], x["why"]) for x in found] == [(a.pk, b.pk, "手机号相同")]
    assert found[0]["first"]["mobile"] == "137****2222"  # masked
    created = manager.post("/api/v1/customers/merges/", {"survivor": a.pk, "merged": b.pk}, format="json")
    assert created.status_code == 201 and created.json()["reason"] == "confirmed"
    merge_id = created.json()["id"]
    assert manager.get("/api/v1/customers/duplicates/").json() == []
    refused = manager.post(f"/api/v1/customers/merges/{merge_id}/undo/", {"reason": "误合并"}, format="json")
    assert refused.status_code == 400 and "总部" in refused.json()["detail"]
    undone = api(org.user("hq")).post(f"/api/v1/customers/merges/{merge_id}/undo/", {"reason": "误合并"},
                                      format="json")
    assert undone.status_code == 200 and undone.json()["undone_at"]


def test_bad_merges_get_a_reason_and_out_of_scope_customers_are_not_found(org, twins):
    a, b = twins
    manager = api(org.user("manager"))
    itself = manager.post("/api/v1/customers/merges/", {"survivor": a.pk, "merged": a.pk}, format="json")
    assert itself.status_code == 400 and "自己" in itself.json()["detail"]
    north = CustomerFactory(store=org.store_b1)
    assert manager.post("/api/v1/customers/merges/", {"survivor": a.pk, "merged": north.pk},
                        format="json").status_code == 404
    assert not CustomerMerge.objects.exists()


def test_dismissing_a_pair(org, twins):
    a, b = twins
    manager = api(org.user("manager"))
    assert manager.post("/api/v1/customers/duplicates/dismiss/", {"first": a.pk, "second": b.pk},
                        format="json").status_code == 204
    assert manager.get("/api/v1/customers/duplicates/").json() == []


@pytest.mark.parametrize("role,sees", [("hq", 2), ("supervisor", 2), ("manager", 2), ("assistant", 2),
                                       ("other_store_assistant", 0), ("partner", 0)])
def test_households_in_each_roles_scope(org, role, sees):
    sharer = CustomerFactory(store=org.store_a1, owner_assistant=org.assistant)
    member = CustomerFactory(store=org.store_a1, owner_assistant=org.assistant)
    consent_record(customer=sharer, purpose=Consent.Purpose.HOUSEHOLD, granted=True, source=Consent.Source.H5)
    household_join(member=member, share=Share.objects.create(sharer=sharer, page_type=PageType.PRODUCT, page_id=1))
    user = org.other_store_assistant.user if role == "other_store_assistant" else org.user(role)
    response = api(user).get("/api/v1/customers/households/")
    rows = response.json().get("results", response.json()) if response.status_code == 200 else []
    assert len(rows) == sees
