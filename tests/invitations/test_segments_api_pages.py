"""The segment API (the contract) and dashboard pages, for every role (ORG-3): a store outside the
caller's scope answers 404 like a missing one."""

from datetime import date

import pytest
from django.test import Client
from django.utils import timezone

from invitations.models import Segment
from invitations.segments import segment_unassign
from tests.conftest import ROLES
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

BIRTHDAY = "birthday_this_month"
# Which stores each role may open segments of (None: refused before any store).
IN_SCOPE = {
    "hq": {"store_a1", "store_a2", "store_b1"},
    "supervisor": {"store_a1", "store_a2"},
    "manager": {"store_a1"},
    "assistant": {"store_a1"},
}


@pytest.fixture
def birthdays(org):
    month = timezone.localdate().month
    mine = CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, birthday=date(1990, month, 8),
                           mobile="13912345678", name="王女士")
    elsewhere = CustomerFactory(store=org.store_a1, owner_assistant=org.other_store_assistant,
                                birthday=date(1990, month, 9))
    for store, owner in ((org.store_a2, org.other_store_assistant), (org.store_b1, None)):
        CustomerFactory(store=store, owner_assistant=owner, birthday=date(1990, month, 10))
    return mine, elsewhere


def _client(org, role):
    client = Client()
    client.force_login(org.user(role))
    return client


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("store_name", ["store_a1", "store_a2", "store_b1"])
def test_segment_list_api_is_scoped(org, birthdays, role, store_name):
    store = getattr(org, store_name)

    response = _client(org, role).get("/api/v1/invitations/segments/", {"store": store.pk})

    if role == "outsider" or role == "partner":
        assert response.status_code in (403, 404)
    elif store_name in IN_SCOPE[role]:
        assert response.status_code == 200
        assert {"key", "name", "count"} <= set(response.json()[0])
    else:
        assert response.status_code == 404


def test_segment_list_api_figures(org, birthdays):
    response = _client(org, "manager").get("/api/v1/invitations/segments/", {"store": org.store_a1.pk})

    birthday = next(s for s in response.json() if s["key"] == BIRTHDAY)
    assert birthday["count"] == 1 and birthday["not_selectable"] == 1 and birthday["name"] == "本月生日"


def test_segment_customers_api_contract(org, birthdays):
    mine, elsewhere = birthdays

    response = _client(org, "manager").get(f"/api/v1/invitations/segments/{BIRTHDAY}/customers/",
                                          {"store": org.store_a1.pk})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1 and body["invitable"] == 1
    row = body["results"][0]
    reason = row.pop("reason")
    assert row == {"id": mine.pk, "name": "王女士", "mobile": "139****5678",
                   "owner_assistant": {"id": org.assistant.pk, "name": org.assistant.name}, "inviting": False,
                   "last_contacted_at": None, "capped_until": None}
    assert reason.endswith(f" {timezone.localdate().month:02d}-08")  # "生日 12-08" in the request's language


@pytest.mark.parametrize("params, status", [
    ({}, 400), ({"store": "x"}, 400), ({"store": 999999}, 404), ({"include_inviting": "maybe"}, 400),
])
def test_segment_customers_api_bad_input(org, birthdays, params, status):
    query = {"store": org.store_a1.pk, **params} if "store" not in params and params else params
    if "include_inviting" in params:
        query = {"store": org.store_a1.pk, **params}

    response = _client(org, "manager").get(f"/api/v1/invitations/segments/{BIRTHDAY}/customers/", query)

    assert response.status_code == status


def test_unknown_or_removed_segment_is_404(org, birthdays):
    client = _client(org, "manager")
    url = "/api/v1/invitations/segments/{}/customers/"

    assert client.get(url.format("nope"), {"store": org.store_a1.pk}).status_code == 404
    segment_unassign(segment=Segment.objects.get(key=BIRTHDAY), store=org.store_a1)
    assert client.get(url.format(BIRTHDAY), {"store": org.store_a1.pk}).status_code == 404


def test_store_outside_scope_is_404_for_segment_customers(org, birthdays):
    response = _client(org, "manager").get(f"/api/v1/invitations/segments/{BIRTHDAY}/customers/",
                                           {"store": org.store_b1.pk})

    assert response.status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_segment_page_by_role(org, birthdays, role):
    response = _client(org, role).get("/dashboard/invitations/", {"store": org.store_a1.pk})

    if role in ("hq", "supervisor", "manager"):
        assert response.status_code == 200
        assert "本月生日" in response.content.decode()
    else:  # the floor and outsiders never reach the dashboard
        assert response.status_code == 302


@pytest.mark.parametrize("role, store_name, status", [
    ("manager", "store_a2", 404), ("supervisor", "store_b1", 404), ("supervisor", "store_a2", 200),
    ("hq", "store_b1", 200),
])
def test_segment_pages_of_a_store_outside_scope_are_404(org, birthdays, role, store_name, status):
    store = getattr(org, store_name)
    client = _client(org, role)

    assert client.get("/dashboard/invitations/", {"store": store.pk}).status_code == status
    assert client.get(f"/dashboard/invitations/segments/{BIRTHDAY}/", {"store": store.pk}).status_code == status


def test_manager_lands_on_own_store_and_htmx_gets_the_partial(org, birthdays):
    client = _client(org, "manager")

    full = client.get("/dashboard/invitations/")
    partial = client.get("/dashboard/invitations/", {"store": org.store_a1.pk}, headers={"HX-Request": "true"})

    assert full.status_code == 200 and "<html" in full.content.decode()
    assert full.context["store"] == org.store_a1
    assert partial.status_code == 200 and "<html" not in partial.content.decode()
    assert "segment-card" in partial.content.decode()


def test_segment_detail_page_lists_selectable_with_dispatch_form(org, birthdays):
    mine, elsewhere = birthdays

    response = _client(org, "manager").get(f"/dashboard/invitations/segments/{BIRTHDAY}/", {"store": org.store_a1.pk})

    html = response.content.decode()
    assert response.status_code == 200
    assert f'value="{mine.pk}"' in html and f'value="{elsewhere.pk}"' not in html
    assert 'name="method" value="one_to_one" checked' in html
    assert 'action="/dashboard/invitations/dispatch/"' in html
    deadline = timezone.localtime(timezone.now() + timezone.timedelta(days=30)).strftime("%Y-%m-%d")
    assert f'name="deadline" value="{deadline}' in html
    assert response.context["not_selectable"] == 1


def test_segment_detail_unknown_key_is_404(org, birthdays):
    response = _client(org, "manager").get("/dashboard/invitations/segments/nope/", {"store": org.store_a1.pk})

    assert response.status_code == 404


def test_include_inviting_shows_and_flags_customers_in_a_running_task(org, birthdays):
    from datetime import timedelta

    from invitations.models import InvitationEntry, InvitationTask

    mine, _elsewhere = birthdays
    task = InvitationTask.objects.create(store=org.store_a1, title="t", created_by=org.manager,
                                         deadline=timezone.now() + timedelta(days=30))
    InvitationEntry.objects.create(task=task, customer=mine, assistant=org.assistant, store=org.store_a1,
                                   channel=InvitationEntry.Channel.PHONE)
    client = _client(org, "manager")
    url = f"/api/v1/invitations/segments/{BIRTHDAY}/customers/"

    hidden = client.get(url, {"store": org.store_a1.pk}).json()
    shown = client.get(url, {"store": org.store_a1.pk, "include_inviting": "true"}).json()
    listed = client.get("/api/v1/invitations/segments/", {"store": org.store_a1.pk, "include_inviting": "true"}).json()
    page = client.get(f"/dashboard/invitations/segments/{BIRTHDAY}/", {"store": org.store_a1.pk,
                                                                      "include_inviting": "true"})

    assert hidden["count"] == 0
    assert [(r["id"], r["inviting"]) for r in shown["results"]] == [(mine.pk, True)]
    assert next(s for s in listed if s["key"] == BIRTHDAY)["count"] == 1
    assert "badge-inviting" in page.content.decode()


def test_segment_detail_htmx_returns_the_table_only(org, birthdays):
    response = _client(org, "manager").get(f"/dashboard/invitations/segments/{BIRTHDAY}/",
                                           {"store": org.store_a1.pk}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and "segment-table" in html
