"""The organisation API: token auth, every list in the caller's scope, HQ-only writes."""

import pytest
from rest_framework.test import APIClient

from customers.models import Customer
from stores.models import Region, Staff, Store

from ..conftest import ROLES


def client_for(user):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "url, model", [("/api/v1/regions/", Region), ("/api/v1/stores/", Store), ("/api/v1/staff/", Staff),
                   ("/api/v1/customers/", Customer)],
)
def test_lists_show_exactly_the_callers_scope(org, role, url, model):
    user = org.user(role)
    expected = set(model.objects.visible_to(user).values_list("id", flat=True))
    assert ids(client_for(user).get(url)) == expected
    if role in ("hq", "outsider", "partner"):
        return
    # ... and the scope is narrower than everything for every role below HQ.
    assert expected < set(model.objects.values_list("id", flat=True))


@pytest.mark.parametrize("role", ["supervisor", "manager", "assistant", "partner", "outsider"])
def test_out_of_scope_detail_is_404_like_a_missing_row(org, role):
    client = client_for(org.user(role))
    assert client.get(f"/api/v1/stores/{org.store_b1.pk}/").status_code == 404
    assert client.get("/api/v1/stores/999999/").status_code == 404


def test_anonymous_callers_are_refused(org):
    assert APIClient().get("/api/v1/stores/").status_code in (401, 403)


def test_token_auth(org):
    org.manager.user.set_password("Manager-pass-1")
    org.manager.user.save()
    client = APIClient()
    bad = client.post("/api/v1/auth/token/", {"username": "t-mgr", "password": "wrong"})
    assert bad.status_code == 400
    token = client.post("/api/v1/auth/token/", {"username": "t-mgr", "password": "Manager-pass-1"}).json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert ids(client.get("/api/v1/stores/")) == {org.store_a1.pk}


def test_only_hq_changes_the_organisation(org):
    payload = {"region": org.region_a.pk, "name": "新店", "code": "new-1", "city": "上海", "address": "新路 1 号"}
    assert client_for(org.user("manager")).post("/api/v1/stores/", payload).status_code == 403
    assert not Store.objects.filter(code="new-1").exists()
    response = client_for(org.user("hq")).post("/api/v1/stores/", payload)
    assert response.status_code == 201, response.content
    assert Store.objects.get(code="new-1").region == org.region_a


def test_staff_update_respects_the_role_rules(org):
    client = client_for(org.user("hq"))
    response = client.patch(f"/api/v1/staff/{org.assistant.pk}/", {"role": "region_supervisor"}, format="json")
    assert response.status_code == 400
    org.assistant.refresh_from_db()
    assert org.assistant.role == "assistant"


def test_filters_are_bounded_by_scope(org):
    """Filtering by another region's store finds nothing rather than leaking its rows."""
    client = client_for(org.user("manager"))
    response = client.get("/api/v1/customers/", {"store": org.store_b1.pk})
    assert response.status_code == 400 or ids(response) == set()


def test_customers_filter_by_owner_and_openid(org):
    client = client_for(org.user("hq"))
    mine = ids(client.get("/api/v1/customers/", {"owner_assistant": org.assistant.pk}))
    assert mine == set(Customer.objects.filter(owner_assistant=org.assistant).values_list("id", flat=True))
    customer = Customer.objects.filter(owner_assistant=org.assistant).first()
    customer.openid = "oFILTER123"
    customer.save(update_fields=["openid"])
    assert ids(client.get("/api/v1/customers/", {"openid": "oFILTER123"})) == {customer.pk}


def test_customer_list_masks_mobile_numbers(org):
    row = client_for(org.user("hq")).get("/api/v1/customers/").json()["results"][0]
    assert "****" in row["mobile"] and len(row["mobile"]) == 11


def test_openapi_schema_and_docs(client, db):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/stores/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"/static/vendor/swagger-ui/" in docs.content, "Swagger UI comes from our static files, not a CDN"
