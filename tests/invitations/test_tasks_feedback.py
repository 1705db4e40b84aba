"""Feedback by the assistant (INV-7) and one-click urge (INV-9)."""

import pytest

from invitations.errors import InvitationError
from invitations.models import InvitationEntry
from invitations.services import (
    invitation_feedback_record,
    invitation_task_dispatch,
    invitation_task_end,
    invitation_task_urge,
)
from tests.factories import CustomerFactory
from wechat.models import Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(org):
    customers = [CustomerFactory(store=org.store_a1, owner_assistant=owner) for owner in
                 (org.assistant, org.assistant, org.colleague)]
    return invitation_task_dispatch(actor=org.manager.user, store=org.store_a1, customer_ids=[c.pk for c in customers])


def mine(task, staff):
    return task.entries.filter(assistant=staff).order_by("pk").first()


def test_reached_then_intent_records_feedback_once_timed(org, task):
    entry = mine(task, org.assistant)
    invitation_feedback_record(actor=org.assistant.user, entry=entry, contact="reached")
    entry.refresh_from_db()
    first = entry.feedback_at
    assert entry.contact == "reached" and entry.intent == "" and first is not None
    invitation_feedback_record(actor=org.assistant.user, entry=entry, contact="reached", intent="yes", note="周六来")
    entry.refresh_from_db()
    assert (entry.intent, entry.note, entry.feedback_at) == ("yes", "周六来", first)


def test_contact_failed(org, task):
    entry = mine(task, org.assistant)
    invitation_feedback_record(actor=org.assistant.user, entry=entry, contact="contact_failed")
    entry.refresh_from_db()
    assert entry.contact == "contact_failed" and entry.feedback_at is not None


@pytest.mark.parametrize("contact, intent, message", [
    ("maybe", "", "Unknown contact result"),
    ("", "", "Unknown contact result"),
    ("reached", "perhaps", "Unknown intent"),
    ("contact_failed", "yes", "only be recorded for a customer who was reached"),
])
def test_unknown_values_are_refused_and_nothing_changes(org, task, in_english, contact, intent, message):
    entry = mine(task, org.assistant)
    with pytest.raises(InvitationError, match=message):
        invitation_feedback_record(actor=org.assistant.user, entry=entry, contact=contact, intent=intent)
    entry.refresh_from_db()
    assert (entry.contact, entry.intent, entry.feedback_at) == ("", "", None)


@pytest.mark.parametrize("role", ["colleague", "manager", "hq", "partner", "outsider"])
def test_only_the_entrys_assistant_records_feedback(org, task, role):
    entry = mine(task, org.assistant)
    with pytest.raises(InvitationError):
        invitation_feedback_record(actor=org.user(role), entry=entry, contact="reached")
    entry.refresh_from_db()
    assert entry.contact == ""


def test_no_feedback_on_an_ended_task(org, task, in_english):
    entry = mine(task, org.assistant)
    invitation_task_end(actor=org.manager.user, task=task)
    with pytest.raises(InvitationError, match="has ended"):
        invitation_feedback_record(actor=org.assistant.user, entry=entry, contact="reached")
    entry.refresh_from_db()
    assert entry.contact == ""


def test_no_feedback_on_a_control_entry(org, task, in_english):
    entry = mine(task, org.assistant)
    InvitationEntry.objects.filter(pk=entry.pk).update(is_control=True)
    with pytest.raises(InvitationError, match="control group"):
        invitation_feedback_record(actor=org.assistant.user, entry=entry, contact="reached")


def test_urge_reminds_assistants_awaiting_feedback_once_a_day(org, task):
    # given both have customers awaiting feedback; the assistant bound WeChat, the colleague did not
    org.assistant.wechat_openid = "o-assistant"
    org.assistant.save()
    # when the manager urges twice the same day
    first = invitation_task_urge(actor=org.manager.user, task=task)
    second = invitation_task_urge(actor=org.manager.user, task=task)
    # then the assistant got one reminder, and the colleague is named as not bound
    assert first.reminded == [org.assistant] and first.without_wechat == [org.colleague]
    assert second.reminded == [org.assistant]
    reminders = Message.objects.filter(purpose="staff_reminder", staff=org.assistant)
    assert reminders.count() == 1
    reminder = reminders.get()
    assert "2" in reminder.data["thing2"]["value"]
    assert reminder.url.endswith("/m/invitations/")


def test_urge_skips_assistants_who_gave_all_feedback(org, task):
    org.colleague.wechat_openid = "o-colleague"
    org.colleague.save()
    invitation_feedback_record(actor=org.colleague.user, entry=mine(task, org.colleague), contact="reached")
    result = invitation_task_urge(actor=org.manager.user, task=task)
    assert org.colleague not in result.reminded + result.without_wechat
    assert not Message.objects.filter(staff=org.colleague).exists()


@pytest.mark.parametrize("role", ["assistant", "partner", "outsider"])
def test_floor_staff_cannot_urge(org, task, role):
    with pytest.raises(InvitationError):
        invitation_task_urge(actor=org.user(role), task=task)
    assert not Message.objects.exists()


def test_no_urge_on_an_ended_task(org, task):
    invitation_task_end(actor=org.manager.user, task=task)
    with pytest.raises(InvitationError):
        invitation_task_urge(actor=org.manager.user, task=task)
