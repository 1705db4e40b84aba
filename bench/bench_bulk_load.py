"""Loading customers with the product's bulk loader vs. the bare database path.

The loader (``common.bulk.bulk_insert``) fills defaults and serialises values; the baseline sends
the same, already serialised rows straight to the database (COPY on PostgreSQL, executemany on
SQLite). Goal: the loader keeps at least half the bare rate, so big imports and the
1,000,000-customer demo load stay bulk-fast.
"""

import random
from io import StringIO

from django.db import connection, transaction
from django.utils import timezone

from bench.harness import Result, timed
from common.bulk import _copy_text, bulk_insert
from customers.models import Customer
from stores.models import Region, Store

FIELDS = ["name", "mobile", "community", "store_id", "openid", "created_at"]


def rows(count: int, store_id: int, tag: str):
    rng = random.Random(7)
    now = timezone.now()
    return [
        {"name": f"客户{n}", "mobile": f"1{rng.choice('3589')}{rng.randrange(10**9):09d}", "community": "滨江壹号",
         "store_id": store_id, "openid": f"o{tag}{n:010d}", "created_at": now}
        for n in range(count)
    ]


def bare_insert(data: list[dict]) -> None:
    """Baseline: every column, values rendered up front, one statement stream, one transaction."""
    model_fields = [f for f in Customer._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_default() for f in model_fields if f.attname not in FIELDS}
    columns = [f.column for f in model_fields]
    prepared = [[({**defaults, **row})[f.attname] for f in model_fields] for row in data]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            buffer = StringIO("".join("\t".join(_copy_text(v) for v in values) + "\n" for values in prepared))
            cursor.copy_expert(f"COPY customers_customer ({', '.join(columns)}) FROM STDIN", buffer)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO customers_customer ({', '.join(columns)}) VALUES ({marks})", prepared)


def run(scale: float) -> Result:
    count = max(int(50_000 * scale), 1000)
    region = Region.objects.create(name="基准区", code="bench")
    store = Store.objects.create(region=region, name="基准店", code="bench", city="上海", address="-")
    baseline_rows, loader_rows = rows(count, store.pk, "b"), rows(count, store.pk, "l")

    baseline = timed(lambda: bare_insert(baseline_rows))
    loader = timed(lambda: bulk_insert(Customer, iter(loader_rows), fields=FIELDS))
    assert Customer.objects.filter(store=store).count() == 2 * count
    ratio = (count / loader) / (count / baseline)
    return Result(
        name="bulk_load",
        ratio=ratio,
        goal=">=0.5",
        figures={
            "rows": f"{count:,}",
            "bare insert": f"{baseline:.2f}s ({count / baseline:,.0f} rows/s)",
            "bulk_insert": f"{loader:.2f}s ({count / loader:,.0f} rows/s)",
        },
    )
