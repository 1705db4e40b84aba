"""Coupons under concurrency (PostgreSQL, real threads on their own connections): a coupon is
redeemed at most once however many try at the same moment; claims never exceed the stock; one
person with two WeChat accounts gets one coupon even when both claim at once.

The server allows 100 connections, shared with the rest of the machine, so "200 at once" is 40
threads starting together at a barrier, each firing 5 attempts back to back: 200 attempts with
up to 40 in flight, every one racing for the same row."""

import threading

import pytest
from django.db import connection

from promotions.errors import PromotionError
from promotions.models import Coupon, CouponDefinition, Redemption
from promotions.services import coupon_claim, coupon_redeem
from stores.models import Role
from tests.factories import CustomerFactory, StaffFactory

from .factories import CouponDefinitionFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 40


def run_together(calls_per_thread):
    """Each list of calls runs on its own thread and connection, all starting at one moment."""
    barrier = threading.Barrier(len(calls_per_thread))
    results, refusals, errors = [], [], []
    lock = threading.Lock()

    def worker(calls):
        try:
            barrier.wait(timeout=30)
            for call in calls:
                try:
                    outcome = call()
                    with lock:
                        results.append(outcome)
                except PromotionError as exc:
                    with lock:
                        refusals.append(str(exc))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(calls,)) for calls in calls_per_thread]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results, refusals


def test_200_attempts_to_redeem_one_coupon_at_once_make_exactly_one_redemption(org, definition, customer):
    coupon = coupon_claim(definition=definition, customer=customer)
    staff = [StaffFactory(role=Role.ASSISTANT, store=org.store_a1) for _ in range(THREADS)]
    calls = [[(lambda user=member.user: coupon_redeem(code=coupon.code, actor=user)) for _ in range(5)]
             for member in staff]

    results, refusals = run_together(calls)

    assert len(results) == 1 and len(refusals) == 199
    assert len(set(refusals)) == 1  # all told the same: "already used on <time> in <store>"
    assert Redemption.objects.filter(coupon=coupon).count() == 1
    coupon.refresh_from_db()
    assert coupon.status == Coupon.Status.REDEEMED and coupon.redeemed_by_id == results[0].assistant_id


def test_concurrent_claims_never_exceed_the_stock(org):
    definition = CouponDefinitionFactory(stock_total=10, stock_remaining=10)
    customers = [CustomerFactory(store=org.store_a1, openid=f"o-race-{n}") for n in range(30)]

    results, refusals = run_together([[lambda c=c: coupon_claim(definition=definition, customer=c)]
                                      for c in customers])

    definition.refresh_from_db()
    assert (len(results), len(refusals), definition.stock_remaining) == (10, 20, 0)
    assert Coupon.objects.filter(definition=definition).count() == 10
    assert len({coupon.customer_id for coupon in results}) == 10


def test_one_person_claiming_from_two_wechat_accounts_at_once_gets_one_coupon(org):
    definition = CouponDefinitionFactory(per_customer_limit=1)
    accounts = [CustomerFactory(store=org.store_a1, openid=f"o-same-{n}", mobile="13655556666") for n in range(6)]

    results, refusals = run_together([[lambda c=c: coupon_claim(definition=definition, customer=c)] * 2
                                      for c in accounts])

    assert len(results) == 1 and len(refusals) == 11
    assert CouponDefinition.objects.get(pk=definition.pk).stock_remaining == 99


@pytest.mark.parametrize("in_transaction", [False, True])
def test_a_session_that_lost_or_already_has_the_prepared_statement_still_redeems(org, definition, in_transaction):
    """A pooler's DISCARD ALL or a DEALLOCATE takes the prepared redemption away: the next one
    prepares again; a statement the session already has is used as it is. Inside a transaction
    the hiccup does not abort it."""
    from contextlib import nullcontext

    from django.db import transaction

    from promotions.services import _PREPARED

    codes = [coupon_claim(definition=definition, customer=CustomerFactory(store=org.store_a1, mobile="")).code
             for _ in range(3)]
    coupon_redeem(code=codes[0], actor=org.assistant.user)
    with transaction.atomic() if in_transaction else nullcontext():
        with connection.cursor() as cursor:
            cursor.execute(f"DEALLOCATE {_PREPARED}")
        lost = coupon_redeem(code=codes[1], actor=org.assistant.user)
        connection._promotions_prepared_on = None  # we forgot; the session did not
        kept = coupon_redeem(code=codes[2], actor=org.assistant.user)
        assert Redemption.objects.filter(pk__in=[lost.pk, kept.pk]).count() == 2  # the transaction lives on
    assert Coupon.objects.filter(code__in=codes, status=Coupon.Status.REDEEMED).count() == 3
