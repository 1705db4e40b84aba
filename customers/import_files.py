"""Reading POS export files for the import (CUS-10): bytes → header and rows, header → our fields,
cells → checked values. ``customers.imports`` checks rows against stored data and writes them.

Every parser takes a cell as CSV (text) or openpyxl (text, number, date) gives it and returns the
value to store, or raises :class:`Bad` with a message for the user.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import CustomerError
from .models import Order

CUSTOMERS, ORDERS = "customers", "orders"


class ImportFileError(CustomerError):
    """The file as a whole cannot be read (encoding, format, header): nothing was imported."""


# --- Reading files ---------------------------------------------------------------------------

_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK, what Chinese Excel saves)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError(_("The file is UTF-16 text. Save it as “CSV UTF-8” or as an Excel .xlsx file."))
    for encoding in ("utf-8", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise ImportFileError(_("The file is neither UTF-8 nor GBK text. Save it as “CSV UTF-8” or as an "
                            "Excel .xlsx file and upload it again."))


def _delimiter(first_line: str) -> str:
    return max(",\t;", key=first_line.count)


def read_table(name: str, data: bytes) -> tuple[list[str], list[list]]:
    """The header and the data rows of a CSV or XLSX file; blank rows are dropped."""
    if data.startswith(_OLE_MAGIC):
        raise ImportFileError(_("Old Excel .xls files cannot be read. Save it as .xlsx or CSV."))
    if data.startswith(_XLSX_MAGIC) or name.lower().endswith(".xlsx"):
        rows = _read_xlsx(data)
    else:
        text = decode_text(data)
        first_line = text.split("\n", 1)[0]
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line)))
    rows = [row for row in rows if any(cell not in (None, "") and str(cell).strip() for cell in row)]
    if not rows:
        raise ImportFileError(_("The file is empty."))
    header = ["" if cell is None else str(cell) for cell in rows[0]]
    return header, rows[1:]


def _read_xlsx(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 — openpyxl raises many kinds for a broken file
        raise ImportFileError(_("The file is not a readable Excel .xlsx file.")) from error
    try:
        sheet = workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


# --- Header ---------------------------------------------------------------------------------

# Our field → headers POS systems use. The first one is what our template and messages show.
HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "客户姓名", "客户名称", "会员姓名", "客户", "name", "customer name", "customer"),
    "mobile": ("手机号", "手机", "手机号码", "联系电话", "电话", "会员手机", "mobile", "phone", "mobile number"),
    "gender": ("性别", "gender", "sex"),
    "birthday": ("生日", "出生日期", "birthday", "date of birth"),
    "community": ("小区", "小区名称", "楼盘", "community"),
    "address": ("地址", "详细地址", "收货地址", "address"),
    "house_handover_on": ("交房时间", "交房日期", "house handover date", "handover date"),
    "store": ("门店编码", "门店", "门店代码", "门店名称", "店铺", "store", "store code"),
    "assistant": ("导购工号", "导购", "导购员", "销售员工号", "销售员", "assistant", "assistant job number",
                  "job number"),
    "number": ("订单号", "订单编号", "单号", "小票号", "order number", "order no", "order"),
    "amount": ("金额", "实收金额", "实付金额", "订单金额", "成交金额", "amount"),
    "payment_type": ("支付方式", "付款方式", "payment type", "payment"),
    "placed_at": ("下单时间", "下单日期", "销售时间", "销售日期", "订单时间", "placed at", "order time", "date"),
    "sku": ("商品编码", "SKU", "货号", "商品货号", "product sku", "product code"),
    "quantity": ("数量", "件数", "quantity", "qty"),
}

FIELDS = {
    CUSTOMERS: ("name", "mobile", "gender", "birthday", "community", "address", "house_handover_on", "store",
                "assistant"),
    ORDERS: ("number", "placed_at", "store", "assistant", "mobile", "name", "sku", "quantity", "amount",
             "payment_type"),
}
REQUIRED = {CUSTOMERS: ("mobile",), ORDERS: ("number", "mobile", "amount", "placed_at")}

_HEADER_NOISE = re.compile(r"[\s*＊:：]|[(（][^)）]*[)）]")
_ALIASES = {_HEADER_NOISE.sub("", alias).lower(): name for name, aliases in HEADERS.items() for alias in aliases}


def map_header(kind: str, header: list[str]) -> tuple[dict[str, int], list[str]]:
    """Column index of each of our fields, and the columns we ignore. Raises on a bad header."""
    columns: dict[str, int] = {}
    ignored = []
    for index, title in enumerate(header):
        key = _HEADER_NOISE.sub("", title.replace("\ufeff", "")).lower()
        name = _ALIASES.get(key)
        if name is None or name not in FIELDS[kind]:
            if title.strip():
                ignored.append(title.strip())
            continue
        if name in columns:
            raise ImportFileError(_("Two columns mean the same thing: “%(a)s” and “%(b)s”.") % {
                "a": header[columns[name]].strip(), "b": title.strip()})
        columns[name] = index
    missing = [HEADERS[name][0] for name in REQUIRED[kind] if name not in columns]
    if missing:
        raise ImportFileError(_("Missing column(s): %(columns)s. Download the template to see the expected "
                                "header.") % {"columns": "、".join(missing)})
    return columns, ignored


def template_header(kind: str) -> list[str]:
    return [HEADERS[name][0] for name in FIELDS[kind]]


# --- Values ---------------------------------------------------------------------------------


class Bad(ValueError):
    """One cell's value is refused; the message is for the user."""


def _text(value) -> str:
    if type(value) is str:
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel keeps long digit strings as numbers
    return str(value).strip()


_MOBILE = re.compile(r"1[3-9]\d{9}")
_MOBILE_NOISE = re.compile(r"[\s\-()（）]")


def parse_mobile(value) -> str:
    text = _MOBILE_NOISE.sub("", _text(value))
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("86") and len(text) == 13:
        text = text[2:]
    if not _MOBILE.fullmatch(text):
        raise Bad(_("Not a mainland mobile number (11 digits starting with 1)."))
    return text


_EXCEL_EPOCH = date(1899, 12, 30)
_DATE_PATTERNS = (
    re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?")


def _from_excel_serial(number: float) -> datetime:
    if not 1 <= number < 2958466:
        raise Bad(_("Not a date. Use a form like 2026-11-03."))
    return datetime.combine(_EXCEL_EPOCH, time()) + timedelta(days=number)


def parse_datetime(value) -> datetime:
    """A naive local date and time from a cell: Excel dates, 2026-11-03 [14:05[:00]], 2026/11/3,
    2026年11月3日, 20261103, or an Excel serial number."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, date):
        return datetime.combine(value, time())
    if isinstance(value, int | float):
        return _from_excel_serial(float(value))
    text = _text(value)
    try:  # the common cases, fast: 2026-11-03 14:05 and 2026/11/03 14:05
        return datetime.fromisoformat(text.replace("/", "-") if "/" in text else text)
    except ValueError:
        pass
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            rest = text[match.end():].strip(" T")
            break
    else:
        if re.fullmatch(r"\d{5}(\.\d+)?", text):
            return _from_excel_serial(float(text))
        raise Bad(_("Not a date. Use a form like 2026-11-03."))
    clock = time()
    if rest:
        found = _TIME.fullmatch(rest)
        if not found:
            raise Bad(_("Not a time of day. Use a form like 2026-11-03 14:05."))
        try:
            clock = time(int(found[1]), int(found[2]), int(found[3] or 0))
        except ValueError as error:
            raise Bad(_("Not a time of day. Use a form like 2026-11-03 14:05.")) from error
    try:
        return datetime.combine(date(int(match[1]), int(match[2]), int(match[3])), clock)
    except ValueError as error:
        raise Bad(_("No such date.")) from error


def parse_date(value) -> date:
    return parse_datetime(value).date()


_AMOUNT_NOISE = re.compile(r"[\s,，¥￥元]|RMB|CNY", re.IGNORECASE)
_AMOUNT = re.compile(r"-?\d+(\.\d{1,2})?")
_MAX_AMOUNT = Decimal("9999999999.99")


def parse_amount(value) -> Decimal:
    """Yuan with at most two decimals: ¥1,299.00, 1299, 1299元. Negative amounts are refused."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        amount = Decimal(str(value))
    else:
        text = _AMOUNT_NOISE.sub("", _text(value))
        if text.startswith("(") and text.endswith(")"):  # accounting notation for a negative amount
            text = "-" + text[1:-1]
        if not _AMOUNT.fullmatch(text):
            raise Bad(_("Not an amount in yuan (for example ¥1,299.00)."))
        amount = Decimal(text)
    if amount < 0:
        raise Bad(_("A negative amount cannot be imported; refunds are recorded on the order."))
    if amount > _MAX_AMOUNT or amount != amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP):
        raise Bad(_("Not an amount in yuan (for example ¥1,299.00)."))
    return amount.quantize(Decimal("0.01"))


def parse_quantity(value) -> int:
    text = _text(value)
    if not text:
        return 1
    try:
        number = Decimal(text)
    except InvalidOperation as error:
        raise Bad(_("The quantity must be a whole number of at least 1.")) from error
    if number != number.to_integral_value() or number < 1 or number > 100_000:
        raise Bad(_("The quantity must be a whole number of at least 1."))
    return int(number)


_GENDERS = {"男": "m", "男士": "m", "先生": "m", "m": "m", "male": "m", "女": "f", "女士": "f", "f": "f",
            "female": "f", "未知": "", "保密": "", "": ""}


def parse_gender(value) -> str:
    gender = _GENDERS.get(_text(value).lower())
    if gender is None:
        raise Bad(_("Gender must be 男 or 女 (or empty)."))
    return gender


_PAYMENTS = {
    "全款": Order.PaymentType.FULL_ONLINE, "线上全款": Order.PaymentType.FULL_ONLINE,
    "在线支付": Order.PaymentType.FULL_ONLINE, "线上支付": Order.PaymentType.FULL_ONLINE,
    "定金": Order.PaymentType.DEPOSIT, "订金": Order.PaymentType.DEPOSIT,
    "尾款": Order.PaymentType.BALANCE,
    "货到付款": Order.PaymentType.CASH_ON_DELIVERY,
    **{word: Order.PaymentType.IN_STORE for word in (
        "门店支付", "店内支付", "到店支付", "现金", "刷卡", "银行卡", "微信", "微信支付", "支付宝", "pos", "")},
    **{choice.value: choice for choice in Order.PaymentType},
    **{str(choice.label).lower(): choice for choice in Order.PaymentType},
}


def parse_payment_type(value) -> str:
    payment = _PAYMENTS.get(_text(value).lower())
    if payment is None:
        raise Bad(_("Unknown payment type. Use 全款, 定金, 尾款, 门店支付 or 货到付款."))
    return str(payment)


def _limited(limit: int):
    def parse(value) -> str:
        text = _text(value)
        if len(text) > limit:
            raise Bad(_("Too long: at most %(n)d characters.") % {"n": limit})
        return text

    return parse


def _optional(parse):
    def wrapped(value):
        return None if _text(value) == "" else parse(value)

    return wrapped


def _past_date(value) -> date:
    day = parse_date(value)
    if day > timezone.localdate() or day.year < 1900:
        raise Bad(_("A birthday must be a date in the past."))
    return day


PARSERS: dict[str, Callable] = {
    "name": _limited(50),
    "mobile": parse_mobile,
    "gender": parse_gender,
    "birthday": _optional(_past_date),
    "community": _limited(100),
    "address": _limited(200),
    "house_handover_on": _optional(parse_date),
    "store": _text,
    "assistant": _text,
    "number": _limited(32),
    "amount": parse_amount,
    "payment_type": parse_payment_type,
    "placed_at": parse_datetime,
    "sku": _limited(40),
    "quantity": parse_quantity,
}


def _label(name: str) -> str:
    return HEADERS[name][0]
