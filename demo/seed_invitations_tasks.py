"""Demo data for invitation tasks (INV-4..9): the demo manager has dispatched one running task of
birthday customers for the demo store; the demo ``assistant`` has fed back on some (reached with
intent, reached without, contact failed), the rest await feedback, and one invited customer paid
an order within the 7 days after the invitation, so the task detail shows every figure.

Idempotent: nothing is added when the demo task exists already."""

import random
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils import timezone

from customers.models import Customer, Order, Payment
from invitations.errors import InvitationError
from invitations.models import InvitationEntry, InvitationTask
from invitations.services import invitation_feedback_record, invitation_task_dispatch
from stores.models import Staff

TITLE = "本月生日客户邀约（演示）"
SEGMENT = "birthday_this_month"
SIZE = 8


def seed_invitation_tasks(rng: random.Random) -> None:
    with translation.override(settings.LANGUAGE_CODE):  # the reasons are stored in the product's language
        _seed(rng)


def _seed(rng: random.Random) -> None:
    manager = Staff.objects.filter(user__username="manager").select_related("store", "user").first()
    assistant = Staff.objects.filter(user__username="assistant").select_related("user").first()
    if manager is None or manager.store is None or assistant is None or assistant.store_id != manager.store_id:
        return
    store = manager.store
    if InvitationTask.objects.filter(store=store, title=TITLE).exists():
        return
    inviting = InvitationEntry.objects.filter(active=True).values("customer")
    mine = Customer.objects.filter(store=store, owner_assistant=assistant, erased_at__isnull=True).exclude(
        pk__in=inviting)
    segment_key = SEGMENT
    try:
        from invitations.segments import segment_customers

        members = segment_customers(key=SEGMENT, store=store, viewer=manager.user)
        ids = list(members.filter(owner_assistant=assistant).values_list("pk", flat=True)[:SIZE])
        ids += list(members.exclude(owner_assistant=assistant).values_list("pk", flat=True)[:SIZE - len(ids)])
    except (ImportError, InvitationError):
        ids = []
    if len(ids) < 4 or not mine.filter(pk__in=ids).exists():  # no such segment here: a manual selection
        segment_key = None
        ids = list(mine.order_by("pk").values_list("pk", flat=True)[:SIZE])
    if len(ids) < 4:
        return
    now = timezone.now()
    with transaction.atomic():
        task = invitation_task_dispatch(actor=manager.user, store=store, customer_ids=ids, segment_key=segment_key,
                                        title=TITLE, deadline=now + timedelta(days=20))
        InvitationTask.objects.filter(pk=task.pk).update(created_at=now - timedelta(days=3))
        # The buyer must not be a dormant customer (ordered, but not for 90 days): their new order
        # would take them out of the dormant segment the segments demo keeps topped up.
        cutoff = now - timedelta(days=90)
        live = Order.objects.exclude(status=Order.Status.CANCELLED)
        dormant = set(live.values_list("customer", flat=True)) - set(
            live.filter(placed_at__gte=cutoff).values_list("customer", flat=True))
        entries = sorted(task.entries.filter(assistant=assistant).select_related("customer").order_by("pk"),
                         key=lambda e: e.customer_id in dormant)
        results = [("reached", "yes"), ("reached", "no"), ("contact_failed", "")]
        for entry, (contact, intent) in zip(entries[:-1], results):  # at least one still awaits feedback
            invitation_feedback_record(actor=assistant.user, entry=entry, contact=contact, intent=intent,
                                       note="周六带家人到店" if intent == "yes" else "")
        reached_at = now - timedelta(days=2)
        InvitationEntry.objects.filter(task=task, contact="reached").update(feedback_at=reached_at)
        buyer = entries[0].customer
        paid_at = reached_at + timedelta(days=1)
        amount = rng.choice(["3680.00", "5280.00", "2980.00"])
        order = Order.objects.create(
            number=f"DEMO-INVT-{task.pk}-{buyer.pk}", customer=buyer, store=store, assistant=assistant,
            amount=amount, payment_type=Order.PaymentType.IN_STORE, status=Order.Status.PAID,
            placed_at=paid_at, paid_at=paid_at, note="邀约演示: 邀约后到店下单")
        Payment.objects.create(order=order, kind=Order.PaymentType.IN_STORE, amount=amount, paid_at=paid_at,
                               recorded_by=assistant)
