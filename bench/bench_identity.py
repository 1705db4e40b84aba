"""Resolving an incoming WeChat identity to its customer at 1,000 and at 1,000,000 customers (issue 7).

On PostgreSQL: customers with an openid and a verified mobile number; each also known by a second
openid (another app of the brand, or the row merged into it), kept as a ``CustomerIdentity`` row,
as is its mobile number. The same two resolutions are timed at both sizes through
``customers.identity.identity_customer``, the resolver every page and callback uses:

* a customer's own openid (the column: the scan path's fixed SQL),
* a second openid of a customer with a known mobile (column miss, then the identity table).

Goal: the second, the slower, costs at most 1.5x at 1,000,000 what it costs at 1,000 (ratio =
the median at the big size over the median at the small one; lower is better): every step is an
index probe. ``BENCH_SCALE`` scales the big size.
"""

from __future__ import annotations

import random
import statistics
import time

from django.db import connection
from django.utils import timezone

from bench.harness import Result
from common.bulk import bulk_insert
from customers.identity import identity_customer
from customers.models import Customer
from customers.models.identity import CustomerIdentity
from wechat.identity import Identity

SMALL = 1_000
PROBES = 2_000
ROUNDS = 3


def _load(first: int, last: int) -> None:
    """Customers ``first``..``last - 1`` with an openid, a mobile, a second openid and the mobile
    as identities (COPY; the identity rows found by joining on the openid just loaded)."""
    now = timezone.now()
    template = {f.attname: f.get_default() for f in Customer._meta.concrete_fields if not f.primary_key}
    template.update(created_at=now, updated_at=now)
    fields = list(template)

    def customers():
        for n in range(first, last):
            yield {**template, "openid": f"o-{n}", "mobile": f"139{n:08d}", "name": f"客户{n}"}

    bulk_insert(Customer, customers(), fields=fields)
    with connection.cursor() as cursor:
        table, identities = Customer._meta.db_table, CustomerIdentity._meta.db_table
        for kind, value in (("openid", "'m-' || substr(c.openid, 3)"), ("mobile", "c.mobile")):
            cursor.execute(
                f"INSERT INTO {identities} (customer_id, kind, value, created_at) "  # noqa: S608
                f"SELECT c.id, %s, {value}, %s FROM {table} c "
                f"WHERE c.openid LIKE 'o-%%' AND substr(c.openid, 3)::bigint >= %s "
                f"AND substr(c.openid, 3)::bigint < %s", [kind, now, first, last])
        cursor.execute("ANALYZE")


def _measure(size: int, prefix: str) -> float:
    """The best of ROUNDS medians of PROBES resolutions of random known identities (the machine's
    noise makes single medians of microsecond lookups wander)."""
    rng = random.Random(size)
    medians = []
    for _round in range(ROUNDS):
        times = []
        for _ in range(PROBES):
            openid = f"{prefix}-{rng.randrange(size)}"
            started = time.perf_counter()
            customer, created = identity_customer(Identity(openid=openid))
            times.append(time.perf_counter() - started)
            assert not created and customer.pk
        medians.append(statistics.median(times))
    return min(medians)


def run(scale: float) -> Result | list[Result]:
    if connection.vendor != "postgresql":
        return Result("identity", 0, "<=1.5", skipped="needs PostgreSQL: set DATABASE_URL")
    big = max(int(1_000_000 * scale), 10 * SMALL)
    _load(0, SMALL)
    small = {prefix: _measure(SMALL, prefix) for prefix in ("o", "m")}
    started = time.perf_counter()
    _load(SMALL, big)
    load = time.perf_counter() - started
    large = {prefix: _measure(big, prefix) for prefix in ("o", "m")}
    figures = {
        "customers": f"{SMALL:,} then {Customer.objects.count():,} (loaded in {load:.0f}s), "
                     f"identities {CustomerIdentity.objects.count():,}",
        "own openid (column)": f"median {small['o'] * 1e6:.0f} µs / {large['o'] * 1e6:.0f} µs "
                               f"(x{large['o'] / small['o']:.2f})",
        "second openid (identity table)": f"median {small['m'] * 1e6:.0f} µs / {large['m'] * 1e6:.0f} µs "
                                          f"(x{large['m'] / small['m']:.2f})",
    }
    return Result("identity", max(large["m"] / small["m"], large["o"] / small["o"]), "<=1.5", figures)
