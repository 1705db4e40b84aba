"""Demo data for invitation segments (INV-1/INV-2): the demo manager's store gets customers in
several recommended segments (birthdays this month, high spenders this month, dormant ones; the
ledgers come from ``demo.seed_commerce``), and head office offers one custom segment ("A 类意向"),
computed as the nightly job would and dated as if added yesterday, so it shows today.

Idempotent: each part tops up only what is missing, so ``seed_demo`` can run again."""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from customers.models import Customer, Order, Payment
from invitations.models import Segment, SegmentAssignment
from invitations.segments import SegmentContext, custom_segment_compute, high_spender_min_order
from stores.models import Staff

BIRTHDAYS = 18
HIGH_SPENDERS = 6
DORMANT = 12
CUSTOM_KEY = "demo-grade-a"


def seed_invitation_segments(rng: random.Random) -> None:
    manager = Staff.objects.filter(user__username="manager").select_related("store").first()
    if manager is None or manager.store is None:
        return
    store = manager.store
    now = timezone.now()
    today = timezone.localdate(now)
    staff = list(Staff.objects.filter(store=store, is_active=True).values_list("pk", flat=True))
    owned = Customer.objects.filter(store=store, owner_assistant_id__in=staff, erased_at__isnull=True)
    with transaction.atomic():
        _birthdays(owned, today, rng)
        _high_spenders(owned, store, now, rng)
        _dormant(owned, now, rng)
        _custom_segment(now, today)


def _birthdays(owned, today, rng) -> None:
    missing = BIRTHDAYS - owned.filter(birthday__month=today.month).count()
    if missing <= 0:
        return
    days = 28 if today.month == 2 else 30
    for customer in owned.exclude(birthday__month=today.month).order_by("id")[:missing]:
        year = customer.birthday.year if customer.birthday else rng.randrange(1965, 2000)
        customer.birthday = date(year, today.month, rng.randrange(1, days + 1))
        customer.save(update_fields=["birthday"])


def _high_spenders(owned, store, now, rng) -> None:
    month_start = SegmentContext(store=store, now=now).month_start
    paid_this_month = Order.objects.filter(store=store, paid_at__gte=month_start,
                                           amount__gte=high_spender_min_order()).values("customer")
    missing = HIGH_SPENDERS - owned.filter(pk__in=paid_this_month).count()
    if missing <= 0:
        return
    minimum = int(high_spender_min_order())
    for n, customer in enumerate(owned.exclude(pk__in=paid_this_month).order_by("-id")[:missing]):
        amount = Decimal(rng.randrange(minimum, minimum * 4, 100))
        moment = max(month_start, now - timedelta(hours=rng.randrange(1, 72)))
        order = Order.objects.create(
            number=f"DEMO-INV-{customer.pk}-{now:%Y%m}-{n}", customer=customer, store=store,
            assistant=customer.owner_assistant, amount=amount, payment_type=Order.PaymentType.IN_STORE,
            status=Order.Status.PAID, placed_at=moment, paid_at=moment, note="邀约演示: 本月高客单")
        Payment.objects.create(order=order, kind=Order.PaymentType.IN_STORE, amount=amount, paid_at=moment,
                               recorded_by=customer.owner_assistant)


def _dormant(owned, now, rng) -> None:
    cutoff = now - timedelta(days=90)
    recent = Order.objects.filter(placed_at__gte=cutoff).exclude(status=Order.Status.CANCELLED).values("customer")
    ever = Order.objects.exclude(status=Order.Status.CANCELLED).values("customer")
    missing = DORMANT - owned.filter(pk__in=ever).exclude(pk__in=recent).count()
    if missing <= 0:
        return
    # Customers who never bought get one old order (placed 4-10 months ago).
    for customer in owned.exclude(pk__in=ever).order_by("id")[:missing]:
        moment = now - timedelta(days=rng.randrange(120, 300))
        amount = Decimal(rng.randrange(800, 9000, 100))
        order = Order.objects.create(
            number=f"DEMO-DORM-{customer.pk}", customer=customer, store=customer.store,
            assistant=customer.owner_assistant, amount=amount, payment_type=Order.PaymentType.IN_STORE,
            status=Order.Status.COMPLETED, placed_at=moment, paid_at=moment, note="邀约演示: 沉睡客户")
        Payment.objects.create(order=order, kind=Order.PaymentType.IN_STORE, amount=amount, paid_at=moment)


def _custom_segment(now, today) -> None:
    segment, _created = Segment.objects.get_or_create(
        key=CUSTOM_KEY,
        defaults={"name": "A 类意向客户", "kind": Segment.Kind.CUSTOM, "position": 10,
                  "description": "意向等级 A (总部自定义人群)",
                  "conditions": [{"field": "intent_grade", "op": "eq", "value": "A"}]})
    # Added "yesterday" and computed by "last night's" run, so the demo shows it today.
    SegmentAssignment.objects.get_or_create(segment=segment, store=None,
                                            defaults={"visible_from": today - timedelta(days=1)})
    custom_segment_compute(segment=segment, now=now)

