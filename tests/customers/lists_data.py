"""Data for the customer-list tests: tagged customers with follow-ups, profiles and ledgers."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from customers.models import (Customer, CustomerProfile, CustomerTag, FollowUp, IntentGradeChange, PointsEntry,
                              StoredValueEntry, Tag)

from ..factories import CustomerFactory, OrderFactory


def tag(name: str) -> Tag:
    return Tag.objects.get_or_create(name=name)[0]


def tagged(customer: Customer, *names: str, source=CustomerTag.Source.MANUAL) -> Customer:
    for name in names:
        CustomerTag.objects.create(customer=customer, tag=tag(name), source=source)
    return customer


def rich_customer(owner, n: int = 0) -> Customer:
    """A customer of ``owner`` with all a detail page shows: tags, profile, grade history, a
    follow-up, two orders, points and stored value."""
    customer = CustomerFactory(store=owner.store, owner_assistant=owner, intent_grade="A",
                               next_follow_up_on=timezone.localdate() + timedelta(days=n % 5))
    tagged(customer, "厨房改造", "老客户")
    CustomerProfile.objects.create(customer=customer, budget=Decimal("30000"), notes="想要 400 坑距马桶")
    IntentGradeChange.objects.create(customer=customer, from_grade="B", to_grade="A", changed_by=owner)
    FollowUp.objects.create(customer=customer, staff=owner, kind=FollowUp.Kind.CALL,
                            outcome=FollowUp.Outcome.APPOINTMENT, note="周六来店")
    OrderFactory(customer=customer, amount="1000.00")
    OrderFactory(customer=customer, amount="250.50")
    PointsEntry.objects.create(customer=customer, seq=1, kind=PointsEntry.Kind.EARN_ORDER, delta=100,
                               balance_after=100)
    PointsEntry.objects.create(customer=customer, seq=2, kind=PointsEntry.Kind.REDEEM, delta=-40, balance_after=60)
    StoredValueEntry.objects.create(customer=customer, seq=1, kind=StoredValueEntry.Kind.TOP_UP,
                                    delta=Decimal("500"), balance_after=Decimal("500"))
    return customer
