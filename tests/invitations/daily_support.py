"""Building blocks of the daily tables' tests (seed 003): tasks, attempts at a given Shanghai time."""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from customers.models import Payment
from invitations.models import InvitationAttempt, InvitationEntry
from invitations.services import invitation_feedback_record, invitation_task_dispatch
from tests.factories import CustomerFactory, OrderFactory


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """An aware moment of a Shanghai day."""
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def days_ago(n: int) -> date:
    return timezone.localdate() - timedelta(days=n)


def task_for(manager, store, owners, *, title="店庆邀约", **customer_fields):
    """A running task of ``store`` with one new customer per owner assistant in ``owners``;
    returns the entries in the order of ``owners``."""
    customers = [CustomerFactory(store=store, owner_assistant=owner, **customer_fields) for owner in owners]
    task = invitation_task_dispatch(actor=manager.user, store=store, customer_ids=[c.pk for c in customers],
                                    title=title)
    by_customer = {e.customer_id: e for e in task.entries.select_related("customer", "assistant")}
    return [by_customer[c.pk] for c in customers]


def attempt(entry: InvitationEntry, *, contact="reached", intent="", grade="", group=False, channel="",
            note="", at: datetime | None = None) -> InvitationAttempt:
    """Record an attempt through the service, then move it (and the entry's first "reached") to ``at``."""
    invitation_feedback_record(actor=entry.assistant.user, entry=entry, contact=contact, intent=intent, note=note,
                               channel=channel, grade=grade, group_invited=group)
    made = InvitationAttempt.objects.filter(entry=entry).order_by("-pk").first()
    if at is not None:
        InvitationAttempt.objects.filter(pk=made.pk).update(at=at)
        made.at = at
        fresh = InvitationEntry.objects.get(pk=entry.pk)
        if fresh.feedback_at is not None and fresh.feedback_at > at:
            InvitationEntry.objects.filter(pk=entry.pk).update(feedback_at=at)
    return made


def pay(customer, amount: str, at: datetime):
    order = OrderFactory(customer=customer, amount=amount, placed_at=at)
    return Payment.objects.create(order=order, kind="in_store", amount=amount, paid_at=at)
