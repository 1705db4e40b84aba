"""Dispatching from a segment (I1's ``segment_customers``): reasons carried to the entries, the
seed 002 FAQ end to end through the real dispatch, and a removed segment refused."""

from datetime import date

import pytest
from django.utils import timezone

from invitations.errors import InvitationError
from invitations.models import InvitationTask, Segment
from invitations.segments import segment_customers, segment_unassign
from invitations.services import invitation_task_dispatch, invitation_task_end
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

BIRTHDAY = "birthday_this_month"


def birthday_customers(org, n):
    month = timezone.localdate().month
    return [CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, birthday=date(1990, month, 1 + i % 28))
            for i in range(n)]


def shown(org):
    return segment_customers(key=BIRTHDAY, store=org.store_a1, viewer=org.manager.user).count()


def test_entries_carry_the_segment_reason(org):
    customers = birthday_customers(org, 3)
    task = invitation_task_dispatch(actor=org.manager.user, store=org.store_a1, customer_ids=[c.pk for c in customers],
                                    segment_key=BIRTHDAY)
    assert task.segment == Segment.objects.get(key=BIRTHDAY)
    reasons = dict(task.entries.values_list("customer_id", "reason"))
    expected = dict(segment_customers(key=BIRTHDAY, store=org.store_a1, viewer=org.manager.user,
                                      include_inviting=True).values_list("pk", "reason"))
    assert reasons == {c.pk: expected[c.pk] for c in customers}
    assert all(reasons.values())


def test_faq_100_birthdays_20_invited_80_shown_then_100_after_ending(org):
    customers = birthday_customers(org, 100)
    assert shown(org) == 100
    task = invitation_task_dispatch(actor=org.manager.user, store=org.store_a1,
                                    customer_ids=[c.pk for c in customers[:20]], segment_key=BIRTHDAY)
    assert task.entries.count() == 20
    assert shown(org) == 80
    invitation_task_end(actor=org.manager.user, task=task)
    assert shown(org) == 100


def test_a_removed_segment_cannot_be_dispatched_from(org):
    customers = birthday_customers(org, 2)
    segment_unassign(segment=Segment.objects.get(key=BIRTHDAY), store=org.store_a1)
    with pytest.raises(InvitationError):
        invitation_task_dispatch(actor=org.manager.user, store=org.store_a1, customer_ids=[c.pk for c in customers],
                                 segment_key=BIRTHDAY)
    assert not InvitationTask.objects.exists()
