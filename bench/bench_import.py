"""Importing a POS orders export (CUS-10) vs. a raw bulk insert of the same rows.

The subject is the whole import of a CSV file of 100,000 order rows (``customers.imports``: decode,
parse, map the header, check every row, set-based lookups of stores, staff, products, customers
and stored order numbers, then one transaction writing orders, items and payments through
``common.bulk.bulk_insert``). The baseline writes the same orders, items and payments, values
already rendered, straight to the database (COPY on PostgreSQL, executemany elsewhere) in one
transaction. Goal: the import keeps at least 0.3x the raw rate.
"""

import csv
import io
import random
from datetime import datetime, timedelta
from decimal import Decimal
from io import StringIO

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from bench.harness import Result, timed
from common.bulk import _copy_text, bulk_insert
from customers.imports import _reserve_ids, file_import
from customers.models import Customer, Order, OrderItem, Payment
from stores.models import Product, Region, Role, Staff, Store

HEADER = ["订单号", "下单时间", "门店编码", "导购工号", "手机号", "姓名", "商品编码", "数量", "金额", "支付方式"]
PAYMENTS = ["微信", "支付宝", "现金", "刷卡", "定金", "全款"]


def _user(username: str):
    return get_user_model().objects.create_user(username=username)


def organisation():
    region = Region.objects.create(name="基准区", code="bench-import")
    store = Store.objects.create(region=region, name="基准店", code="BJ001", city="上海", address="-")
    assistants = [Staff.objects.create(user=_user(f"bench-a{n}"), name=f"导购{n}",
                                       role=Role.ASSISTANT, store=store, job_number=f"BJ{n:04d}")
                  for n in range(20)]
    hq = Staff.objects.create(user=_user("bench-hq"), name="总部", role=Role.HQ_OPERATOR,
                              job_number="BHQ0001")
    products = [Product(sku=f"SKU-{n:04d}", name=f"商品{n}", category=Product.Category.KITCHEN, price="999")
                for n in range(200)]
    Product.objects.bulk_create(products)
    return store, assistants, hq, list(Product.objects.filter(sku__startswith="SKU-"))


def known_customers(store, count: int) -> list[str]:
    mobiles = [f"139{n:08d}" for n in range(count)]
    bulk_insert(Customer, ({"name": f"客户{n}", "mobile": m, "store_id": store.pk} for n, m in enumerate(mobiles)),
                fields=["name", "mobile", "store_id"])
    return mobiles


def export_rows(count: int, *, store, assistants, products, mobiles, prefix: str) -> list[list[str]]:
    """What a POS writes: Chinese headers, ¥ amounts with separators, slashed dates."""
    rng = random.Random(11)
    start = datetime(2026, 1, 1, 9, 0)
    rows = []
    for n in range(count):
        quantity = rng.randint(1, 3)
        amount = Decimal(rng.randrange(9900, 2_000_000)) / 100
        placed = start + timedelta(minutes=n)
        rows.append([f"{prefix}{n:09d}", f"{placed:%Y/%m/%d %H:%M}", store.code, rng.choice(assistants).job_number,
                     rng.choice(mobiles), "", rng.choice(products).sku, str(quantity), f"¥{amount:,.2f}",
                     rng.choice(PAYMENTS)])
    return rows


def baseline_values(rows: list[list[str]], *, store, assistants, products, customers) -> tuple[list, list, list]:
    """The same rows as the import writes them, rendered up front (not timed)."""
    staff = {a.job_number: a.pk for a in assistants}
    product = {p.sku: p for p in products}
    order_ids = _reserve_ids(Order, len(rows))
    orders, items, payments = [], [], []
    for order_id, row in zip(order_ids, rows):
        placed = timezone.make_aware(datetime.strptime(row[1], "%Y/%m/%d %H:%M"))
        amount = Decimal(row[8].lstrip("¥").replace(",", ""))
        quantity = int(row[7])
        item = product[row[6]]
        orders.append([order_id, row[0], customers[row[4]], store.pk, staff[row[3]], "in_store", amount, "in_store",
                       "paid", placed, placed, ""])
        items.append([order_id, item.pk, item.sku, item.name, item.category, quantity,
                      (amount / quantity).quantize(Decimal("0.01")), amount])
        payments.append([order_id, "in_store", amount, placed, None])
    return orders, items, payments


TABLES = [
    (Order, ["id", "number", "customer_id", "store_id", "assistant_id", "channel", "amount", "payment_type", "status",
             "placed_at", "paid_at", "note"]),
    (OrderItem, ["order_id", "product_id", "sku", "name", "category", "quantity", "unit_price", "amount"]),
    (Payment, ["order_id", "kind", "amount", "paid_at", "recorded_by_id"]),
]


def bare_insert(tables: list[list]) -> None:
    """Baseline: the three tables' rows, one statement stream each, one transaction."""
    with transaction.atomic(), connection.cursor() as cursor:
        for (model, fields), values in zip(TABLES, tables):
            columns = [model._meta.get_field(name).column for name in fields]
            table = model._meta.db_table
            if connection.vendor == "postgresql":
                buffer = StringIO("".join("\t".join(_copy_text(v) for v in row) + "\n" for row in values))
                cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)
            else:
                marks = ", ".join(["%s"] * len(columns))
                prepared = [[f.get_db_prep_save(v, connection) for f, v in
                             zip([model._meta.get_field(n) for n in fields], row)] for row in values]
                cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", prepared)


def as_csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


ROUNDS = 2  # best of two for each side, run alternately: the machine is shared, noise is high


def run(scale: float) -> Result:
    count = max(int(100_000 * scale), 1000)
    store, assistants, hq, products = organisation()
    mobiles = known_customers(store, max(count // 5, 100))
    customers = dict(Customer.objects.filter(store=store).values_list("mobile", "pk"))
    shape = {"store": store, "assistants": assistants, "products": products}
    baselines, subjects = [], []
    for round_ in range(ROUNDS):
        with transaction.atomic():
            tables = baseline_values(export_rows(count, mobiles=mobiles, prefix=f"B{round_}", **shape),
                                     customers=customers, **shape)
        data = as_csv(export_rows(count, mobiles=mobiles, prefix=f"I{round_}", **shape))
        baselines.append(timed(lambda: bare_insert(tables)))
        outcome = None

        def do_import():
            nonlocal outcome
            outcome = file_import(kind="orders", user=hq.user, name="pos-orders.csv", data=data)

        subjects.append(timed(do_import))
        assert outcome.ok, outcome.errors[:5]
        assert Order.objects.filter(number__startswith=f"I{round_}").count() == count
    assert OrderItem.objects.count() == Payment.objects.count() == 2 * ROUNDS * count
    baseline, subject = min(baselines), min(subjects)
    ratio = (count / subject) / (count / baseline)
    return Result(
        name="import",
        ratio=ratio,
        goal=">=0.3",
        figures={
            "order rows": f"{count:,} ({len(data) / 1e6:.1f} MB CSV; orders, items and payments)",
            "raw bulk insert": f"{baseline:.2f}s ({count / baseline:,.0f} rows/s), best of "
                               + ", ".join(f"{t:.2f}s" for t in baselines),
            "full import": f"{subject:.2f}s ({count / subject:,.0f} rows/s), best of "
                           + ", ".join(f"{t:.2f}s" for t in subjects),
        },
    )
