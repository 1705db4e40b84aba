"""Head office sees tasks and entries in the admin, read-only; ending goes through the service."""

import pytest

from invitations.models import InvitationEntry, InvitationTask
from invitations.services import invitation_task_dispatch
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(org):
    customers = [CustomerFactory(store=org.store_a1, owner_assistant=org.assistant) for _ in range(2)]
    return invitation_task_dispatch(actor=org.manager.user, store=org.store_a1, customer_ids=[c.pk for c in customers])


@pytest.fixture
def admin_client_hq(client, org):
    user = org.hq.user
    user.is_superuser = True
    user.save()
    client.force_login(user)
    return client


def test_task_pages_are_read_only_history(admin_client_hq, task):
    listing = admin_client_hq.get("/admin/invitations/invitationtask/")
    assert listing.status_code == 200 and task.title in listing.content.decode()
    detail = admin_client_hq.get(f"/admin/invitations/invitationtask/{task.pk}/change/")
    assert detail.status_code == 200
    assert b'name="_save"' not in detail.content
    assert admin_client_hq.get("/admin/invitations/invitationtask/add/").status_code == 403
    assert admin_client_hq.get("/admin/invitations/invitationentry/").status_code == 200


def test_end_action_ends_through_the_service(admin_client_hq, task):
    response = admin_client_hq.post("/admin/invitations/invitationtask/",
                                     {"action": "end_tasks", "_selected_action": [task.pk]}, follow=True)
    assert response.status_code == 200
    task.refresh_from_db()
    assert task.status == InvitationTask.Status.ENDED
    assert not InvitationEntry.objects.filter(active=True).exists()
