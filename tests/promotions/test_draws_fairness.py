"""Draws are fair (PRO-4): many draws through the service, with the operating system's random
source, follow the configured chances. Checked by a chi-square goodness-of-fit test at a false-alarm
rate of 1 in 1,000,000 (the statistic and its critical value computed here, no statistics package),
so an honest draw practically never fails it; biased pickers fail the same check, so it can fail.

The fair run draws 3,000 times through the service (every draw a whole transaction: allowance,
prize stock, coupon, audit row) with unlimited stock and a limit nobody reaches, so every number
that lands on a prize gives it: the categories are the prizes won and "no prize". The smallest
category (0.5 %) still expects 15 draws, enough for the test's approximation."""

import math
import secrets
from collections import Counter
from decimal import Decimal

import pytest

from promotions import draws as draws_module
from promotions.draws import draw_audit, draw_make, pool_of, pool_pick
from promotions.models import CHANCE_UNITS, Draw, Prize
from tests.factories import CustomerFactory

from .factories import PrizeDefinitionFactory, PrizeFactory, WheelFactory

pytestmark = pytest.mark.django_db

DRAWS = 3_000
MAPPING_DRAWS = 20_000
FALSE_ALARM = 1e-6
CHANCES = ["0.50", "5.00", "12.50", "20.00", "30.00"]  # and 32 % no prize


def chi2_sf(x: float, df: int) -> float:
    """P(X >= x) for a chi-square variable with ``df`` degrees of freedom (closed forms for whole df)."""
    half = x / 2
    if df % 2 == 0:
        return math.exp(-half) * sum(half ** i / math.factorial(i) for i in range(df // 2))
    tail = math.erfc(math.sqrt(half))
    return tail + math.exp(-half) * sum(half ** (i - 0.5) / math.gamma(i + 0.5) for i in range(1, df // 2 + 1))


def chi2_critical(df: int, alpha: float) -> float:
    """The x with P(X >= x) = alpha (bisection on the survival function)."""
    low, high = 0.0, 200.0
    for _n in range(200):
        middle = (low + high) / 2
        low, high = (middle, high) if chi2_sf(middle, df) > alpha else (low, middle)
    return (low + high) / 2


def chi_square(observed: dict, expected_share: dict, n: int) -> float:
    return sum((observed.get(k, 0) - n * p) ** 2 / (n * p) for k, p in expected_share.items())


def fits(observed: dict, expected_share: dict, n: int) -> tuple[bool, float, float]:
    statistic = chi_square(observed, expected_share, n)
    critical = chi2_critical(len(expected_share) - 1, FALSE_ALARM)
    return statistic <= critical, statistic, critical


def test_the_critical_values_match_the_tables():
    # Published tables at p = 0.001: df 1 → 10.828, 4 → 18.467, 5 → 20.515.
    assert [round(chi2_critical(df, 0.001), 3) for df in (1, 4, 5)] == [10.828, 18.467, 20.515]
    assert chi2_sf(0, 3) == pytest.approx(1.0)


@pytest.fixture
def pool(org):
    wheel = WheelFactory(draws_per_day=DRAWS)
    for n, chance in enumerate(CHANCES):
        PrizeFactory(activity=wheel, name=f"奖{n}", chance=chance, position=n,
                     coupon_definition=PrizeDefinitionFactory(per_customer_limit=30_000))
    player = CustomerFactory(store=org.store_a1, openid=None, mobile="13700000000")
    shares = {p.pk: Decimal(p.chance) / 100 for p in Prize.objects.filter(activity=wheel)}
    shares[None] = 1 - sum(shares.values())
    return wheel, player, {k: float(v) for k, v in shares.items()}


def test_3000_draws_follow_the_configured_chances(pool):
    wheel, player, shares = pool
    for _n in range(DRAWS):
        draw_make(activity=wheel, customer=player)

    outcomes = Counter(Draw.objects.filter(activity=wheel).values_list("outcome", flat=True))
    assert set(outcomes) <= {Draw.Outcome.WON, Draw.Outcome.NO_PRIZE}  # nothing refused, nothing gone
    observed = Counter(Draw.objects.filter(activity=wheel).values_list("prize", flat=True))
    ok, statistic, critical = fits(observed, shares, DRAWS)
    print(f"chi-square {statistic:.2f} (df {len(shares) - 1}, critical {critical:.3f} at p={FALSE_ALARM}); "
          f"observed {dict(observed)}")
    assert ok, (statistic, critical, observed)
    # The audit reads the same figures.
    audit = draw_audit(wheel)
    assert [row.drawn for row in audit] == [observed[p.pk] for p in wheel.prizes.order_by("position")] + [
        observed[None]]
    assert sum(row.won for row in audit) == outcomes[Draw.Outcome.WON] == Draw.objects.exclude(coupon=None).count()


def test_a_biased_picker_fails_the_same_check(pool, monkeypatch):
    """The draw with a picker that favours small numbers (the rarest prizes first): the check
    catches it with far fewer draws."""
    wheel, player, shares = pool
    real = secrets.randbelow
    monkeypatch.setattr(draws_module.secrets, "randbelow", lambda n: min(real(n), real(n)))
    n = 1_000
    for _n in range(n):
        draw_make(activity=wheel, customer=player)
    observed = Counter(Draw.objects.filter(activity=wheel).values_list("prize", flat=True))
    ok, statistic, critical = fits(observed, shares, n)
    assert not ok, (statistic, critical)


def test_a_picker_that_misses_the_top_5_percent_fails_too(pool):
    """A subtler bias, through the pool mapping alone (20,000 numbers): a picker that never
    reaches the last 500 numbers (an off-by-some range) shifts "no prize" from 32 to 28.4 %."""
    wheel, _player, shares = pool
    ranges = pool_of(wheel.prizes.order_by("position"))
    observed = Counter((pool_pick(ranges, secrets.randbelow(CHANCE_UNITS - 500)) or {}).get("prize")
                       for _n in range(MAPPING_DRAWS))
    ok, statistic, critical = fits(observed, shares, MAPPING_DRAWS)
    assert not ok, (statistic, critical)
