"""The demo's draws: a published wheel with its prizes and a shake, idempotent, and the wheel plays."""

import random

import pytest

from demo.seed_draws import SHAKE, WHEEL, seed_draws
from promotions.draws import draw_make, pool_problems
from promotions.models import Activity, CouponDefinition, Draw, Prize
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_seed_draws_makes_a_running_wheel_and_shake_once(org):
    seed_draws(random.Random(1))
    seed_draws(random.Random(2))
    wheel = Activity.objects.get(name=WHEEL)
    assert wheel.kind == Activity.Kind.LUCKY_WHEEL and wheel.is_running() and wheel.draws_per_day == 3
    assert Activity.objects.get(name=SHAKE).kind == Activity.Kind.SHAKE
    assert Prize.objects.filter(activity=wheel).count() == 5
    assert CouponDefinition.objects.filter(activity=None, name="50元代金券").count() == 1
    for activity in Activity.objects.filter(name__in=[WHEEL, SHAKE]):
        assert pool_problems(kind=activity.kind, status=activity.status,
                             chances=list(activity.prizes.values_list("chance", flat=True))) == []
    player = CustomerFactory(store=org.store_a1, openid="o-demo-player", mobile="13500000001")
    for _n in range(3):
        draw_make(activity=wheel, customer=player)
    assert Draw.objects.filter(activity=wheel).count() == 3
