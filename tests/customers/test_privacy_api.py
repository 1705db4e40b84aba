"""Privacy API (CUS-11): every role against reveal, masked contact, consents, audit log, PIPL."""

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from customers.models import AuditLog, Consent, Customer, Order, PrivacyRequest
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def mine(org):
    return CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, mobile="13812341234")


def api(user=None) -> APIClient:
    client = APIClient()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # assertions read the English source strings
    if user is not None:
        client.force_authenticate(user)
    return client


# Expected status per role for one customer of the assistant in store A1.
REVEAL = {"hq": 200, "supervisor": 200, "manager": 200, "assistant": 200, "partner": 403, "outsider": 403}


@pytest.mark.parametrize("role", list(REVEAL))
def test_reveal_mobile_by_role(org, mine, role):
    response = api(org.user(role)).post(f"/api/v1/customers/{mine.pk}/reveal-mobile/")

    assert response.status_code == REVEAL[role]
    logged = AuditLog.objects.filter(action="reveal_mobile", customer_ref=mine.pk)
    if REVEAL[role] == 200:
        assert response.json()["mobile"] == "13812341234"
        assert logged.get().detail == {"surface": "api"}
    else:
        assert "13812341234" not in response.content.decode() and not logged.exists()


def test_reveal_out_of_scope_is_404_like_missing(org, mine):
    response = api(org.other_store_assistant.user).post(f"/api/v1/customers/{mine.pk}/reveal-mobile/")
    missing = api(org.other_store_assistant.user).post("/api/v1/customers/999999/reveal-mobile/")

    assert response.status_code == missing.status_code == 404
    assert not AuditLog.objects.exists()


def test_reveal_needs_sign_in(mine):
    assert api().post(f"/api/v1/customers/{mine.pk}/reveal-mobile/").status_code in (401, 403)


def test_reveal_over_the_cap_is_400_with_the_reason(org, mine, settings):
    settings.PRIVACY_REVEALS_PER_DAY = 0

    response = api(org.assistant.user).post(f"/api/v1/customers/{mine.pk}/reveal-mobile/")

    assert response.status_code == 400 and "limit" in response.json()["detail"]


@pytest.mark.parametrize("role, expected", [("assistant", 201), ("manager", 201), ("partner", 403),
                                            ("outsider", 403)])
def test_masked_contact_by_role(org, mine, role, expected):
    if role in ("assistant", "manager"):
        staff = getattr(org, role)
        staff.phone = "13900000009"
        staff.save()

    response = api(org.user(role)).post(f"/api/v1/customers/{mine.pk}/masked-contact/")

    assert response.status_code == expected
    if expected == 201:
        body = response.json()
        assert body["virtual_number"].startswith("170") and "13812341234" not in response.content.decode()
        assert AuditLog.objects.get().action == "masked_call"


def test_masked_contact_without_own_phone_is_400(org, mine):
    org.assistant.phone = ""
    org.assistant.save()

    response = api(org.assistant.user).post(f"/api/v1/customers/{mine.pk}/masked-contact/")

    assert response.status_code == 400 and "staff record" in response.json()["detail"]


def test_consents_list_and_create(org, mine):
    client = api(org.assistant.user)

    created = client.post(f"/api/v1/customers/{mine.pk}/consents/",
                          {"purpose": "marketing", "granted": False, "source": "in_store"}, format="json")
    listed = client.get(f"/api/v1/customers/{mine.pk}/consents/")

    assert created.status_code == 201 and created.json()["recorded_by"] == org.assistant.pk
    assert [c["granted"] for c in listed.json()] == [False]
    mine.refresh_from_db()
    assert mine.marketing_opt_out is True


@pytest.mark.parametrize("body", [{"purpose": "spam", "granted": True, "source": "h5"},
                                  {"purpose": "marketing", "source": "h5"}])
def test_bad_consent_is_400_and_stores_nothing(org, mine, body):
    response = api(org.assistant.user).post(f"/api/v1/customers/{mine.pk}/consents/", body, format="json")

    assert response.status_code == 400 and not Consent.objects.exists()


@pytest.mark.parametrize("role", ["partner", "outsider", "other_store_assistant"])
def test_consents_of_a_customer_out_of_scope(org, mine, role):
    user = org.other_store_assistant.user if role == "other_store_assistant" else org.user(role)

    assert api(user).get(f"/api/v1/customers/{mine.pk}/consents/").status_code == 404


@pytest.mark.parametrize("role", ["hq", "supervisor", "manager", "assistant", "partner", "outsider"])
def test_audit_log_is_read_by_head_office_only(org, mine, role):
    api(org.hq.user).post(f"/api/v1/customers/{mine.pk}/reveal-mobile/")
    api(org.assistant.user).post(f"/api/v1/customers/{mine.pk}/reveal-mobile/")

    response = api(org.user(role)).get("/api/v1/audit-log/")

    if role == "hq":
        assert response.status_code == 200
        rows = response.json()["results"]
        assert {r["actor"] for r in rows} == {org.hq.user.pk, org.assistant.user.pk}
        assert all(r["action"] == "reveal_mobile" and r["customer_ref"] == mine.pk for r in rows)
    else:
        assert response.status_code == 403 or response.json()["results"] == []


def test_audit_log_filters_and_refuses_writes(org, mine):
    api(org.assistant.user).post(f"/api/v1/customers/{mine.pk}/reveal-mobile/")
    api(org.hq.user).post(f"/api/v1/customers/{mine.pk}/pipl-export/")
    client = api(org.hq.user)

    exports = client.get("/api/v1/audit-log/", {"action": "pipl_export"}).json()["results"]
    by_assistant = client.get("/api/v1/audit-log/", {"actor": org.assistant.user.pk}).json()["results"]

    assert [r["action"] for r in exports] == ["pipl_export"]
    assert [r["action"] for r in by_assistant] == ["reveal_mobile"]
    entry = AuditLog.objects.first()
    assert client.delete(f"/api/v1/audit-log/{entry.pk}/").status_code == 405
    assert client.post("/api/v1/audit-log/", {"action": "export"}).status_code == 405


@pytest.mark.parametrize("role, expected", [("hq", 200), ("supervisor", 403), ("manager", 403),
                                            ("assistant", 403), ("partner", 403), ("outsider", 403)])
def test_pipl_export_and_erase_are_head_office_only(org, mine, role, expected):
    exported = api(org.user(role)).post(f"/api/v1/customers/{mine.pk}/pipl-export/")
    erased = api(org.user(role)).post(f"/api/v1/customers/{mine.pk}/erase/")

    assert exported.status_code == erased.status_code == expected
    mine.refresh_from_db()
    if expected == 200:
        assert exported.json()["customer"]["mobile"] == "13812341234"
        assert mine.erased_at is not None and erased.json()["id"] == mine.pk
    else:
        assert mine.erased_at is None and mine.mobile == "13812341234"


def test_pipl_export_is_a_post_and_a_get_changes_nothing(org, mine):
    """A link, a prefetch or a cross-site image must not audit an export nor close a copy request."""
    request = PrivacyRequest.objects.create(customer=mine, kind="copy")
    client = api(org.hq.user)

    fetched = client.get(f"/api/v1/customers/{mine.pk}/pipl-export/")

    request.refresh_from_db()
    assert fetched.status_code == 405
    assert not AuditLog.objects.exists() and request.status == "pending"

    exported = client.post(f"/api/v1/customers/{mine.pk}/pipl-export/")

    request.refresh_from_db()
    assert exported.status_code == 200 and exported.json()["customer"]["id"] == mine.pk
    assert AuditLog.objects.get().action == "pipl_export" and request.status == "done"


def test_erase_over_the_api_keeps_figures_and_repeats_harmlessly(org, mine):
    client = api(org.hq.user)
    before = (Customer.objects.count(), Order.objects.count())

    first = client.post(f"/api/v1/customers/{mine.pk}/erase/")
    second = client.post(f"/api/v1/customers/{mine.pk}/erase/")

    assert first.status_code == second.status_code == 200
    assert first.json()["erased_at"] == second.json()["erased_at"]
    assert (Customer.objects.count(), Order.objects.count()) == before
    assert AuditLog.objects.filter(action="erasure").count() == 1


def test_customers_api_never_shows_a_full_number(org, mine):
    listed = api(org.hq.user).get("/api/v1/customers/").content.decode()
    detail = api(org.hq.user).get(f"/api/v1/customers/{mine.pk}/").content.decode()

    assert "13812341234" not in listed and "13812341234" not in detail
    assert "138****1234" in detail
