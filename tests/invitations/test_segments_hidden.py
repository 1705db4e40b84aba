"""Seed 002's FAQ on segments (INV-2, INV-3): inviting customers hidden, empty segments hidden,
removed segments unusable, custom segments visible from the next day."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from invitations.errors import InvitationError
from invitations.models import InvitationEntry, InvitationTask, Segment, SegmentAssignment
from invitations.segments import (
    custom_segments_compute, segment_assign, segment_customers, segment_unassign, segments_for_store,
)
from tests.factories import CustomerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]

BIRTHDAY = "birthday_this_month"


def _birthday_customers(org, n):
    month = timezone.localdate().month
    return [CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, birthday=date(1990, month, 1 + i % 28))
            for i in range(n)]


def _invite(org, customers) -> InvitationTask:
    """A running task holding ``customers`` (made directly with the models)."""
    task = InvitationTask.objects.create(store=org.store_a1, title="生日邀约", created_by=org.manager,
                                         deadline=timezone.now() + timedelta(days=30))
    InvitationEntry.objects.bulk_create(
        InvitationEntry(task=task, customer=c, assistant=org.assistant, store=org.store_a1,
                        channel=InvitationEntry.Channel.PHONE) for c in customers)
    return task


def _count(org, key=BIRTHDAY, **kwargs):
    listed = {s["key"]: s["count"] for s in segments_for_store(store=org.store_a1, viewer=org.manager.user, **kwargs)}
    return listed.get(key)


def _ids(org, key=BIRTHDAY, **kwargs):
    return set(segment_customers(key=key, store=org.store_a1, viewer=org.manager.user, **kwargs)
               .values_list("pk", flat=True))


def test_faq_100_birthdays_20_invited_shows_80_then_100_again(org):
    customers = _birthday_customers(org, 100)
    task = _invite(org, customers[:20])

    assert _count(org) == 80
    assert _ids(org) == {c.pk for c in customers[20:]}
    assert _count(org, include_inviting=True) == 100
    flagged = segment_customers(key=BIRTHDAY, store=org.store_a1, viewer=org.manager.user, include_inviting=True)
    assert {c.pk for c in flagged if c.inviting} == {c.pk for c in customers[:20]}

    # the task ends (INV-8): its customers return to the segment
    InvitationEntry.objects.filter(task=task).update(active=False)
    InvitationTask.objects.filter(pk=task.pk).update(status=InvitationTask.Status.ENDED)

    assert _count(org) == 100


def test_a_segment_whose_customers_are_all_inviting_is_hidden_unless_shown(org):
    _invite(org, _birthday_customers(org, 3))

    assert _count(org) is None
    assert _count(org, include_inviting=True) == 3


def test_an_empty_segment_is_hidden(org):
    # the org's customers have orders today and no birthday, no ledgers
    keys = {s["key"] for s in segments_for_store(store=org.store_a1, viewer=org.manager.user)}

    assert keys.isdisjoint({BIRTHDAY, "stored_value", "points", "coupon_expiring", "dormant"})


def test_the_six_defaults_are_offered_to_every_store():
    assert set(SegmentAssignment.objects.filter(store=None, is_active=True).values_list("segment__key", flat=True)) \
        == {BIRTHDAY, "high_spenders_this_month", "stored_value", "points", "coupon_expiring", "dormant"}


@pytest.mark.parametrize("removed_for", ["every store", "this store"])
def test_a_removed_segment_can_no_longer_be_used_at_once(org, removed_for):
    _birthday_customers(org, 2)
    segment = Segment.objects.get(key=BIRTHDAY)

    segment_unassign(segment=segment, store=None if removed_for == "every store" else org.store_a1)

    assert _count(org) is None
    with pytest.raises(InvitationError):
        segment_customers(key=BIRTHDAY, store=org.store_a1, viewer=org.manager.user)


def test_removing_for_one_store_keeps_it_for_the_others(org):
    _birthday_customers(org, 1)
    CustomerFactory(store=org.store_a2, owner_assistant=org.other_store_assistant,
                    birthday=date(1990, timezone.localdate().month, 2))

    segment_unassign(segment=Segment.objects.get(key=BIRTHDAY), store=org.store_a1)

    other = {s["key"] for s in segments_for_store(store=org.store_a2, viewer=org.hq.user)}
    assert BIRTHDAY in other and _count(org) is None


def test_a_re_offered_recommended_segment_is_visible_at_once(org):
    _birthday_customers(org, 1)
    segment = Segment.objects.get(key=BIRTHDAY)
    segment_unassign(segment=segment, store=None)

    segment_assign(segment=segment, store=None)

    assert _count(org) == 1


def test_a_custom_segment_is_visible_from_the_next_day(org):
    grade_a = CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, intent_grade="A")
    CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, intent_grade="C")
    segment = Segment.objects.create(key="grade-a", name="A 类意向", kind=Segment.Kind.CUSTOM,
                                     conditions=[{"field": "intent_grade", "op": "eq", "value": "A"}])
    now = timezone.now()

    segment_assign(segment=segment, store=org.store_a1, now=now)
    custom_segments_compute(now=now)  # the nightly run

    assert _count(org, "grade-a") is None  # added today: not yet
    tomorrow = now + timedelta(days=1)
    listed = {s["key"]: s for s in segments_for_store(store=org.store_a1, viewer=org.manager.user, now=tomorrow)}
    assert listed["grade-a"]["count"] == 1 and listed["grade-a"]["kind"] == "custom"
    members = segment_customers(key="grade-a", store=org.store_a1, viewer=org.manager.user, now=tomorrow)
    assert [(c.pk, c.reason) for c in members] == [(grade_a.pk, "A 类意向")]


def test_a_custom_segment_removed_is_unusable_at_once_even_with_members(org):
    CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, intent_grade="A")
    segment = Segment.objects.create(key="grade-a", name="A 类意向", kind=Segment.Kind.CUSTOM,
                                     conditions=[{"field": "intent_grade", "op": "eq", "value": "A"}])
    segment_assign(segment=segment, store=None)
    custom_segments_compute()
    tomorrow = timezone.now() + timedelta(days=1)

    segment_unassign(segment=segment, store=None)

    with pytest.raises(InvitationError):
        segment_customers(key="grade-a", store=org.store_a1, viewer=org.manager.user, now=tomorrow)


def test_the_nightly_run_replaces_members(org):
    customer = CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, intent_grade="A")
    segment = Segment.objects.create(key="grade-a", name="A 类意向", kind=Segment.Kind.CUSTOM,
                                     conditions=[{"field": "intent_grade", "op": "eq", "value": "A"}])
    segment_assign(segment=segment, store=None)
    assert custom_segments_compute() == {"grade-a": 1}

    customer.intent_grade = "B"
    customer.save()

    assert custom_segments_compute() == {"grade-a": 0}
    assert custom_segments_compute() == {"grade-a": 0}  # rerun: the same


def test_the_nightly_task_is_scheduled():
    from django_celery_beat.models import PeriodicTask

    assert PeriodicTask.objects.filter(task="invitations.segments_compute", enabled=True).exists()


def test_the_celery_task_computes_offered_custom_segments(org):
    from invitations.tasks import segments_compute

    CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, intent_grade="A")
    offered = Segment.objects.create(key="grade-a", name="A", kind=Segment.Kind.CUSTOM,
                                     conditions=[{"field": "intent_grade", "op": "eq", "value": "A"}])
    Segment.objects.create(key="not-offered", name="N", kind=Segment.Kind.CUSTOM,
                           conditions=[{"field": "intent_grade", "op": "eq", "value": "A"}])
    segment_assign(segment=offered, store=None)

    assert segments_compute.delay().get() == {"grade-a": 1}
    offered.refresh_from_db()
    assert offered.last_computed_at is not None
