"""A task's results (INV-7): payments count only within 7 days after a successful invitation;
the control group's paying rate gives the measured lift."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.models import Payment
from invitations.models import InvitationEntry
from invitations.selectors import task_results
from invitations.services import invitation_feedback_record, invitation_task_dispatch
from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db


def pay(customer, amount, at):
    order = OrderFactory(customer=customer, amount=amount)
    return Payment.objects.create(order=order, kind="in_store", amount=amount, paid_at=at)


def feedback(entry, contact, intent="", at=None):
    invitation_feedback_record(actor=entry.assistant.user, entry=entry, contact=contact, intent=intent)
    if at is not None:
        InvitationEntry.objects.filter(pk=entry.pk).update(feedback_at=at)


def test_figures_per_task_and_per_assistant(org):
    # given six customers: two reached with intent, one without, one failed, two awaiting
    owners = [org.assistant] * 4 + [org.colleague] * 2
    customers = [CustomerFactory(store=org.store_a1, owner_assistant=o) for o in owners]
    task = invitation_task_dispatch(actor=org.manager.user, store=org.store_a1, customer_ids=[c.pk for c in customers])
    e = {x.customer_id: x for x in task.entries.all()}
    c = customers
    reached_at = timezone.now() - timedelta(days=10)
    feedback(e[c[0].pk], "reached", "yes", at=reached_at)
    feedback(e[c[1].pk], "reached", "no", at=reached_at)
    feedback(e[c[2].pk], "contact_failed")
    feedback(e[c[4].pk], "reached", "yes", at=reached_at)
    # payments: c0 pays twice within 7 days (two orders), c4 on day 3, c1 on day 8 (not counted),
    # c0 once before the feedback (not counted), c2 (contact failed) within the week (not counted)
    pay(c[0], "1000.00", reached_at + timedelta(days=1))
    pay(c[0], "500.50", reached_at + timedelta(days=6, hours=23))
    pay(c[0], "99.00", reached_at - timedelta(hours=1))
    pay(c[4], "300.00", reached_at + timedelta(days=3))
    pay(c[1], "800.00", reached_at + timedelta(days=7, minutes=1))
    pay(c[2], "700.00", timezone.now())
    # when the results are computed
    results = task_results(task)
    # then
    totals = results["totals"]
    assert {k: totals[k] for k in ("invited", "with_intent", "without_intent", "awaiting_feedback",
                                   "contact_failed", "paying_customers", "amount_paid", "orders")} == {
        "invited": 3, "with_intent": 2, "without_intent": 1, "awaiting_feedback": 2, "contact_failed": 1,
        "paying_customers": 2, "amount_paid": Decimal("1800.50"), "orders": 3,
    }
    rows = {r["assistant_id"]: r for r in results["per_assistant"]}
    assert (rows[org.assistant.pk]["invited"], rows[org.assistant.pk]["paying_customers"],
            rows[org.assistant.pk]["amount_paid"]) == (2, 1, Decimal("1500.50"))
    assert (rows[org.colleague.pk]["invited"], rows[org.colleague.pk]["awaiting_feedback"],
            rows[org.colleague.pk]["amount_paid"]) == (1, 1, Decimal("300.00"))
    assert results["lift"] is None  # no control group


def test_a_payment_on_day_eight_is_not_counted(org):
    customer = CustomerFactory(store=org.store_a1, owner_assistant=org.assistant)
    task = invitation_task_dispatch(actor=org.manager.user, store=org.store_a1, customer_ids=[customer.pk])
    reached_at = timezone.now() - timedelta(days=9)
    feedback(task.entries.get(), "reached", "yes", at=reached_at)
    pay(customer, "100.00", reached_at + timedelta(days=8))
    totals = task_results(task)["totals"]
    assert (totals["paying_customers"], totals["amount_paid"], totals["orders"]) == (0, Decimal("0"), 0)


def test_control_group_lift(org):
    # given 10 customers, 4 held back as control
    customers = [CustomerFactory(store=org.store_a1, owner_assistant=org.assistant) for _ in range(10)]
    task = invitation_task_dispatch(actor=org.manager.user, store=org.store_a1,
                                    customer_ids=[c.pk for c in customers], control_share="0.4")
    control = list(task.entries.filter(is_control=True).values_list("customer_id", flat=True))
    invited = list(task.entries.filter(is_control=False).values_list("customer_id", flat=True))
    assert len(control) == 4
    by_pk = {c.pk: c for c in customers}
    # 3 of 6 invited pay within the week, 1 of 4 control pays, 1 more invited pays after the week
    for pk in invited[:3]:
        pay(by_pk[pk], "100.00", task.created_at + timedelta(days=2))
    pay(by_pk[invited[3]], "100.00", task.created_at + timedelta(days=8))
    pay(by_pk[control[0]], "100.00", task.created_at + timedelta(days=1))
    lift = task_results(task)["lift"]
    assert (lift["invited_paying"], lift["invited_customers"], lift["control_paying"], lift["control_customers"]) == (
        3, 6, 1, 4)
    assert lift["invited_rate"] == Decimal("0.5") and lift["control_rate"] == Decimal("0.25")
    assert lift["lift"] == Decimal("0.25")


def test_results_cost_the_same_queries_whatever_the_size(org, django_assert_max_num_queries):
    customers = [CustomerFactory(store=org.store_a1, owner_assistant=org.assistant) for _ in range(40)]
    task = invitation_task_dispatch(actor=org.manager.user, store=org.store_a1,
                                    customer_ids=[c.pk for c in customers], control_share="0.1")
    for entry in task.entries.filter(is_control=False)[:20]:
        feedback(entry, "reached", "yes")
        pay(entry.customer, "10.00", timezone.now())
    with django_assert_max_num_queries(6):
        task_results(task)
