"""Factories of promotions (kept here rather than in the shared tests/factories.py)."""

from datetime import timedelta

import factory
from django.utils import timezone

from promotions.models import Activity, CouponDefinition


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    name = factory.Sequence(lambda n: f"双十二焕新季{n}")
    status = Activity.Status.PUBLISHED
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=1))
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=30))


class CouponDefinitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CouponDefinition

    activity = factory.SubFactory(ActivityFactory)
    name = factory.Sequence(lambda n: f"厨电满减券{n}")
    kind = CouponDefinition.Kind.COUPON
    amount_off = "300.00"
    min_spend = "5000.00"
    validity = CouponDefinition.Validity.AFTER_CLAIM
    valid_days = 30
    stock_total = 100
    stock_remaining = factory.LazyAttribute(lambda o: o.stock_total)
