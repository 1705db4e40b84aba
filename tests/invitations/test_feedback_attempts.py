"""Each call the assistant records is one attempt in the phone invitation log (seed 003), with the
channel, grade and group invitation; reaching a customer counts as a contact for the cap (INV-11)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from customers.models import IntentGradeChange
from invitations.errors import InvitationError
from invitations.models import InvitationAttempt
from invitations.services import invitation_feedback_record, invitation_task_dispatch
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(org):
    customer = CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, intent_grade="B")
    task = invitation_task_dispatch(actor=org.manager.user, store=org.store_a1, customer_ids=[customer.pk],
                                    title="周末到店")
    return task.entries.get()


def test_an_attempt_is_logged_with_grade_channel_and_group(org, entry):
    invitation_feedback_record(actor=org.assistant.user, entry=entry, contact="reached", intent="yes",
                               channel="phone", grade="a", group_invited=True, note="周六上午")

    attempt = InvitationAttempt.objects.get(entry=entry)
    assert (attempt.channel, attempt.contact, attempt.intent, attempt.grade, attempt.group_invited, attempt.note) == (
        "phone", "reached", "yes", "A", True, "周六上午")
    assert (attempt.assistant, attempt.store, attempt.customer) == (org.assistant, org.store_a1, entry.customer)
    entry.customer.refresh_from_db()
    assert entry.customer.intent_grade == "A"
    change = IntentGradeChange.objects.get(customer=entry.customer)
    assert (change.from_grade, change.to_grade, change.changed_by) == ("B", "A", org.assistant)
    assert entry.customer.last_contacted_at == attempt.at


def test_intent_answered_right_after_reached_is_the_same_call(org, entry):
    invitation_feedback_record(actor=org.assistant.user, entry=entry, contact="reached")
    invitation_feedback_record(actor=org.assistant.user, entry=entry, contact="reached", intent="no", grade="D")

    attempt = InvitationAttempt.objects.get(entry=entry)
    assert (attempt.contact, attempt.intent, attempt.grade) == ("reached", "no", "D")


def test_a_later_call_is_a_new_attempt(org, entry):
    invitation_feedback_record(actor=org.assistant.user, entry=entry, contact="contact_failed", grade="C")
    InvitationAttempt.objects.update(at=timezone.now() - timedelta(hours=3))
    invitation_feedback_record(actor=org.assistant.user, entry=entry, contact="reached")
    InvitationAttempt.objects.filter(contact="reached").update(at=timezone.now() - timedelta(hours=1))
    invitation_feedback_record(actor=org.assistant.user, entry=entry, contact="reached", intent="yes")

    assert list(InvitationAttempt.objects.order_by("at", "id").values_list("contact", "intent")) == [
        ("contact_failed", ""), ("reached", ""), ("reached", "yes")]


def test_a_failed_call_is_not_a_contact(org, entry):
    invitation_feedback_record(actor=org.assistant.user, entry=entry, contact="contact_failed")
    entry.customer.refresh_from_db()
    assert entry.customer.last_contacted_at is None


@pytest.mark.parametrize("changes", [{"channel": "carrier pigeon"}, {"grade": "E"}])
def test_unknown_channel_or_grade_changes_nothing(org, entry, changes, in_english):
    with pytest.raises(InvitationError):
        invitation_feedback_record(actor=org.assistant.user, entry=entry, contact="reached", **changes)
    entry.refresh_from_db()
    entry.customer.refresh_from_db()
    assert entry.contact == "" and not InvitationAttempt.objects.exists()
    assert entry.customer.intent_grade == "B" and entry.customer.last_contacted_at is None


def test_a_failed_call_after_reaching_keeps_the_invitation_and_its_window(org, entry):
    invitation_feedback_record(actor=org.assistant.user, entry=entry, contact="reached", intent="yes")
    entry.refresh_from_db()
    reached_at = entry.feedback_at
    InvitationAttempt.objects.update(at=timezone.now() - timedelta(hours=2))

    invitation_feedback_record(actor=org.assistant.user, entry=entry, contact="contact_failed")
    invitation_feedback_record(actor=org.assistant.user, entry=entry, contact="reached")

    entry.refresh_from_db()
    assert (entry.contact, entry.intent, entry.feedback_at) == ("reached", "yes", reached_at)
    assert InvitationAttempt.objects.filter(entry=entry).count() == 3  # every call is in the log


def test_failed_then_reached_starts_the_window_at_the_reach(org, entry):
    invitation_feedback_record(actor=org.assistant.user, entry=entry, contact="contact_failed")
    invitation_feedback_record(actor=org.assistant.user, entry=entry, contact="reached", intent="no")

    entry.refresh_from_db()
    reached = InvitationAttempt.objects.get(entry=entry, contact="reached")
    assert (entry.contact, entry.intent, entry.feedback_at) == ("reached", "no", reached.at)
