"""Draws under concurrency (PostgreSQL, real threads on their own connections): one person tapping
many times at once draws exactly ``draws_per_day`` times; many people drawing a prize with stock 5
at once win at most 5 of it, and its stock ends at 0, never below."""

import pytest
from django.utils import translation

from promotions import draws as draws_module
from promotions.draws import draw_make
from promotions.models import Coupon, Draw, DrawAllowance, Prize
from tests.factories import CustomerFactory

from .factories import PrizeDefinitionFactory, PrizeFactory, WheelFactory
from .test_concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 30


@pytest.fixture(autouse=True)
def _in_chinese():
    """Refusals are asserted in the Chinese people see, whatever language an earlier request left active."""
    with translation.override("zh-hans"):
        yield


def test_one_person_tapping_30_times_at_once_draws_exactly_3_times(org):
    wheel = WheelFactory(draws_per_day=3)
    PrizeFactory(activity=wheel, chance="50.00")
    player = CustomerFactory(store=org.store_a1, openid="o-tapper", mobile="13600000000")
    # The same person on two WeChat identities, both tapping.
    twin = CustomerFactory(store=org.store_a1, openid="o-tapper-2", mobile="13600000000")

    results, refusals = run_together([[lambda c=(player if n % 2 else twin): draw_make(activity=wheel, customer=c)]
                                      for n in range(THREADS)])

    assert (len(results), len(refusals)) == (3, THREADS - 3)
    assert set(refusals) == {"今天的抽奖次数已用完，明天再来吧！"}
    assert Draw.objects.count() == 3
    assert list(DrawAllowance.objects.values_list("person", "used")) == [("m:13600000000", 3)]


def test_30_people_drawing_a_prize_with_stock_5_at_once_win_at_most_5(org, monkeypatch):
    wheel = WheelFactory(draws_per_day=1)
    PrizeFactory(activity=wheel, name="50元代金券", chance="100.00", stock_total=5,
                 coupon_definition=PrizeDefinitionFactory(stock_total=None))
    monkeypatch.setattr(draws_module.secrets, "randbelow", lambda n: 0)  # every number lands on the prize
    people = [CustomerFactory(store=org.store_a1, openid=f"o-rush-{n}", mobile=f"135{n:08d}") for n in range(THREADS)]

    results, refusals = run_together([[lambda c=c: draw_make(activity=wheel, customer=c)] for c in people])

    assert refusals == [] and len(results) == THREADS
    outcomes = sorted(Draw.objects.values_list("outcome", flat=True))
    assert outcomes.count(Draw.Outcome.WON) == 5
    assert outcomes.count(Draw.Outcome.OUT_OF_STOCK) == THREADS - 5
    assert Prize.objects.get().stock_remaining == 0
    assert Coupon.objects.count() == 5 == Draw.objects.exclude(coupon=None).count()
