"""The invitation task API (contract in the issue brief): dispatch, list, detail with metrics,
end, urge, entries and feedback, scoped for every role (out of scope is 404)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.conf import settings
from rest_framework.test import APIClient

from invitations.models import InvitationEntry, InvitationTask
from invitations.services import invitation_task_dispatch
from tests.conftest import ROLES
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

TASKS = "/api/v1/invitations/tasks/"
ENTRIES = "/api/v1/invitations/entries/"


def client_for(org, role):
    """An integrator's client, reading messages in English (the API speaks the user's language)."""
    api = APIClient()
    api.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    api.force_authenticate(org.user(role))
    return api


@pytest.fixture
def customers(org):
    return [CustomerFactory(store=org.store_a1, owner_assistant=owner, is_wecom_friend=True)
            for owner in (org.assistant, org.assistant, org.colleague)]


@pytest.fixture
def task(org, customers):
    return invitation_task_dispatch(actor=org.manager.user, store=org.store_a1, customer_ids=[c.pk for c in customers])


def test_dispatch_answers_201_with_the_task(org, customers):
    payload = {"store": org.store_a1.pk, "customers": [c.pk for c in customers]}
    response = client_for(org, "manager").post(TASKS, payload, format="json")
    assert response.status_code == 201, response.data
    assert response.data["method"] == "one_to_one" and response.data["status"] == "running"
    assert response.data["customer_count"] == 3
    assert response.data["metrics"]["awaiting_feedback"] == 3


def test_dispatch_with_a_deadline(org, customers):
    deadline = (timezone.now() + timedelta(days=3)).replace(microsecond=0)
    response = client_for(org, "manager").post(
        TASKS, {"store": org.store_a1.pk, "customers": [customers[0].pk], "method": "group_send",
                "deadline": deadline.isoformat(), "title": "店庆"}, format="json")
    assert response.status_code == 201, response.data
    task = InvitationTask.objects.get()
    assert (task.title, task.method, task.deadline) == ("店庆", "group_send", deadline)


def test_dispatch_refusal_names_the_customers_and_reasons(org, customers, in_english):
    outside = CustomerFactory(store=org.store_a2, owner_assistant=org.other_store_assistant)
    response = client_for(org, "manager").post(
        TASKS, {"store": org.store_a1.pk, "customers": [customers[0].pk, outside.pk]}, format="json")
    assert response.status_code == 400
    assert response.data["refused"] == [{"customer": outside.pk, "reason": "not found or outside your scope"}]
    assert "nothing was dispatched" in str(response.data["detail"])
    assert not InvitationTask.objects.exists()


@pytest.mark.parametrize("body", [
    {"customers": []},
    {"method": "fax"},
    {"deadline": "2001-01-01T00:00:00Z"},
    {"control_share": "0.8"},
])
def test_bad_dispatch_input_is_400(org, customers, body):
    payload = {"store": org.store_a1.pk, "customers": [customers[0].pk], **body}
    response = client_for(org, "manager").post(TASKS, payload, format="json")
    assert response.status_code == 400
    assert not InvitationTask.objects.exists()


def test_dispatch_for_a_store_out_of_scope_is_404(org):
    customer = CustomerFactory(store=org.store_b1, owner_assistant=None)
    response = client_for(org, "manager").post(TASKS, {"store": org.store_b1.pk, "customers": [customer.pk]},
                                               format="json")
    assert response.status_code == 404


def test_dispatch_race_lost_is_409(org, customers, monkeypatch):
    # the unique index fires when another dispatch committed after this one's check
    from django.db import IntegrityError

    import invitations.services as services

    def collide(*args, **kwargs):
        raise IntegrityError("invitation_one_running_task_per_customer")

    monkeypatch.setattr(services, "bulk_insert", collide)
    response = client_for(org, "manager").post(TASKS, {"store": org.store_a1.pk, "customers": [customers[0].pk]},
                                               format="json")
    assert response.status_code == 409
    assert not InvitationTask.objects.exists()


# which roles see the store A1 task: HQ, region A's supervisor, A1's manager and A1's floor staff
SEES_TASK = {"hq": True, "supervisor": True, "manager": True, "assistant": True, "partner": False, "outsider": False}


@pytest.mark.parametrize("role", ROLES)
def test_task_list_and_detail_scope(org, task, role):
    api = client_for(org, role)
    listing = api.get(TASKS)
    detail = api.get(f"{TASKS}{task.pk}/")
    assert listing.status_code == 200
    ids = [t["id"] for t in listing.data["results"]]
    assert (task.pk in ids) is SEES_TASK[role]
    assert detail.status_code == (200 if SEES_TASK[role] else 404)


def test_other_store_manager_sees_404(org, task):
    from stores.models import Role
    from tests.factories import StaffFactory

    other = StaffFactory(role=Role.STORE_MANAGER, store=org.store_b1)
    api = APIClient()
    api.force_authenticate(other.user)
    assert api.get(f"{TASKS}{task.pk}/").status_code == 404
    assert api.post(f"{TASKS}{task.pk}/end/").status_code == 404
    assert api.post(f"{TASKS}{task.pk}/urge/").status_code == 404


def test_list_filters_by_store_and_status(org, task):
    api = client_for(org, "hq")
    running = api.get(TASKS, {"store": org.store_a1.pk, "status": "running"}).data["results"]
    assert [t["id"] for t in running] == [task.pk]
    assert api.get(TASKS, {"status": "ended"}).data["results"] == []
    assert api.get(TASKS, {"store": org.store_a2.pk}).data["results"] == []


def test_detail_shows_metrics_per_assistant(org, task):
    data = client_for(org, "manager").get(f"{TASKS}{task.pk}/").data
    assert data["deadline"] and data["status"] == "running" and data["method"] == "one_to_one"
    per = {row["assistant_id"]: row for row in data["metrics"]["per_assistant"]}
    assert per[org.assistant.pk]["awaiting_feedback"] == 2 and per[org.colleague.pk]["awaiting_feedback"] == 1
    assert data["metrics"]["amount_paid"] == "0"


@pytest.mark.parametrize("role, code", [("manager", 200), ("supervisor", 200), ("hq", 200), ("assistant", 403),
                                        ("partner", 404), ("outsider", 404)])
def test_end_by_role(org, task, role, code):
    response = client_for(org, role).post(f"{TASKS}{task.pk}/end/")
    assert response.status_code == code
    task.refresh_from_db()
    assert (task.status == "ended") is (code == 200)
    if code == 200:
        assert response.data["status"] == "ended"
        assert not InvitationEntry.objects.filter(task=task, active=True).exists()


def test_urge_answers_who_was_reminded(org, task):
    org.assistant.wechat_openid = "o-a"
    org.assistant.save()
    data = client_for(org, "manager").post(f"{TASKS}{task.pk}/urge/").data
    assert [s["id"] for s in data["reminded"]] == [org.assistant.pk]
    assert [s["id"] for s in data["without_wechat"]] == [org.colleague.pk]


def test_mine_lists_the_assistants_own_todo_without_control(org, task):
    mine = task.entries.filter(assistant=org.assistant).order_by("pk")
    InvitationEntry.objects.filter(pk=mine[0].pk).update(is_control=True)
    data = client_for(org, "assistant").get(ENTRIES, {"task": task.pk, "mine": 1}).data
    assert [e["id"] for e in data["results"]] == [mine[1].pk]
    assert data["results"][0]["channel"] == "wecom"


@pytest.mark.parametrize("role, visible", [("assistant", 2), ("manager", 3), ("hq", 3), ("partner", 0)])
def test_entries_scope(org, task, role, visible):
    response = client_for(org, role).get(ENTRIES, {"task": task.pk})
    assert len(response.data["results"]) == visible


def test_feedback_by_the_assistant(org, task):
    entry = task.entries.filter(assistant=org.assistant).first()
    api = client_for(org, "assistant")
    response = api.post(f"{ENTRIES}{entry.pk}/feedback/", {"contact": "reached", "intent": "yes", "note": "周末"},
                        format="json")
    assert response.status_code == 200, response.data
    assert (response.data["contact"], response.data["intent"]) == ("reached", "yes")


@pytest.mark.parametrize("role, body, code", [
    ("assistant", {"contact": "bogus"}, 400),
    ("assistant", {"contact": "contact_failed", "intent": "yes"}, 400),
    ("colleague", {"contact": "reached"}, 404),   # another assistant's entry is out of their scope
    ("manager", {"contact": "reached"}, 403),     # visible, but only the assistant records feedback
    ("partner", {"contact": "reached"}, 404),
])
def test_feedback_refused_changes_nothing(org, task, role, body, code):
    entry = task.entries.filter(assistant=org.assistant).first()
    response = client_for(org, role).post(f"{ENTRIES}{entry.pk}/feedback/", body, format="json")
    assert response.status_code == code
    assert response.data["detail"]
    entry.refresh_from_db()
    assert entry.contact == "" and entry.feedback_at is None


def test_feedback_on_an_ended_task_is_400(org, task):
    entry = task.entries.filter(assistant=org.assistant).first()
    client_for(org, "manager").post(f"{TASKS}{task.pk}/end/")
    response = client_for(org, "assistant").post(f"{ENTRIES}{entry.pk}/feedback/", {"contact": "reached"},
                                                 format="json")
    assert response.status_code == 400


def test_control_entries_are_hidden_from_their_assistant_but_not_the_manager(org, task):
    control = task.entries.filter(assistant=org.assistant).first()
    InvitationEntry.objects.filter(pk=control.pk).update(is_control=True)
    assistant_ids = [e["id"] for e in client_for(org, "assistant").get(ENTRIES).data["results"]]
    manager_ids = [e["id"] for e in client_for(org, "manager").get(ENTRIES).data["results"]]
    assert control.pk not in assistant_ids and control.pk in manager_ids
    assert client_for(org, "assistant").get(f"{ENTRIES}{control.pk}/").status_code == 404


@pytest.mark.parametrize("role, code", [("hq", 201), ("supervisor", 201), ("manager", 201), ("assistant", 403),
                                        ("partner", 404), ("outsider", 404)])
def test_dispatch_by_role(org, customers, role, code):
    response = client_for(org, role).post(TASKS, {"store": org.store_a1.pk, "customers": [customers[0].pk]},
                                          format="json")
    assert response.status_code == code
    assert InvitationTask.objects.exists() is (code == 201)
