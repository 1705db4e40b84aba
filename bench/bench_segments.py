"""The six default segment counts of one store (INV-1), at 1,000,000 customers (issue 5).

On PostgreSQL: the demo organisation (12 stores) with 1,000,000 customers (``BENCH_SCALE``
scales it) loaded with the COPY loader of ``demo.seed.seed_customers`` (birthdays, orders over
two years), plus stored-value and points ledgers for a fifth of them (two entries each, some
spent down to zero), this month's paid orders for some, and some customers in a running
invitation task.

Measured in the same run, for the demo manager's store:

* ``segments_for_store``: the six default segments' counts (selectable, not selectable,
  inviting), all in one aggregate query that reads the store's customers once — goal <= 0.5 s
  (best of 5);
* the same six segments evaluated per customer in Python, each customer tested with the
  per-customer selectors the code base has (running entry, orders, the two ledger balances:
  4 queries a customer) — the goal's baseline;
* for comparison, the same loop over rows read in bulk (5 queries, no N+1), printed as a figure.

The counts of all three must agree; goal: the SQL counts are >= 5x faster than the loop. Two
Results: the ratio (>=5) and the absolute time (<=0.5 s). After the load the tables are
``VACUUM ANALYZE``d, as autovacuum does after a load this size (PostgreSQL >= 13 vacuums
insert-only tables too), so the covering index of migration invitations/0003 is read index-only.
``BENCH_EXPLAIN=1`` prints the counts query's plan and times it, without the baselines.

Measured (PostgreSQL 15, 2 shared cores, BENCH_SCALE=1): store of 83,334 customers; the counts
~0.42-0.5 s (6 separate count queries without the covering index: 1.44 s; one query without it:
0.53 s); the per-customer loop ~150 s; the bulk-read loop ~1.4 s.
"""

from __future__ import annotations

import os
import random
import time
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from bench.harness import Result, timed
from common.bulk import bulk_insert
from customers.models import Customer, Order, PointsEntry, StoredValueEntry
from invitations.models import InvitationEntry, InvitationTask
from invitations.segments import DORMANT_DAYS, SegmentContext, high_spender_min_order, segments_for_store
from stores.models import Staff


def _ledgers(rng: random.Random, now) -> None:
    """Two entries for every fifth customer in each ledger; a third spent down to zero."""
    ids = list(Customer.objects.filter(id__gt=0).values_list("id", "store_id").iterator(chunk_size=50_000))

    def rows(kind_in, kind_out, money: bool):
        for customer_id, store_id in ids:
            if customer_id % 5:
                continue
            first = Decimal(rng.randrange(100, 5000)) if money else rng.randrange(100, 8000)
            yield {"customer_id": customer_id, "store_id": store_id, "seq": 1, "kind": kind_in, "delta": first,
                   "balance_after": first, "created_at": now - timedelta(days=200), "note": ""}
            if customer_id % 3 == 0:
                yield {"customer_id": customer_id, "store_id": store_id, "seq": 2, "kind": kind_out, "delta": -first,
                       "balance_after": 0 if not money else Decimal("0"), "created_at": now - timedelta(days=20),
                       "note": ""}

    fields = ["customer_id", "store_id", "seq", "kind", "delta", "balance_after", "created_at", "note"]
    bulk_insert(StoredValueEntry, rows(StoredValueEntry.Kind.TOP_UP, StoredValueEntry.Kind.SPEND, True), fields=fields)
    bulk_insert(PointsEntry, rows(PointsEntry.Kind.ADJUST, PointsEntry.Kind.ADJUST, False), fields=fields)


def _this_month(store, now) -> None:
    """Paid orders this month for one customer in 40 of the store; a running task for one in 50."""
    month_start = SegmentContext(store=store, now=now).month_start
    customers = list(Customer.objects.filter(store=store).values_list("id", "owner_assistant_id")[::40])
    orders = [{"number": f"BSEG{cid}", "customer_id": cid, "store_id": store.pk, "assistant_id": owner,
               "amount": Decimal(3000 + (cid % 7) * 1000), "payment_type": Order.PaymentType.IN_STORE,
               "status": Order.Status.PAID, "placed_at": month_start, "paid_at": month_start + timedelta(hours=1),
               "channel": Order.Channel.IN_STORE, "note": ""} for cid, owner in customers]
    bulk_insert(Order, orders, fields=list(orders[0]))
    manager = Staff.objects.get(user__username="manager")
    task = InvitationTask.objects.create(store=store, title="bench", created_by=manager,
                                         deadline=now + timedelta(days=30))
    owned = Customer.objects.filter(store=store, owner_assistant__isnull=False).values_list("id", "owner_assistant_id")
    InvitationEntry.objects.bulk_create(
        [InvitationEntry(task=task, customer_id=cid, assistant_id=owner, store=store, channel="phone")
         for cid, owner in list(owned)[::50]], batch_size=5000)


def per_customer_counts(store, now) -> dict[str, int]:
    """The baseline: the same six segments (selectable customers, inviting ones left out) tested
    customer by customer in Python over rows read in bulk."""
    ctx = SegmentContext(store=store, now=now)
    staff = set(Staff.objects.filter(store=store, is_active=True).values_list("pk", flat=True))
    customers = list(Customer.objects.filter(store=store, erased_at__isnull=True)
                     .values_list("id", "owner_assistant_id", "birthday"))
    ids = [c[0] for c in customers]
    orders = defaultdict(list)
    for cid, status, amount, placed, paid in (Order.objects.filter(store=store)
                                              .values_list("customer_id", "status", "amount", "placed_at", "paid_at")
                                              .iterator(chunk_size=20_000)):
        orders[cid].append((status, amount, placed, paid))
    newest = {}
    for model in (StoredValueEntry, PointsEntry):
        latest: dict[int, tuple[int, object]] = {}
        for cid, seq, balance in (model.objects.filter(customer__store=store)
                                  .values_list("customer_id", "seq", "balance_after").iterator(chunk_size=20_000)):
            if cid not in latest or seq > latest[cid][0]:
                latest[cid] = (seq, balance)
        newest[model] = latest
    inviting = set(InvitationEntry.objects.filter(active=True, customer__store=store)
                   .values_list("customer_id", flat=True))
    threshold = high_spender_min_order()
    dormant_since = now - timedelta(days=DORMANT_DAYS)
    counts = dict.fromkeys(("birthday_this_month", "high_spenders_this_month", "stored_value", "points",
                            "coupon_expiring", "dormant"), 0)
    del ids
    for cid, owner, birthday in customers:
        if owner not in staff or cid in inviting:
            continue
        mine = [o for o in orders.get(cid, ()) if o[0] != Order.Status.CANCELLED]
        if birthday and birthday.month == ctx.today.month:
            counts["birthday_this_month"] += 1
        paid = [o[1] for o in mine if o[3] and ctx.month_start <= o[3] < ctx.next_month_start]
        if paid and sum(paid) / len(paid) >= threshold:
            counts["high_spenders_this_month"] += 1
        if newest[StoredValueEntry].get(cid, (0, 0))[1] > 0:
            counts["stored_value"] += 1
        if newest[PointsEntry].get(cid, (0, 0))[1] > 0:
            counts["points"] += 1
        if mine and not any(o[2] >= dormant_since for o in mine):
            counts["dormant"] += 1
    return counts


def per_customer_loop(store, now) -> dict[str, int]:
    """The naive job: each customer of the store tested one by one with the per-customer
    selectors the code base has (running entry, orders, ledger balances: 4 queries a customer)."""
    from customers.ledgers import points_balance, stored_value_balance

    ctx = SegmentContext(store=store, now=now)
    staff = set(Staff.objects.filter(store=store, is_active=True).values_list("pk", flat=True))
    threshold = high_spender_min_order()
    dormant_since = now - timedelta(days=DORMANT_DAYS)
    counts = dict.fromkeys(("birthday_this_month", "high_spenders_this_month", "stored_value", "points",
                            "coupon_expiring", "dormant"), 0)
    for customer in Customer.objects.filter(store=store, erased_at__isnull=True).iterator(chunk_size=2000):
        if customer.owner_assistant_id not in staff:
            continue
        if InvitationEntry.objects.filter(customer=customer, active=True).exists():
            continue
        if customer.birthday and customer.birthday.month == ctx.today.month:
            counts["birthday_this_month"] += 1
        mine = list(Order.objects.filter(customer=customer, store=store).exclude(status=Order.Status.CANCELLED)
                    .values_list("amount", "placed_at", "paid_at"))
        paid = [a for a, _placed, p in mine if p and ctx.month_start <= p < ctx.next_month_start]
        if paid and sum(paid) / len(paid) >= threshold:
            counts["high_spenders_this_month"] += 1
        if mine and not any(placed >= dormant_since for _a, placed, _p in mine):
            counts["dormant"] += 1
        counts["stored_value"] += stored_value_balance(customer) > 0
        counts["points"] += points_balance(customer) > 0
    return counts


def _explain(store, viewer, now) -> None:
    """BENCH_EXPLAIN=1: print the plan of the counts query (EXPLAIN ANALYZE)."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        segments_for_store(store=store, viewer=viewer, now=now)
    sql = next(q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT SUM("))
    with connection.cursor() as cursor:
        cursor.execute("SET jit = off")
        cursor.execute("EXPLAIN ANALYZE " + sql)
        print("\n".join(row[0] for row in cursor.fetchall()))


def run(scale: float) -> list[Result] | Result:
    if connection.vendor != "postgresql":
        return Result("segments", 0, ">=5", skipped="needs PostgreSQL: set DATABASE_URL")
    from django.contrib.auth import get_user_model

    from demo.seed import seed_customers, seed_organisation

    size = max(int(1_000_000 * scale), 10_000)
    rng = random.Random(5)
    now = timezone.now()
    started = time.perf_counter()
    seed_organisation(rng)
    seed_customers(size, rng)
    _ledgers(rng, now)
    manager = get_user_model().objects.get(username="manager")
    store = manager.staff.store
    _this_month(store, now)
    with connection.cursor() as cursor:
        # As autovacuum does after a load this size (PostgreSQL >= 13 vacuums insert-only tables too).
        cursor.execute("VACUUM ANALYZE")
    load = time.perf_counter() - started

    results = {}
    if os.environ.get("BENCH_EXPLAIN"):  # the plan and the time only, no baselines
        _explain(store, manager, now)
        sql_time = timed(lambda: segments_for_store(store=store, viewer=manager, now=now), repeat=5)
        return Result("segments_time_s", sql_time, "<=0.5", {"segments_for_store": f"{sql_time * 1000:.0f} ms"})
    segments_for_store(store=store, viewer=manager, now=now)  # warm up
    sql_time = timed(lambda: results.update(sql=segments_for_store(store=store, viewer=manager, now=now)), repeat=5)
    bulk_time = timed(lambda: results.update(py=per_customer_counts(store, now)), repeat=2)
    loop_time = timed(lambda: results.update(loop=per_customer_loop(store, now)))
    sql_counts = {s["key"]: s["count"] for s in results["sql"]}
    for baseline in ("py", "loop"):
        counted = {k: v for k, v in results[baseline].items() if v}
        assert sql_counts == counted, (baseline, sql_counts, counted)

    figures = {
        "customers": f"{Customer.objects.count():,} (loaded in {load:.0f}s); store {store.name}: "
                     f"{Customer.objects.filter(store=store).count():,}",
        "counts": ", ".join(f"{k}={v:,}" for k, v in sql_counts.items()),
        "segments_for_store (one counts query)": f"{sql_time * 1000:.0f} ms",
        "per customer in Python, 4 queries a customer (the goal's baseline)": f"{loop_time * 1000:.0f} ms",
        "per customer in Python over rows read in bulk (5 queries; for comparison)":
            f"{bulk_time * 1000:.0f} ms (x{bulk_time / sql_time:.1f})",
    }
    return [
        Result("segments", loop_time / sql_time, ">=5", figures),
        Result("segments_time_s", sql_time, "<=0.5"),
    ]
