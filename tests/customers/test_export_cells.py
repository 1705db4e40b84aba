"""Exports never hand a spreadsheet a formula (formula injection): a customer named like a formula
comes out as text, in CSV and XLSX; numbers stay numbers (``common.spreadsheets.cell_safe``)."""

import csv
import io
from decimal import Decimal

import pytest
from django.utils import translation
from openpyxl import Workbook, load_workbook

from common.spreadsheets import cell_safe
from customers import exports
from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://x","y")'


def export(user, kind, fmt, params):
    out = io.BytesIO()
    with translation.override("en"):
        exports.write_export(kind=kind, user=user, params=params, fmt=fmt, out=out)
    return out.getvalue()


def xlsx_rows(content: bytes):
    return list(load_workbook(io.BytesIO(content)).active.iter_rows())


def test_a_customer_named_like_a_formula_is_text_in_the_xlsx_export(org):
    customer = CustomerFactory(store=org.store_a1, name=FORMULA)

    rows = xlsx_rows(export(org.manager.user, exports.CUSTOMERS, "xlsx", {"q": [FORMULA]}))

    header = [cell.value for cell in rows[0]]
    name = rows[1][header.index("Name")]
    assert rows[1][0].value == customer.pk and rows[1][0].data_type == "n"
    assert name.data_type == "s" and name.value == FORMULA


def test_a_customer_named_like_a_formula_gets_an_apostrophe_in_the_csv_export(org):
    CustomerFactory(store=org.store_a1, name=FORMULA, community="+86 小区", address="-1 栋")

    rows = list(csv.reader(io.StringIO(
        export(org.manager.user, exports.CUSTOMERS, "csv", {"q": [FORMULA]}).decode("utf-8-sig"))))

    header = rows[0]
    row = dict(zip(header, rows[1], strict=True))
    assert row["Name"] == "'" + FORMULA
    assert (row["Residential community"], row["Address"]) == ("'+86 小区", "'-1 栋")


def test_an_orders_export_keeps_amounts_numbers_and_formula_names_text(org):
    customer = CustomerFactory(store=org.store_a1, name="@SUM(A1)")
    OrderFactory(customer=customer, amount="1999.50")

    rows = xlsx_rows(export(org.manager.user, exports.ORDERS, "xlsx", {}))

    header = [cell.value for cell in rows[0]]
    row = next(r for r in rows[1:] if r[header.index("Customer")].value == "@SUM(A1)")
    amount, name = row[header.index("Amount")], row[header.index("Customer")]
    assert amount.data_type == "n" and amount.value == pytest.approx(1999.50)
    assert name.data_type == "s" and name.value == "@SUM(A1)"


def test_cell_safe_leaves_numbers_and_plain_text_alone():
    sheet = Workbook(write_only=True).create_sheet("x")
    assert cell_safe(Decimal("-12.50")) == Decimal("-12.50") and cell_safe(-3) == -3
    assert cell_safe(Decimal("-12.50"), sheet=sheet) == Decimal("-12.50")
    assert cell_safe("王丽") == "王丽" and cell_safe("王丽", sheet=sheet) == "王丽"
    assert cell_safe("\tx") == "'\tx" and cell_safe("\r=1") == "'\r=1"
    assert cell_safe(None) is None


def test_a_negative_number_is_written_as_a_number_in_xlsx():
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("x")
    sheet.append([cell_safe(value, sheet=sheet) for value in (Decimal("-12.50"), "-12.50", FORMULA)])
    out = io.BytesIO()
    workbook.save(out)

    number, text, formula = load_workbook(io.BytesIO(out.getvalue())).active[1]
    assert number.data_type == "n" and number.value == pytest.approx(-12.5)
    assert (text.data_type, text.value) == ("s", "-12.50")  # a string stays the string it was
    assert (formula.data_type, formula.value) == ("s", FORMULA)
