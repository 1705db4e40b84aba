"""Two managers dispatching overlapping customers at the same moment (PostgreSQL): each customer
ends in at most one running task, and each dispatch is all or nothing."""

import threading

import pytest
from django.db import connection

from invitations.errors import InvitationError
from invitations.models import InvitationEntry, InvitationTask
from invitations.services import invitation_task_dispatch
from tests.factories import CustomerFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(*calls):
    barrier = threading.Barrier(len(calls))
    outcomes = []

    def worker(call):
        try:
            barrier.wait(timeout=10)
            outcomes.append(call())
        except InvitationError as exc:
            outcomes.append(exc)
        except Exception as exc:  # noqa: BLE001 - reported below
            outcomes.append(("unexpected", exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not [o for o in outcomes if isinstance(o, tuple)], outcomes
    return outcomes


@pytest.mark.parametrize("round_", range(4))
def test_overlapping_dispatches_leave_each_customer_in_one_running_task(org, round_):
    # given 30 customers; the manager and the supervisor each select 20, overlapping on 10
    customers = [CustomerFactory(store=org.store_a1, owner_assistant=org.assistant) for _ in range(30)]
    ids = [c.pk for c in customers]
    first, second = ids[:20], ids[10:]
    if round_ % 2:
        first, second = list(reversed(first)), list(reversed(second))
    # when both dispatch at the same moment
    outcomes = run_together(
        lambda: invitation_task_dispatch(actor=org.manager.user, store=org.store_a1, customer_ids=first),
        lambda: invitation_task_dispatch(actor=org.supervisor.user, store=org.store_a1, customer_ids=second),
    )
    # then exactly one won, whole; the other was refused, naming the overlap, and wrote nothing
    tasks = [o for o in outcomes if isinstance(o, InvitationTask)]
    refusals = [o for o in outcomes if isinstance(o, InvitationError)]
    assert len(tasks) == 1 and len(refusals) == 1
    assert InvitationTask.objects.count() == 1
    winner = tasks[0]
    assert winner.entries.count() == 20
    assert set(refusals[0].customers) == set(ids[10:20])
    active = list(InvitationEntry.objects.filter(active=True).values_list("customer_id", flat=True))
    assert len(active) == len(set(active)) == 20


def test_disjoint_dispatches_at_the_same_moment_both_succeed(org):
    customers = [CustomerFactory(store=org.store_a1, owner_assistant=org.colleague) for _ in range(10)]
    ids = [c.pk for c in customers]
    outcomes = run_together(
        lambda: invitation_task_dispatch(actor=org.manager.user, store=org.store_a1, customer_ids=ids[:5]),
        lambda: invitation_task_dispatch(actor=org.manager.user, store=org.store_a1, customer_ids=ids[5:]),
    )
    assert all(isinstance(o, InvitationTask) for o in outcomes)
    assert InvitationEntry.objects.filter(active=True).count() == 10
