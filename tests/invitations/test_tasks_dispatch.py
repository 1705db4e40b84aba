"""Dispatching an invitation task (INV-4..6): defaults, refusals up front, one running task per customer."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from invitations.errors import InvitationError
from invitations.models import InvitationEntry, InvitationTask
from invitations.services import DispatchRefused, invitation_task_dispatch, invitation_task_end
from stores.models import Role
from tests.factories import CustomerFactory, StaffFactory

pytestmark = pytest.mark.django_db


def customers_of(assistant, n, **kwargs):
    return [CustomerFactory(store=assistant.store, owner_assistant=assistant, **kwargs) for _ in range(n)]


def test_dispatch_defaults_to_one_to_one_and_thirty_days(org):
    # given five customers of the manager's store
    selected = customers_of(org.assistant, 5)
    before = timezone.now()
    # when the manager dispatches without method or deadline
    task = invitation_task_dispatch(actor=org.manager.user, store=org.store_a1, customer_ids=[c.pk for c in selected])
    # then the task runs 1v1 until now + 30 days, with one entry per selected customer
    assert task.method == InvitationTask.Method.ONE_TO_ONE
    assert task.status == InvitationTask.Status.RUNNING
    assert before + timedelta(days=30) <= task.deadline <= timezone.now() + timedelta(days=30)
    assert task.entries.count() == 5
    assert task.created_by == org.manager
    assert task.title


def test_each_entry_goes_to_the_owner_with_the_suggested_channel(org):
    friend = CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, is_wecom_friend=True)
    stranger = CustomerFactory(store=org.store_a1, owner_assistant=org.colleague, is_wecom_friend=False)
    task = invitation_task_dispatch(actor=org.manager.user, store=org.store_a1, customer_ids=[friend.pk, stranger.pk])
    entries = {e.customer_id: e for e in task.entries.all()}
    assert (entries[friend.pk].assistant, entries[friend.pk].channel) == (org.assistant, "wecom")
    assert (entries[stranger.pk].assistant, entries[stranger.pk].channel) == (org.colleague, "phone")
    assert {e.store_id for e in entries.values()} == {org.store_a1.pk}
    assert all(e.active and not e.is_control and e.reason == "" for e in entries.values())


def test_group_send_suggests_group_send(org):
    friend = CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, is_wecom_friend=True)
    task = invitation_task_dispatch(actor=org.manager.user, store=org.store_a1, customer_ids=[friend.pk],
                                    method="group_send")
    assert task.entries.get().channel == "group_send"


def test_deadline_must_be_in_the_future(org, in_english):
    customer = customers_of(org.assistant, 1)[0]
    with pytest.raises(InvitationError, match="deadline must be in the future"):
        invitation_task_dispatch(actor=org.manager.user, store=org.store_a1, customer_ids=[customer.pk],
                                 deadline=timezone.now() - timedelta(minutes=1))
    assert not InvitationTask.objects.exists()


@pytest.mark.parametrize("bad", [{"method": "sms_blast"}, {"control_share": "0.9"}, {"customer_ids": []}])
def test_bad_input_is_refused_and_nothing_dispatched(org, bad):
    customer = customers_of(org.assistant, 1)[0]
    kwargs = {"actor": org.manager.user, "store": org.store_a1, "customer_ids": [customer.pk], **bad}
    with pytest.raises(InvitationError):
        invitation_task_dispatch(**kwargs)
    assert not InvitationTask.objects.exists()


def test_refuses_up_front_every_customer_not_selectable_with_a_reason(org, in_english):
    # given good customers and four kinds of customers the manager cannot invite
    good = customers_of(org.assistant, 3)
    elsewhere = CustomerFactory(store=org.store_a2, owner_assistant=org.other_store_assistant)
    moved_owner = StaffFactory(role=Role.ASSISTANT, store=org.store_a2)
    owner_outside = CustomerFactory(store=org.store_a1, owner_assistant=moved_owner)
    erased = CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, erased_at=timezone.now())
    inviting = customers_of(org.colleague, 1)[0]
    invitation_task_dispatch(actor=org.manager.user, store=org.store_a1, customer_ids=[inviting.pk])
    ids = [c.pk for c in good] + [elsewhere.pk, owner_outside.pk, erased.pk, inviting.pk]
    # when the manager dispatches them all
    with pytest.raises(DispatchRefused) as refusal:
        invitation_task_dispatch(actor=org.manager.user, store=org.store_a1, customer_ids=ids)
    # then nothing is dispatched and each refused customer is named with its reason
    reasons = {r["customer"]: r["reason"] for r in refusal.value.refusals}
    assert reasons == {
        elsewhere.pk: "not found or outside your scope",
        owner_outside.pk: "the exclusive assistant is not in this store",
        erased.pk: "personal data erased",
        inviting.pk: "already in a running invitation",
    }
    assert sorted(refusal.value.customers) == sorted(reasons)
    assert InvitationTask.objects.count() == 1
    assert not InvitationEntry.objects.filter(customer__in=good).exists()


def test_the_dispatched_count_equals_the_selected_count(org):
    selected = customers_of(org.assistant, 7) + customers_of(org.colleague, 5)
    ids = [c.pk for c in selected]
    task = invitation_task_dispatch(actor=org.manager.user, store=org.store_a1, customer_ids=ids + ids[:3])
    assert sorted(task.entries.values_list("customer_id", flat=True)) == sorted(ids)


@pytest.mark.parametrize("role", ["assistant", "partner", "outsider"])
def test_only_managers_and_up_dispatch(org, role):
    customer = customers_of(org.assistant, 1)[0]
    with pytest.raises(InvitationError):
        invitation_task_dispatch(actor=org.user(role), store=org.store_a1, customer_ids=[customer.pk])
    assert not InvitationTask.objects.exists()


def test_a_manager_cannot_dispatch_for_another_store(org):
    customer = CustomerFactory(store=org.store_a2, owner_assistant=org.other_store_assistant)
    with pytest.raises(InvitationError):
        invitation_task_dispatch(actor=org.manager.user, store=org.store_a2, customer_ids=[customer.pk])


@pytest.mark.parametrize("role", ["hq", "supervisor"])
def test_hq_and_supervisor_dispatch_for_a_store_in_scope(org, role):
    customer = customers_of(org.assistant, 1)[0]
    task = invitation_task_dispatch(actor=org.user(role), store=org.store_a1, customer_ids=[customer.pk])
    assert task.entries.count() == 1


def test_control_share_holds_back_a_random_share(org):
    selected = customers_of(org.assistant, 20)
    task = invitation_task_dispatch(actor=org.manager.user, store=org.store_a1,
                                    customer_ids=[c.pk for c in selected], control_share="0.25")
    assert task.control_share == Decimal("0.25")
    assert task.entries.filter(is_control=True).count() == 5
    assert task.entries.count() == 20


def test_end_task_returns_the_customers_and_is_idempotent(org):
    selected = customers_of(org.assistant, 3)
    ids = [c.pk for c in selected]
    task = invitation_task_dispatch(actor=org.manager.user, store=org.store_a1, customer_ids=ids)
    # when the manager ends it (twice)
    invitation_task_end(actor=org.manager.user, task=task)
    ended = invitation_task_end(actor=org.manager.user, task=task)
    # then the task is ended, nobody is inviting any more, and the customers can be dispatched again
    assert ended.status == InvitationTask.Status.ENDED and ended.ended_by == org.manager
    assert not InvitationEntry.objects.filter(active=True).exists()
    again = invitation_task_dispatch(actor=org.manager.user, store=org.store_a1, customer_ids=ids)
    assert again.entries.count() == 3


@pytest.mark.parametrize("role", ["assistant", "partner", "outsider"])
def test_floor_staff_cannot_end_a_task(org, role):
    task = invitation_task_dispatch(actor=org.manager.user, store=org.store_a1,
                                    customer_ids=[customers_of(org.assistant, 1)[0].pk])
    with pytest.raises(InvitationError):
        invitation_task_end(actor=org.user(role), task=task)
    task.refresh_from_db()
    assert task.status == InvitationTask.Status.RUNNING


def test_a_manager_of_another_store_cannot_end_the_task(org):
    task = invitation_task_dispatch(actor=org.manager.user, store=org.store_a1,
                                    customer_ids=[customers_of(org.assistant, 1)[0].pk])
    other_manager = StaffFactory(role=Role.STORE_MANAGER, store=org.store_a2)
    with pytest.raises(InvitationError):
        invitation_task_end(actor=other_manager.user, task=task)


@pytest.mark.parametrize("size", [10, 100])
def test_dispatch_queries_do_not_grow_with_the_task(org, size, django_assert_num_queries):
    ids = [c.pk for c in customers_of(org.assistant, size)]
    user = org.manager.user
    from stores.scope import scope_of
    scope_of(user)  # the scope is computed once per request, before the service runs
    # savepoint, store in scope, head office's contact interval, lock, customers in scope, already
    # inviting, task, entries (one statement in its own savepoint), releases: the same eleven for
    # 10 or 100 customers
    with django_assert_num_queries(11):
        invitation_task_dispatch(actor=user, store=org.store_a1, customer_ids=ids)
