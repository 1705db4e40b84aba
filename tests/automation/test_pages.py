"""The dashboard's journeys, the API and the admin, for every role: journeys offered to the
viewer's stores, figures of the viewer's stores only; out of scope is 404."""

import pytest
from django.contrib.auth import get_user_model

from automation.models import Journey, JourneyDelivery
from automation.services import journey_run
from tests.conftest import ROLES
from tests.factories import CustomerFactory, OrderFactory

from .conftest import NOW, at, make_journey

pytestmark = pytest.mark.django_db


@pytest.fixture
def journeys(org):
    """One all-stores journey reaching a customer in each of A1 (the assistant's), A2 and B1, and
    one journey for B1 only."""
    everywhere = make_journey(name="沉睡唤醒全店")
    north_only = make_journey(name="北京店专享", stores=[org.store_b1])
    for store, owner in ((org.store_a1, org.assistant), (org.store_a2, org.other_store_assistant),
                         (org.store_b1, None)):
        customer = CustomerFactory(store=store, owner_assistant=owner, openid=f"o-{store.pk}")
        OrderFactory(customer=customer, placed_at=at(100))
    journey_run(journey=everywhere, now=NOW)
    journey_run(journey=north_only, now=NOW)
    return everywhere, north_only


# role: (dashboard status, reached of the all-stores journey, sees the B1-only journey)
EXPECTED = {"hq": (200, 3, True), "supervisor": (200, 2, False), "manager": (200, 1, False),
            "assistant": (302, 1, False), "partner": (302, None, False), "outsider": (302, None, False)}


@pytest.mark.parametrize("role", ROLES)
def test_dashboard_list_and_detail_by_role(client, org, journeys, role):
    everywhere, north_only = journeys
    client.force_login(org.user(role))
    status, reached, sees_north = EXPECTED[role]
    page = client.get("/dashboard/journeys/")
    assert page.status_code == status
    if status != 200:
        return
    html = page.content.decode()
    assert "沉睡唤醒全店" in html and ("北京店专享" in html) is sees_north
    assert ("使用此模板" in html) is (role == "hq")  # the templates gallery is head office's
    detail = client.get(f"/dashboard/journeys/{everywhere.pk}/")
    assert detail.status_code == 200
    assert detail.content.decode().count('class="delivery"') == reached
    assert client.get(f"/dashboard/journeys/{north_only.pk}/").status_code == (200 if sees_north else 404)


@pytest.mark.parametrize("role", ROLES)
def test_api_journeys_and_results_by_role(client, org, journeys, role):
    everywhere, north_only = journeys
    client.force_login(org.user(role))
    _status, reached, sees_north = EXPECTED[role]
    listed = client.get("/api/v1/automation/journeys/")
    if reached is None:
        assert listed.status_code in (200, 403)
        assert listed.status_code == 403 or not listed.json()["results"]
        return
    rows = {row["name"]: row for row in listed.json()["results"]}
    assert rows["沉睡唤醒全店"]["results"]["reached"] == reached
    assert ("北京店专享" in rows) is sees_north
    results = client.get(f"/api/v1/automation/journeys/{everywhere.pk}/results/").json()
    assert results["reached"] == reached and results["matched"] == reached
    assert client.get(f"/api/v1/automation/journeys/{north_only.pk}/").status_code == (200 if sees_north else 404)


def test_head_office_makes_a_journey_from_a_template_in_the_admin(client, org):
    admin = get_user_model().objects.create_superuser("t-admin", "a@example.com", "x")
    client.force_login(admin)
    listing = client.get("/admin/automation/journey/").content.decode()
    assert "?template=dormant_wakeup" in listing
    form = client.get("/admin/automation/journey/add/?template=dormant_wakeup")
    assert form.status_code == 200
    initial = form.context["adminform"].form.initial
    assert (initial["name"], initial["trigger"], initial["trigger_days"]) == ("沉睡唤醒", "dormant", 90)
    response = client.post("/admin/automation/journey/add/?template=dormant_wakeup", {
        "name": "沉睡唤醒", "status": "draft", "trigger": "dormant", "trigger_days": 90, "all_stores": "on",
        "conditions": "[]", "action": "template_message", "title": "好久不见", "body": "欢迎回店", "link": "my_coupons",
        "send_hour": 11, "attribution_days": 7})
    assert response.status_code == 302, response.content.decode()[:3000]
    journey = Journey.objects.get(template="dormant_wakeup")
    assert journey.created_by == admin and journey.status == Journey.Status.DRAFT
    # Quiet hours hold in the admin too: a send hour of 22 is refused.
    refused = client.post("/admin/automation/journey/add/", {
        "name": "夜间", "status": "draft", "trigger": "dormant", "trigger_days": 90, "all_stores": "on",
        "conditions": "[]", "action": "template_message", "title": "a", "body": "b", "link": "none",
        "send_hour": 22, "attribution_days": 7})
    assert refused.status_code == 200 and not Journey.objects.filter(name="夜间").exists()
    # "Run now" hands the journey to the worker (in process here), within the send hours only.
    from unittest import mock

    from automation.models import JourneyRun
    with mock.patch("django.utils.timezone.now", return_value=NOW.replace(hour=23)):
        client.post("/admin/automation/journey/", {"action": "run_now", "_selected_action": [journey.pk]})
    assert not JourneyRun.objects.filter(journey=journey).exists()
    Journey.objects.filter(pk=journey.pk).update(status=Journey.Status.ACTIVE)
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        client.post("/admin/automation/journey/", {"action": "run_now", "_selected_action": [journey.pk]})
    assert JourneyRun.objects.get(journey=journey).finished_at is not None
    assert client.get("/admin/automation/journeydelivery/").status_code == 200
    assert client.get("/admin/automation/journeyrun/").status_code == 200
    assert JourneyDelivery.objects.count() == 0
