"""Factories of promotions (kept here rather than in the shared tests/factories.py)."""

from datetime import timedelta

import factory
from django.utils import timezone

from promotions.models import Activity, CouponDefinition, Prize


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


class WheelFactory(ActivityFactory):
    """A running lucky wheel, three draws per person per day (add prizes with PrizeFactory)."""

    name = factory.Sequence(lambda n: f"幸运大转盘{n}")
    kind = Activity.Kind.LUCKY_WHEEL
    draws_per_day = 3


class PrizeDefinitionFactory(CouponDefinitionFactory):
    """A coupon given only by prizes (no activity of its own), unlimited, one per person."""

    activity = None
    name = factory.Sequence(lambda n: f"奖品券{n}")
    kind = CouponDefinition.Kind.CASH_VOUCHER
    amount_off = "50.00"
    min_spend = None
    stock_total = None


class PrizeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Prize

    activity = factory.SubFactory(WheelFactory)
    name = factory.Sequence(lambda n: f"奖品{n}")
    coupon_definition = factory.SubFactory(PrizeDefinitionFactory)
    chance = "10.00"
    stock_total = None
    stock_remaining = factory.LazyAttribute(lambda o: o.stock_total)
    position = factory.Sequence(lambda n: n)
