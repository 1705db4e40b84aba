"""Redeeming coupons (PRO-3): the service against a bare UPDATE of the same rows, same run.

* baseline — for each coupon one bare ``UPDATE ... SET status = 'redeemed', redeemed_at, store,
  assistant WHERE id = %s AND status = 'claimed'`` on a plain cursor, autocommit: the least a
  redemption can cost (one statement, one commit);
* service — ``promotions.services.coupon_redeem(code=..., actor=...)`` for the same rows (put back
  to "claimed" in between): the code's check character, the actor's store from their scope, and
  the conditional UPDATE (code, status, validity, holder not erased, usable in the store) with
  the redemption row — on PostgreSQL one statement, autocommit.

Both run on alternating chunks of 100 rows, so a busy moment of the shared machine weighs on both.
Goal: service throughput >= 0.5x the bare UPDATE's. Then the race: 200 attempts on ONE coupon
from 40 threads on their own connections, started together (the server's 100 connections are
shared, so 40 in flight at once, 5 attempts each) — exactly one may succeed.
"""

import threading
import time

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from bench.harness import Result
from common.bulk import bulk_insert
from customers.models import Customer
from promotions.codes import code_new
from promotions.errors import PromotionError
from promotions.models import Activity, Coupon, CouponDefinition, Redemption
from promotions.services import coupon_redeem
from stores.models import Region, Role, Staff, Store
from stores.scope import scope_of

GOAL = 0.5
RACE_THREADS = 40
RACE_ATTEMPTS = 5
CHUNK = 100


def _staff(store, name):
    user = get_user_model().objects.create_user(username=f"bench-{name}", password="x")
    Staff.objects.create(user=user, name=name, role=Role.ASSISTANT, store=store, job_number=f"BR-{name}")
    return user


def _coupons(definition, store, count) -> list[tuple[int, str]]:
    now = timezone.now()
    today = timezone.localdate()
    bulk_insert(Customer, ({"name": f"客户{n}", "store_id": store.pk, "openid": f"o-redeem-{n:08d}",
                            "created_at": now} for n in range(count)),
                fields=["name", "store_id", "openid", "created_at"])
    customers = list(Customer.objects.filter(openid__startswith="o-redeem-").order_by("pk").values_list("pk",
                                                                                                       flat=True))
    bulk_insert(Coupon, ({"definition_id": definition.pk, "customer_id": pk, "code": code_new(), "status": "claimed",
                          "source": "claim", "claimed_at": now, "valid_from": today, "valid_until": today}
                         for pk in customers),
                fields=["definition_id", "customer_id", "code", "status", "source", "claimed_at", "valid_from",
                        "valid_until"])
    return list(Coupon.objects.filter(definition=definition).order_by("pk").values_list("pk", "code"))


def _quiet_broker():
    """Nudges go to an in-memory broker (as to Redis in production), never run in this process."""
    from config.celery import app

    app.conf.update(task_always_eager=False, broker_url="memory://")
    app._pool = None


def _bare(rows, store_id, staff_id) -> float:
    table = Coupon._meta.db_table
    sql = (f"UPDATE {table} SET status = 'redeemed', redeemed_at = %s, redeemed_store_id = %s, "  # noqa: S608
           f"redeemed_by_id = %s WHERE id = %s AND status = 'claimed'")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for pk, _code in rows:
            cursor.execute(sql, [timezone.now(), store_id, staff_id, pk])
    return time.perf_counter() - started


def _reset(rows):
    Coupon.objects.filter(pk__in=[pk for pk, _code in rows]).update(
        status="claimed", redeemed_at=None, redeemed_store=None, redeemed_by=None)


def _service(rows, user) -> float:
    started = time.perf_counter()
    for _pk, code in rows:
        coupon_redeem(code=code, actor=user)
    return time.perf_counter() - started


def _race(code, users) -> tuple[int, int, list]:
    barrier = threading.Barrier(len(users))
    won, refused, errors = [], [], []

    def attempt(user):
        try:
            barrier.wait(timeout=30)
            for _ in range(RACE_ATTEMPTS):
                try:
                    won.append(coupon_redeem(code=code, actor=user).pk)
                except PromotionError:
                    refused.append(1)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return len(won), len(refused), errors


def run(scale: float) -> list[Result]:
    count = max(int(5000 * scale), 500)
    _quiet_broker()
    region = Region.objects.create(name="核销基准区", code="bench-redeem")
    store = Store.objects.create(region=region, name="核销基准店", code="bench-redeem", city="上海", address="-")
    user = _staff(store, "counter")
    scope = scope_of(user)
    today = timezone.localdate()
    activity = Activity.objects.create(name="基准活动", status="published", starts_on=today, ends_on=today)
    definition = CouponDefinition.objects.create(
        activity=activity, name="满5000减300", kind="coupon", amount_off="300", min_spend="5000",
        validity="after_claim", valid_days=30, per_customer_limit=1)
    rows = _coupons(definition, store, count)

    # Alternating chunks, so a busy moment of the shared machine weighs on both alike.
    bare = service = 0.0
    for start in range(0, count, CHUNK):
        chunk = rows[start:start + CHUNK]
        bare += _bare(chunk, scope.store_id, scope.staff_id)
        _reset(chunk)
        service += _service(chunk, user)
    redeemed = Redemption.objects.filter(coupon__definition=definition).count()
    assert redeemed == count, (redeemed, count)

    Redemption.objects.filter(coupon_id=rows[0][0]).delete()
    Coupon.objects.filter(pk=rows[0][0]).update(status="claimed", redeemed_at=None, redeemed_store=None,
                                                redeemed_by=None)
    racers = [_staff(store, f"racer{n}") for n in range(RACE_THREADS)]
    won, refused, errors = _race(rows[0][1], racers)
    exactly_one = won == 1 and Redemption.objects.filter(coupon_id=rows[0][0]).count() == 1 and not errors

    bare_rate, service_rate = count / bare, count / service
    figures = {
        "coupons": f"{count:,}",
        "bare UPDATE": f"{bare:.2f}s ({bare_rate:,.0f}/s)",
        "coupon_redeem": f"{service:.2f}s ({service_rate:,.0f}/s)",
        f"race: {RACE_THREADS * RACE_ATTEMPTS} attempts on one coupon": (
            f"{won} succeeded, {refused} refused" + (f", {len(errors)} errors" if errors else "")
            + (" — exactly one" if exactly_one else " — NOT exactly one")),
    }
    print(f"  redemption race: {'exactly one' if exactly_one else 'NOT exactly one'} of "
          f"{RACE_THREADS * RACE_ATTEMPTS} concurrent attempts succeeded", flush=True)
    return [
        Result(name="redemption_throughput", ratio=service_rate / bare_rate, goal=f">={GOAL}", figures=figures),
        Result(name="redemption_race", ratio=1.0 if exactly_one else 0.0, goal=">=1", figures={}),
    ]
