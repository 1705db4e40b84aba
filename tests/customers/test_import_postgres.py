"""The import's write path on PostgreSQL (CUS-10): COPY with reserved ids, all or nothing."""

import csv
import io

import pytest
from django.db import connection
from django.utils import translation

from customers import imports
from customers.imports import ImportFileError, file_import
from customers.models import Customer, Order, OrderItem, OwnerChange, Payment
from stores.models import Product
from tests.factories import CustomerFactory, OrderFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield

HEADER = ["订单号", "下单时间", "门店编码", "导购工号", "手机号", "商品编码", "数量", "金额"]


def orders_csv(org, numbers) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for n, number in enumerate(numbers):
        writer.writerow([number, "2026-11-03 10:00", org.store_a1.code, org.assistant.job_number, f"1370000{n:04d}",
                         "K-1", "2", "￥2,000.00"])
    return buffer.getvalue().encode("gb18030")


@pytest.fixture
def product(db):
    return Product.objects.create(sku="K-1", name="水槽", category=Product.Category.KITCHEN, price="1000")


def counts():
    return [m.objects.count() for m in (Customer, Order, OrderItem, Payment, OwnerChange)]


def test_copy_writes_orders_items_payments_and_new_customers_with_ids_from_the_sequences(org, product):
    assert connection.vendor == "postgresql"
    before = counts()

    outcome = file_import(kind="orders", user=org.manager.user, name="pos.csv",
                          data=orders_csv(org, [f"PG{n}" for n in range(50)]))

    assert outcome.ok and outcome.created == 50 and outcome.customers_created == 50
    assert [a - b for a, b in zip(counts(), before)] == [50, 50, 50, 50, 50]
    order = Order.objects.select_related("customer").get(number="PG7")
    assert order.customer.mobile == "13700000007" and order.items.get().order_id == order.pk
    # Rows the ORM writes afterwards take the next ids: the sequences were advanced, not bypassed.
    later = OrderFactory(customer=CustomerFactory(store=org.store_a1))
    assert later.pk > order.pk and later.customer.pk > order.customer.pk


def test_a_failure_inside_the_copy_leaves_nothing_written(org, product, monkeypatch):
    # Given an order number stored after the file was checked (another import won the race)
    OrderFactory(number="PG3", customer=CustomerFactory(store=org.store_a1))
    real_init = imports._Lookups.__init__

    def blind(self, **kwargs):
        real_init(self, **kwargs)
        self.stored_numbers = set()

    monkeypatch.setattr(imports._Lookups, "__init__", blind)
    before = counts()

    # When the import writes, the unique order number stops the COPY of orders
    with pytest.raises(ImportFileError, match="nothing was imported"):
        file_import(kind="orders", user=org.manager.user, name="pos.csv",
                    data=orders_csv(org, [f"PG{n}" for n in range(5)]))

    # Then the customers and owner changes copied before it were rolled back with it
    assert counts() == before
