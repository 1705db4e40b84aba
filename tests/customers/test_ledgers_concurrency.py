"""Ledgers under concurrency (PostgreSQL, real threads): balances never go negative, every
balance equals the sum of the deltas, and the last unit of a reward goes to exactly one."""

import pytest
from django.db.models import Sum

from customers.errors import CustomerError
from customers.ledgers import (
    points_add,
    points_balance,
    points_redeem,
    points_spend,
    stored_value_spend,
    stored_value_top_up,
)
from customers.models import PointsEntry, PointsRedemption, PointsReward, StoredValueEntry
from tests.threads import run_together as _run_together

from ..factories import CustomerFactory, PointsRewardFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(*calls):
    """(results, refusals): a refused spend or redemption is an answer here."""
    return _run_together(*calls, refusals=(CustomerError,))


def test_concurrent_point_spends_never_go_negative(org):
    customer = CustomerFactory(store=org.store_a1)
    points_add(customer=customer, points=500)
    results, refusals = run_together(*[lambda: points_spend(customer=customer, points=100) for _ in range(8)])
    assert (len(results), len(refusals)) == (5, 3)
    entries = PointsEntry.objects.filter(customer=customer)
    assert points_balance(customer) == 0 == entries.aggregate(total=Sum("delta"))["total"]
    assert sorted(entries.values_list("seq", flat=True)) == list(range(1, 7))


def test_concurrent_stored_value_writes_add_up(org):
    customer = CustomerFactory(store=org.store_a1)
    stored_value_top_up(customer=customer, amount="300")
    calls = [lambda: stored_value_spend(customer=customer, amount="100") for _ in range(5)]
    calls += [lambda: stored_value_top_up(customer=customer, amount="10") for _ in range(3)]
    results, refusals = run_together(*calls)
    entries = StoredValueEntry.objects.filter(customer=customer)
    newest = entries.order_by("-seq").first()
    assert newest.balance_after == entries.aggregate(total=Sum("delta"))["total"] >= 0
    assert len(results) + len(refusals) == 8 and entries.count() == 1 + len(results)


def test_the_same_key_twice_at_once_adds_one_entry(org):
    customer = CustomerFactory(store=org.store_a1)
    results, _refusals = run_together(*[
        lambda: points_add(customer=customer, points=10, idempotency_key="double-tap") for _ in range(4)])
    assert len({entry.pk for entry in results}) == 1 and points_balance(customer) == 10


@pytest.mark.parametrize("round_", range(3))
def test_the_last_unit_of_a_reward_goes_to_exactly_one_customer(org, round_):
    reward = PointsRewardFactory(points_cost=100, stock=1)
    customers = [CustomerFactory(store=org.store_a1) for _ in range(5)]
    for customer in customers:
        points_add(customer=customer, points=100)
    results, refusals = run_together(*[(lambda c=c: points_redeem(customer=c, reward=reward)) for c in customers])
    assert (len(results), len(refusals)) == (1, 4)
    assert PointsReward.objects.get(pk=reward.pk).stock == 0
    assert PointsRedemption.objects.filter(reward=reward).count() == 1
    assert sorted(points_balance(c) for c in customers) == [0, 100, 100, 100, 100]


def test_one_customer_redeeming_two_rewards_at_once_never_deadlocks_or_overspends(org):
    customer = CustomerFactory(store=org.store_a1)
    first, second = PointsRewardFactory(points_cost=100, stock=5), PointsRewardFactory(points_cost=100, stock=5)
    points_add(customer=customer, points=300)
    calls = [lambda r=r: points_redeem(customer=customer, reward=r) for r in (first, second) * 3]
    results, refusals = run_together(*calls)
    assert (len(results), len(refusals)) == (3, 3) and points_balance(customer) == 0
