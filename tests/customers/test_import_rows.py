"""Imports of POS exports (CUS-10): per-row errors, all or nothing, lookups and rules."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from openpyxl import Workbook

from customers.errors import CustomerError
from customers.import_files import ImportFileError, parse_amount, parse_datetime, parse_mobile, read_table
from customers.imports import file_import
from customers.models import Customer, Order, OrderItem, OwnerChange, Payment
from stores.models import Product
from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db


def csv_bytes(rows: list[list], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.fixture
def products(db):
    return [Product.objects.create(sku=f"K-{n}", name=f"水槽{n}", category=Product.Category.KITCHEN, price="1299")
            for n in (1, 2)]


def counts():
    return (Customer.objects.count(), Order.objects.count(), OrderItem.objects.count(), Payment.objects.count(),
            OwnerChange.objects.count())


ORDER_HEADER = ["订单号", "下单时间", "门店编码", "导购工号", "手机号", "姓名", "商品编码", "数量", "金额", "支付方式"]


# --- Values ------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw, expected", [
    ("13812345678", "13812345678"), (" 138-1234-5678 ", "13812345678"), ("+86 13812345678", "13812345678"),
    (13812345678, "13812345678"), (13812345678.0, "13812345678"),
])
def test_mobiles_in_the_forms_pos_systems_write_them_are_read(raw, expected):
    assert parse_mobile(raw) == expected


@pytest.mark.parametrize("raw", ["1381234567", "12812345678", "138123456789", "abc", "021-64001234"])
def test_a_number_that_is_not_a_mainland_mobile_is_refused(raw):
    with pytest.raises(ValueError):
        parse_mobile(raw)


@pytest.mark.parametrize("raw, expected", [
    ("2026-11-03", datetime(2026, 11, 3)), ("2026/11/3", datetime(2026, 11, 3)), ("20261103", datetime(2026, 11, 3)),
    ("2026年11月3日", datetime(2026, 11, 3)), ("2026/11/3 14:05", datetime(2026, 11, 3, 14, 5)),
    ("2026-11-03 14:05:09", datetime(2026, 11, 3, 14, 5, 9)), (46329, datetime(2026, 11, 3)),
    ("46329", datetime(2026, 11, 3)), (date(2026, 11, 3), datetime(2026, 11, 3)),
])
def test_dates_in_common_forms_and_excel_dates_are_read(raw, expected):
    assert parse_datetime(raw) == expected


@pytest.mark.parametrize("raw", ["2026-13-01", "2026-02-30", "明天", "3/11", "2026-11-03 25:00"])
def test_a_value_that_is_no_date_is_refused(raw):
    with pytest.raises(ValueError):
        parse_datetime(raw)


@pytest.mark.parametrize("raw, expected", [
    ("¥1,299.00", "1299.00"), ("￥1299", "1299.00"), ("1299元", "1299.00"), ("0", "0.00"), (1299.5, "1299.50"),
])
def test_amounts_with_currency_signs_and_separators_are_read(raw, expected):
    assert parse_amount(raw) == Decimal(expected)


@pytest.mark.parametrize("raw", ["-100", "(100.00)", "一千", "12.345", "1.2.3", ""])
def test_negative_or_garbage_amounts_are_refused(raw):
    with pytest.raises(ValueError):
        parse_amount(raw)


# --- Files ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_utf8_with_or_without_bom_and_in_gbk_reads_the_same(encoding):
    header, rows = read_table("x.csv", csv_bytes([["姓名", "手机号"], ["张三", "13812345678"]], encoding))
    assert header[0].replace("\ufeff", "") == "姓名" and rows == [["张三", "13812345678"]]


def test_a_file_in_neither_utf8_nor_gbk_is_one_clear_error():
    with pytest.raises(ImportFileError, match="neither UTF-8 nor GBK"):
        read_table("x.csv", "姓名,手机号\n".encode("utf-8") + b"\xff\xfe\x81")


def test_a_utf16_file_is_refused_with_advice():
    with pytest.raises(ImportFileError, match="UTF-16"):
        read_table("x.csv", "姓名,手机号\n".encode("utf-16"))


def test_a_broken_xlsx_is_refused():
    with pytest.raises(ImportFileError, match="Excel"):
        read_table("x.xlsx", b"PK\x03\x04 not really a zip")


@pytest.fixture(autouse=True)
def _english():
    # Messages are asserted in their English source form; the UI shows them in Chinese.
    with translation.override("en"):
        yield


# --- Orders: the messy real-world-shaped file ------------------------------------------------


def messy_orders(org) -> list[list]:
    # GBK has the full-width yuan sign ￥ (what Chinese POS systems print), not ¥.
    a1, a2 = org.store_a1.code, org.store_a2.code
    job = org.assistant.job_number
    return [
        ORDER_HEADER,
        ["P0001", "2026/11/3 14:05", a1, job, "138 1234 5678", "王女士", "K-1", "1", "￥1,299.00", "微信"],  # ok
        ["P0001", "2026/11/3 14:05", a1, job, "13812345678", "王女士", "K-2", "2", "￥2,000", "微信"],  # 2nd line
        ["P0002", "2026-11-04", a1, job, "1381234567", "李", "K-1", "1", "899", "定金"],  # bad phone
        ["P0003", "2026-13-40", a1, job, "13900001111", "赵", "K-1", "1", "899", "现金"],  # bad date
        ["P0004", "20261105", "nowhere", job, "13900002222", "钱", "K-1", "1", "899", "现金"],  # unknown store
        ["P0005", "20261105", a1, job, "13900003333", "孙", "K-9", "1", "-50", "现金"],  # product + amount
        ["P0001", "2026/11/3 14:05", a1, job, "13812345678", "王女士", "K-1", "1", "￥1,299.00", "微信"],  # dup
        ["P0006", "2026-11-06", a2, job, "13900004444", "周", "K-1", "1", "899", "现金"],  # other store (mgr)
        ["P0007", "2026-11-06", a1, org.other_store_assistant.job_number, "13900005555", "吴", "", "", "500", ""],
    ]


def test_a_messy_gbk_orders_file_reports_every_bad_row_and_imports_nothing(org, products):
    # Given a GBK export with Chinese headers and bad rows, imported by the store manager
    before = counts()
    data = csv_bytes(messy_orders(org), "gbk")

    # When it is imported
    outcome = file_import(kind="orders", user=org.manager.user, name="pos.csv", data=data)

    # Then each bad row is reported with what is wrong, and nothing at all was written
    found = {(e.row, e.field) for e in outcome.errors}
    assert found == {
        (4, "手机号"), (5, "下单时间"), (6, "门店编码"), (7, "商品编码"), (7, "金额"), (8, "订单号"),
        (9, "门店编码"), (10, "导购工号"),
    }
    messages = {(e.row, e.field): e.message for e in outcome.errors}
    assert "mainland mobile" in messages[(4, "手机号")]
    assert "row 2" in messages[(8, "订单号")]
    assert "does not work in store" in messages[(10, "导购工号")]
    assert counts() == before


def test_a_clean_orders_file_imports_every_order_line_and_creates_the_new_customers(org, products):
    # Given the messy file without its bad rows, and a customer the store already knows
    known = CustomerFactory(store=org.store_a1, mobile="13900005555", owner_assistant=org.colleague)
    rows = [row for n, row in enumerate(messy_orders(org), start=1) if n in (1, 2, 3)]
    rows.append(["P0007", "2026-11-06", org.store_a1.code, org.colleague.job_number, "13900005555", "", "", "",
                 "500", ""])
    before_customers = Customer.objects.count()

    # When
    outcome = file_import(kind="orders", user=org.manager.user, name="pos.csv", data=csv_bytes(rows, "gbk"))

    # Then two orders, the first with two lines summed, one new customer (source import, owned by
    # the selling assistant) and the known customer's order attached to them
    assert outcome.ok, outcome.errors
    assert (outcome.created, outcome.customers_created) == (2, 1)
    first = Order.objects.get(number="P0001")
    assert first.amount == Decimal("3299.00") and first.store == org.store_a1 and first.assistant == org.assistant
    assert first.placed_at == timezone.make_aware(datetime(2026, 11, 3, 14, 5))
    assert sorted((i.sku, i.quantity, i.unit_price) for i in first.items.all()) == [
        ("K-1", 1, Decimal("1299.00")), ("K-2", 2, Decimal("1000.00"))]
    assert first.payments.get().amount == Decimal("3299.00")
    buyer = first.customer
    assert (buyer.mobile, buyer.name, buyer.source, buyer.owner_assistant) == (
        "13812345678", "王女士", Customer.Source.IMPORT, org.assistant)
    assert OwnerChange.objects.get(customer=buyer).to_assistant == org.assistant
    assert Order.objects.get(number="P0007").customer == known
    assert Customer.objects.count() == before_customers + 1


def test_an_order_number_already_stored_is_refused(org, products):
    OrderFactory(number="P0001", customer=CustomerFactory(store=org.store_a1))
    data = csv_bytes([ORDER_HEADER, ["P0001", "2026-11-03", org.store_a1.code, "", "13812345678", "", "", "", "9", ""]])

    outcome = file_import(kind="orders", user=org.hq.user, name="pos.csv", data=data)

    assert [(e.row, e.field) for e in outcome.errors] == [(2, "订单号")]
    assert "already stored" in outcome.errors[0].message


def test_rows_of_one_order_that_disagree_are_errors(org, products):
    a1 = org.store_a1.code
    data = csv_bytes([ORDER_HEADER, ["P1", "2026-11-03", a1, "", "13812345678", "", "K-1", "1", "9", ""],
                      ["P1", "2026-11-03", a1, "", "13812340000", "", "K-2", "1", "9", ""]])

    outcome = file_import(kind="orders", user=org.hq.user, name="pos.csv", data=data)

    assert [(e.row, e.field) for e in outcome.errors] == [(3, "手机号")]


def test_an_xlsx_orders_export_with_excel_dates_and_numbers_imports(org, products):
    # Given an Excel sheet: real dates and numbers in the cells, English headers
    data = xlsx_bytes([
        ["Order number", "Order time", "Store code", "Mobile", "SKU", "Quantity", "Amount", "Payment type"],
        ["X1", datetime(2026, 11, 3, 9, 30), org.store_a1.code, 13812345678, "K-1", 2, 2598, "全款"],
    ])

    outcome = file_import(kind="orders", user=org.manager.user, name="pos.xlsx", data=data)

    assert outcome.ok, outcome.errors
    order = Order.objects.get(number="X1")
    assert (order.amount, order.payment_type, order.channel) == (
        Decimal("2598.00"), Order.PaymentType.FULL_ONLINE, Order.Channel.ONLINE)
    assert order.items.get().unit_price == Decimal("1299.00")


def test_a_missing_required_column_is_one_clear_error(org):
    with pytest.raises(ImportFileError, match="Missing column.*订单号"):
        file_import(kind="orders", user=org.hq.user, name="x.csv",
                    data=csv_bytes([["手机号", "金额", "下单时间"], ["1", "2", "3"]]))


# --- Customers ------------------------------------------------------------------------------------


CUSTOMER_HEADER = ["姓名", "手机", "性别", "生日", "小区", "地址", "门店", "导购工号"]


def test_a_customers_file_with_bad_rows_reports_them_all_together_and_imports_nothing(org):
    before = counts()
    data = csv_bytes([
        CUSTOMER_HEADER,
        ["张三", "13812345678", "男", "1988-05-01", "滨江壹号", "1栋", "", org.assistant.job_number],
        ["李四", "1234", "未说", "明年", "", "", "", ""],  # three errors on one row
        ["王五", "13812345678", "女", "", "", "", "", ""],  # duplicate of row 2
        ["赵六", "13900001111", "", "", "", "", org.store_b1.name, ""],  # not the manager's store
    ], "gbk")

    outcome = file_import(kind="customers", user=org.manager.user, name="members.csv", data=data)

    assert [(e.row, e.field) for e in outcome.errors] == [
        (3, "手机"), (3, "性别"), (3, "生日"), (4, "手机"), (5, "门店")]
    assert counts() == before


def test_a_clean_customers_file_adds_new_customers_and_fills_known_ones_without_overwriting(org):
    # Given a known customer of the store with a name but no community and no assistant
    known = CustomerFactory(store=org.store_a1, mobile="13912345678", name="老客户", community="", owner_assistant=None)
    data = csv_bytes([
        CUSTOMER_HEADER,
        ["张三", "13812345678", "男", "1988/5/1", "滨江壹号", "1栋", "", org.assistant.job_number],
        ["新名字", "13912345678", "女", "", "绿城", "", "", org.colleague.job_number],
    ])

    # When the manager imports (the store column empty: their own store)
    outcome = file_import(kind="customers", user=org.manager.user, name="members.csv", data=data)

    # Then
    assert outcome.ok, outcome.errors
    assert (outcome.created, outcome.updated) == (1, 1)
    new = Customer.objects.get(mobile="13812345678")
    assert (new.store, new.owner_assistant, new.gender, new.birthday, new.source) == (
        org.store_a1, org.assistant, "m", date(1988, 5, 1), Customer.Source.IMPORT)
    assert OwnerChange.objects.filter(customer=new, to_assistant=org.assistant, reason="assigned").exists()
    known.refresh_from_db()
    assert (known.name, known.community, known.gender, known.owner_assistant) == ("老客户", "绿城", "f", org.colleague)
    assert OwnerChange.objects.filter(customer=known, to_assistant=org.colleague).exists()


def test_customers_of_another_store_with_the_same_mobile_are_not_touched(org):
    elsewhere = CustomerFactory(store=org.store_b1, mobile="13812345678", name="北京客户")
    data = csv_bytes([CUSTOMER_HEADER, ["张三", "13812345678", "", "", "", "", "", ""]])

    outcome = file_import(kind="customers", user=org.manager.user, name="m.csv", data=data)

    assert outcome.ok and outcome.created == 1
    elsewhere.refresh_from_db()
    assert elsewhere.name == "北京客户"
    assert Customer.objects.filter(mobile="13812345678", store=org.store_a1).exists()


# --- Scope ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role, may", [("hq", True), ("supervisor", True), ("manager", False)])
def test_who_may_import_into_another_store(org, role, may):
    data = csv_bytes([CUSTOMER_HEADER, ["张三", "13812345678", "", "", "", "", org.store_a2.code, ""]])

    outcome = file_import(kind="customers", user=org.user(role), name="m.csv", data=data)

    assert outcome.ok is may
    assert Customer.objects.filter(mobile="13812345678", store=org.store_a2).exists() is may


@pytest.mark.parametrize("role", ["assistant", "partner", "outsider"])
def test_floor_staff_partners_and_outsiders_cannot_import(org, role):
    data = csv_bytes([CUSTOMER_HEADER, ["张三", "13812345678", "", "", "", "", "", ""]])

    with pytest.raises(CustomerError):
        file_import(kind="customers", user=org.user(role), name="m.csv", data=data)
    assert not Customer.objects.filter(mobile="13812345678").exists()


def test_head_office_must_name_the_store(org):
    data = csv_bytes([CUSTOMER_HEADER, ["张三", "13812345678", "", "", "", "", "", ""]])

    outcome = file_import(kind="customers", user=org.hq.user, name="m.csv", data=data)

    assert [(e.row, e.field) for e in outcome.errors] == [(2, "门店")]


def test_orders_of_an_assistant_who_left_stay_theirs_but_new_buyers_go_to_the_store(org, products):
    org.colleague.is_active = False
    org.colleague.save()
    data = csv_bytes([ORDER_HEADER, ["L1", "2025-03-01", org.store_a1.code, org.colleague.job_number, "13612345678",
                                     "", "K-1", "1", "99", ""]])

    outcome = file_import(kind="orders", user=org.manager.user, name="old.csv", data=data)

    assert outcome.ok, outcome.errors
    order = Order.objects.select_related("customer").get(number="L1")
    assert order.assistant == org.colleague
    assert (order.customer.store, order.customer.owner_assistant) == (org.store_a1, None)


def test_customers_cannot_be_assigned_to_an_assistant_who_left(org):
    org.colleague.is_active = False
    org.colleague.save()
    data = csv_bytes([CUSTOMER_HEADER, ["张三", "13812345678", "", "", "", "", "", org.colleague.job_number]])

    outcome = file_import(kind="customers", user=org.manager.user, name="m.csv", data=data)

    assert [(e.row, e.field) for e in outcome.errors] == [(2, "导购工号")]


def test_errors_name_the_column_as_the_files_header_does(org):
    data = csv_bytes([["Name", "手机", "Store"], ["Zhang", "123", org.store_b1.code]])

    outcome = file_import(kind="customers", user=org.manager.user, name="m.csv", data=data)

    assert [(e.field, e.value) for e in outcome.errors] == [("手机", "123"), ("Store", org.store_b1.code)]
