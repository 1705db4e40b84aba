"""Points and stored-value ledgers (CUS-8): append-only, balances from the newest entry, never
negative; redemption takes points and stock together and can be reversed by a manager."""

from decimal import Decimal

import pytest
from django.db import IntegrityError

from customers.errors import CustomerError
from customers.ledgers import (
    balances_for,
    points_add,
    points_balance,
    points_redeem,
    points_redemption_reverse,
    points_spend,
    stored_value_adjust,
    stored_value_balance,
    stored_value_spend,
    stored_value_top_up,
)
from customers.models import PointsEntry, PointsRedemption, StoredValueEntry

from ..factories import CustomerFactory, PointsRewardFactory
from .commerce import customer  # noqa: F401 - fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


def test_entries_number_one_two_three_and_carry_the_balance(org, customer):
    points_add(customer=customer, points=500, staff=org.assistant)
    points_spend(customer=customer, points=120, staff=org.assistant)
    points_add(customer=customer, points=30)
    rows = list(PointsEntry.objects.filter(customer=customer).order_by("seq").values_list("seq", "delta",
                                                                                          "balance_after"))
    assert rows == [(1, 500, 500), (2, -120, 380), (3, 30, 410)]
    assert points_balance(customer) == 410 == sum(delta for _s, delta, _b in rows)


def test_spending_more_than_the_balance_is_refused_and_adds_nothing(org, customer):
    points_add(customer=customer, points=100)
    with pytest.raises(CustomerError, match="Not enough points"):
        points_spend(customer=customer, points=101)
    assert PointsEntry.objects.filter(customer=customer).count() == 1 and points_balance(customer) == 100


def test_the_database_refuses_a_negative_balance_too(org, customer):
    # The last guard, should a writer ever skip the service.
    with pytest.raises(IntegrityError):
        PointsEntry.objects.create(customer=customer, seq=1, kind="adjust", delta=-1, balance_after=-1)


def test_a_repeated_key_adds_nothing(org, customer):
    first = stored_value_top_up(customer=customer, amount="1000", idempotency_key="pos-42")
    again = stored_value_top_up(customer=customer, amount="1000", idempotency_key="pos-42")
    assert first.pk == again.pk and stored_value_balance(customer) == Decimal("1000.00")


@pytest.mark.parametrize("call, message", [
    (lambda c: points_add(customer=c, points=0), "from 1"),
    (lambda c: points_add(customer=c, points="ten"), "whole number"),
    (lambda c: stored_value_top_up(customer=c, amount="-5"), "negative"),
    (lambda c: stored_value_spend(customer=c, amount="0.01"), "Not enough stored value"),
    (lambda c: stored_value_adjust(customer=c, amount="-10", note=""), "Say why"),
])
def test_bad_ledger_input_is_refused(org, customer, call, message):
    with pytest.raises(CustomerError, match=message):
        call(customer)
    assert not PointsEntry.objects.exists() and not StoredValueEntry.objects.exists()


def test_stored_value_spend_and_adjustment(org, customer):
    stored_value_top_up(customer=customer, amount="500")
    stored_value_spend(customer=customer, amount="120.50")
    stored_value_adjust(customer=customer, amount="-79.50", note="收银差错更正")
    assert stored_value_balance(customer) == Decimal("300.00")


def test_balances_for_many_customers_in_one_query(org, customer, django_assert_num_queries):
    other = CustomerFactory(store=org.store_a1)
    nobody = CustomerFactory(store=org.store_a1)
    points_add(customer=customer, points=70)
    stored_value_top_up(customer=other, amount="88")
    with django_assert_num_queries(1):
        balances = balances_for([customer.pk, other.pk, nobody.pk])
    assert balances == {customer.pk: (70, Decimal("0.00")), other.pk: (0, Decimal("88.00")),
                        nobody.pk: (0, Decimal("0.00"))}


def test_redeeming_takes_the_points_and_the_stock(org, customer):
    reward = PointsRewardFactory(points_cost=100, stock=3)
    points_add(customer=customer, points=250)
    redemption = points_redeem(customer=customer, reward=reward, quantity=2, staff=org.assistant)
    reward.refresh_from_db()
    assert (redemption.points, reward.stock, points_balance(customer)) == (200, 1, 50)
    assert redemption.entries.get().delta == -200


@pytest.mark.parametrize("points, stock, quantity, message", [
    (99, 5, 1, "Not enough points"), (500, 1, 2, "Only 1"), (500, 0, 1, "Only 0"), (500, 5, 0, "quantity"),
])
def test_a_redemption_the_customer_cannot_have_changes_nothing(org, customer, points, stock, quantity, message):
    reward = PointsRewardFactory(points_cost=100, stock=stock)
    points_add(customer=customer, points=points)
    with pytest.raises(CustomerError, match=message):
        points_redeem(customer=customer, reward=reward, quantity=quantity)
    reward.refresh_from_db()
    assert reward.stock == stock and points_balance(customer) == points and not PointsRedemption.objects.exists()


def test_an_unlimited_reward_has_no_stock_to_take(org, customer):
    reward = PointsRewardFactory(points_cost=10, stock=None)
    points_add(customer=customer, points=100)
    points_redeem(customer=customer, reward=reward, quantity=5)
    reward.refresh_from_db()
    assert reward.stock is None and points_balance(customer) == 50


def test_a_manager_reverses_a_redemption_with_a_reason(org, customer):
    reward = PointsRewardFactory(points_cost=100, stock=1)
    points_add(customer=customer, points=100)
    redemption = points_redeem(customer=customer, reward=reward)
    points_redemption_reverse(redemption=redemption, reason="客户退回", actor=org.user("manager"), staff=org.manager)
    reward.refresh_from_db()
    redemption.refresh_from_db()
    assert (reward.stock, points_balance(customer), redemption.status) == (1, 100, "reversed")
    with pytest.raises(CustomerError, match="already reversed"):
        points_redemption_reverse(redemption=redemption, reason="again", actor=org.user("manager"))
    assert points_balance(customer) == 100


@pytest.mark.parametrize("role, reason, message", [("assistant", "退回", "store manager"),
                                                   ("manager", "  ", "Say why")])
def test_reversal_needs_a_manager_and_a_reason(org, customer, role, reason, message):
    reward = PointsRewardFactory(points_cost=100, stock=1)
    points_add(customer=customer, points=100)
    redemption = points_redeem(customer=customer, reward=reward)
    with pytest.raises(CustomerError, match=message):
        points_redemption_reverse(redemption=redemption, reason=reason, actor=org.user(role))
    redemption.refresh_from_db()
    assert redemption.status == "redeemed" and points_balance(customer) == 0
