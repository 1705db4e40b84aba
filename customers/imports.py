"""Import customers and orders from POS exports, CSV or XLSX (CUS-10): all or nothing.

A file is read (``customers.import_files.read_table``: UTF-8 with or without BOM, else GB18030/GBK; XLSX through
openpyxl's read-only mode), its header mapped to our fields (Chinese POS headers or English), every
row checked, and only a file without a single bad row is written — in one transaction, with
``common.bulk.bulk_insert`` (COPY on PostgreSQL). Lookups (stores, staff, products, known mobiles,
stored order numbers) are a few set-based queries for the whole file, never one per row.

Rules a user can rely on:

- Row numbers are the spreadsheet's: the header is row 1. A row's errors are reported together.
- A customer is known by mobile *within the row's store*. A customers row for a known customer
  fills that customer's empty fields (and binds them to the row's assistant if they have none);
  it never overwrites what the store already knows. A mobile twice in one file is a duplicate.
  Known customers are read again, locked, in the writing transaction: what was typed or bound
  while the file was checked stays, and a customer erased (or given another mobile or store)
  meanwhile is skipped and counted, never written to.
- An orders row is one line of an order: rows sharing an order number are the lines of that
  order and must agree on store, mobile, assistant, payment and time; ``金额`` is the line's
  amount, the order's amount is the sum. An order number already stored is an error.
- An orders row whose mobile the store does not know yet creates the customer (source import,
  owned by the order's assistant): a POS sale is a customer the store has met.
- Stores: by code or name, only stores in the importer's scope (a manager: their store, which is
  also the default when the column is empty). Assistants: by job number (or name), and they
  must work in the row's store.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.bulk import bulk_insert
from stores.models import Product, Staff, Store
from stores.scope import Level, scope_of

from .import_files import (CUSTOMERS, FIELDS, ORDERS, PARSERS, REQUIRED, Bad, ImportFileError, _label, _text,
                           map_header, read_table)

__all__ = ["CUSTOMERS", "ORDERS", "ImportFileError", "ImportOutcome", "RowError", "file_import", "rows_check",
           "rows_import"]
from .models import Customer, Order, OrderItem, OwnerChange, Payment

# Who may import (and export): managers and up; the floor works on the phone (surfaces.access).
DATA_LEVELS = frozenset({Level.ALL, Level.REGION, Level.STORE})
CHUNK = 5000  # ids per IN (...) lookup; SQLite allows 32,766 variables
PROGRESS_EVERY = 5000

@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    value: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "field": self.field, "value": self.value, "message": self.message}


@dataclass
class ImportOutcome:
    total_rows: int
    errors: list[RowError] = field(default_factory=list)
    created: int = 0  # customers or orders created
    updated: int = 0  # known customers whose empty fields were filled
    skipped: int = 0  # known customers erased (or moved to another mobile or store) after the check
    customers_created: int = 0  # by an orders file
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# --- Lookups (set-based) -----------------------------------------------------------------------


def _chunks(values: Iterable, size: int = CHUNK):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]


class _Lookups:
    """Everything the rows refer to, fetched with a handful of queries for the whole file."""

    def __init__(self, *, user, rows: list[dict]):
        self.stores = list(Store.objects.visible_to(user).only("id", "code", "name"))
        self.store_by_key: dict[str, Store] = {}
        for store in self.stores:
            self.store_by_key.setdefault(store.name.lower(), store)
        for store in self.stores:
            self.store_by_key[store.code.lower()] = store  # a code wins over another store's name
        self.default_store = self.stores[0] if len(self.stores) == 1 else None

        assistant_keys = {row["assistant"] for row in rows if row.get("assistant")}
        staff_fields = ("id", "job_number", "name", "store_id", "is_active")
        self.staff_by_number = {s.job_number.lower(): s for s in Staff.objects.filter(
            job_number__in=assistant_keys).only(*staff_fields)}
        unmatched = {key for key in assistant_keys if key.lower() not in self.staff_by_number}
        self.staff_by_name: dict[tuple[int, str], list[Staff]] = defaultdict(list)
        if unmatched:
            for staff in Staff.objects.filter(name__in=unmatched, store__in=self.stores).only(*staff_fields):
                self.staff_by_name[(staff.store_id, staff.name)].append(staff)

        skus = {row["sku"] for row in rows if row.get("sku")}
        self.products = {}
        for chunk in _chunks(skus):
            self.products.update({p.sku: p for p in Product.objects.filter(sku__in=chunk).only(
                "id", "sku", "name", "category")})

        mobiles = {row["mobile"] for row in rows if row.get("mobile")}
        store_ids = [store.pk for store in self.stores]
        self.customers: dict[tuple[int, str], Customer] = {}
        for chunk in _chunks(mobiles):
            # Oldest first: when a store has the same mobile twice, rows go to the first customer.
            for customer in Customer.objects.filter(mobile__in=chunk, store_id__in=store_ids,
                                                    erased_at__isnull=True).order_by("-id").only(
                                                        "id", "store_id", "mobile", "owner_assistant_id",
                                                        *_FILLABLE):
                self.customers[(customer.store_id, customer.mobile)] = customer

        numbers = {row["number"] for row in rows if row.get("number")}
        self.stored_numbers = set()
        for chunk in _chunks(numbers):
            self.stored_numbers.update(Order.objects.filter(number__in=chunk).values_list("number", flat=True))

    def store(self, key: str) -> Store | None:
        return self.store_by_key.get(key.lower()) if key else self.default_store

    def staff(self, key: str, store: Store | None) -> Staff | None:
        found = self.staff_by_number.get(key.lower())
        if found is None and store is not None:
            named = self.staff_by_name.get((store.pk, key), [])
            found = named[0] if len(named) == 1 else None
        return found


# --- Checking rows ---------------------------------------------------------------------------


def _parse_rows(kind: str, columns: dict[str, int], raw_rows: list[list], errors: list[RowError],
                progress: Callable[[int], None] | None) -> list[dict]:
    parsers = [(name, index, PARSERS[name], name in REQUIRED[kind]) for name, index in columns.items()]
    parsed = []
    for position, raw in enumerate(raw_rows):
        number = position + 2  # the header is row 1
        row = {"_row": number}
        width = len(raw)
        for name, index, parse, is_required in parsers:
            value = raw[index] if index < width else None
            if type(value) is str:
                value = value.strip()
            if is_required and (value is None or value == ""):
                errors.append(RowError(number, _label(name), "", _("Required.")))
                row[name] = None
                continue
            try:
                row[name] = parse(value)
            except Bad as bad:
                errors.append(RowError(number, _label(name), _text(value), str(bad)))
                row[name] = None
        parsed.append(row)
        if progress and (position + 1) % PROGRESS_EVERY == 0:
            progress(position + 1)
    return parsed


def _check_store_and_assistant(row: dict, lookups: _Lookups, errors: list[RowError], *,
                               active_only: bool) -> None:
    number, key = row["_row"], row.get("store") or ""
    store = lookups.store(key)
    row["store_obj"] = store
    if store is None:
        message = (_("Unknown store, or not one you may import into.") if key
                   else _("Required: which store the row belongs to."))
        errors.append(RowError(number, _label("store"), key, message))
    assistant_key = row.get("assistant") or ""
    row["assistant_obj"] = None
    if not assistant_key:
        return
    staff = lookups.staff(assistant_key, store)
    if staff is None:
        errors.append(RowError(number, _label("assistant"), assistant_key, _("Unknown assistant.")))
    elif store is not None and staff.store_id != store.pk:
        errors.append(RowError(number, _label("assistant"), assistant_key,
                               _("This assistant does not work in store %(store)s.") % {"store": store.name}))
    elif active_only and not staff.is_active:
        errors.append(RowError(number, _label("assistant"), assistant_key,
                               _("This assistant has left; customers cannot be assigned to them.")))
    else:
        row["assistant_obj"] = staff


def _check_customers(rows: list[dict], lookups: _Lookups, errors: list[RowError]) -> None:
    first_row: dict[tuple[int, str], int] = {}
    for row in rows:
        _check_store_and_assistant(row, lookups, errors, active_only=True)
        store, mobile = row["store_obj"], row.get("mobile")
        if store is None or mobile is None:
            continue
        key = (store.pk, mobile)
        if key in first_row:
            errors.append(RowError(row["_row"], _label("mobile"), mobile,
                                   _("Duplicate: the same mobile number is on row %(row)d.") % {"row": first_row[key]}))
        else:
            first_row[key] = row["_row"]
        row["known"] = lookups.customers.get(key)


_ORDER_FIELDS = ("mobile", "store", "assistant", "payment_type", "placed_at")


def _check_orders(rows: list[dict], lookups: _Lookups, errors: list[RowError]) -> None:
    first: dict[str, dict] = {}
    lines: dict[tuple[str, str], int] = {}
    for row in rows:
        number = row["_row"]
        _check_store_and_assistant(row, lookups, errors, active_only=False)
        sku = row.get("sku")
        if sku:
            product = lookups.products.get(sku)
            row["product"] = product
            if product is None:
                errors.append(RowError(number, _label("sku"), sku, _("Unknown product.")))
        order_number = row.get("number")
        if not order_number:
            continue
        if order_number in lookups.stored_numbers:
            errors.append(RowError(number, _label("number"), order_number,
                                   _("This order number is already stored; it cannot be imported again.")))
            continue
        head = first.get(order_number)
        if head is None:
            first[order_number] = row
        else:
            for name in _ORDER_FIELDS:
                if row.get(name) != head.get(name) and row.get(name) is not None and head.get(name) is not None:
                    errors.append(RowError(number, _label(name), str(row.get(name)),
                                           _("Order %(number)s has a different value on row %(row)d.") % {
                                               "number": order_number, "row": head["_row"]}))
        line_key = (order_number, sku or "")
        if line_key in lines:
            errors.append(RowError(number, _label("number"), order_number,
                                   _("Duplicate: the same order line is on row %(row)d.") % {"row": lines[line_key]}))
        else:
            lines[line_key] = number


def rows_check(*, kind: str, user, header: list[str], raw_rows: list[list],
               progress: Callable[[int], None] | None = None) -> tuple[ImportOutcome, list[dict], _Lookups | None]:
    """Check every row; returns the outcome (with all errors) and the checked rows to write."""
    if kind not in FIELDS:
        raise ImportFileError(_("Unknown import kind."))
    if scope_of(user).level not in DATA_LEVELS:
        raise ImportFileError(_("Only store managers and head office can import."))
    columns, ignored = map_header(kind, header)
    outcome = ImportOutcome(total_rows=len(raw_rows), ignored_columns=ignored)
    if not raw_rows:
        raise ImportFileError(_("The file has a header but no rows."))
    errors = outcome.errors
    rows = _parse_rows(kind, columns, raw_rows, errors, progress)
    lookups = _Lookups(user=user, rows=rows)
    (_check_customers if kind == CUSTOMERS else _check_orders)(rows, lookups, errors)
    # Errors name the column as the file's header does ("Mobile", "手机", ...), so the user finds it.
    titles = {_label(name): header[index].replace("\ufeff", "").strip() or _label(name)
              for name, index in columns.items()}
    errors[:] = sorted((RowError(e.row, titles.get(e.field, e.field), e.value, e.message) for e in errors),
                       key=lambda error: error.row)
    return outcome, rows, lookups


# --- Writing ---------------------------------------------------------------------------------


def _reserve_ids(model, count: int) -> list[int]:
    """Primary keys for ``count`` new rows, so rows pointing at them can be written by COPY too.
    Call inside the writing transaction."""
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                           [table, count])
            return [value for (value,) in cursor.fetchall()]
        # SQLite: a no-op write takes the database's write lock first, so nobody else inserts
        # between reading the highest id and writing ours.
        quoted = connection.ops.quote_name(table)
        cursor.execute(f"UPDATE {quoted} SET id = id WHERE 0")  # noqa: S608 — table name from the model
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {quoted}")  # noqa: S608
        start = cursor.fetchone()[0]
        cursor.execute("SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = %s", [table])
        start = max(start, cursor.fetchone()[0]) + 1
        return list(range(start, start + count))


_CUSTOMER_FIELDS = ["id", "name", "mobile", "gender", "birthday", "community", "address", "house_handover_on",
                    "source", "store_id", "owner_assistant_id", "bound_at", "created_at", "updated_at"]
_FILLABLE = ("name", "gender", "birthday", "community", "address", "house_handover_on")
_OWNER_CHANGE_FIELDS = ["customer_id", "from_store_id", "to_store_id", "from_assistant_id", "to_assistant_id",
                        "reason", "note", "changed_by_id", "changed_at"]


def _owner_change(customer_id, *, to_store, to_assistant, from_store=None, note, user, now) -> dict:
    return {"customer_id": customer_id, "from_store_id": from_store, "to_store_id": to_store,
            "from_assistant_id": None, "to_assistant_id": to_assistant, "reason": OwnerChange.Reason.ASSIGNED,
            "note": note, "changed_by_id": user.pk, "changed_at": now}


def _new_customers(new: list[dict], *, user, note: str, now) -> tuple[list[dict], list[dict]]:
    ids = _reserve_ids(Customer, len(new))
    customers, changes = [], []
    for customer_id, row in zip(ids, new):
        row["id"] = customer_id
        customers.append({
            "id": customer_id, "name": row.get("name") or "", "mobile": row["mobile"],
            "gender": row.get("gender") or "", "birthday": row.get("birthday"),
            "community": row.get("community") or "", "address": row.get("address") or "",
            "house_handover_on": row.get("house_handover_on"), "source": Customer.Source.IMPORT,
            "store_id": row["store_id"], "owner_assistant_id": row["assistant_id"], "bound_at": now,
            "created_at": now, "updated_at": now})
        changes.append(_owner_change(customer_id, to_store=row["store_id"], to_assistant=row["assistant_id"],
                                     note=note, user=user, now=now))
    return customers, changes


def _lock_known(known_ids: list[int]) -> dict[int, Customer]:
    """The known customers as they are now, locked until the import commits (in pk order, so two
    imports lock in the same order). Call inside the writing transaction."""
    if connection.vendor == "sqlite" and known_ids:
        # SQLite has no row locks: a no-op write takes the database's write lock before the read.
        quoted = connection.ops.quote_name(Customer._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {quoted} SET id = id WHERE 0")  # noqa: S608 — table name from the model
    locked: dict[int, Customer] = {}
    for chunk in _chunks(sorted(known_ids)):
        for customer in Customer.objects.select_for_update().filter(pk__in=chunk).order_by("pk").only(
                "id", "store_id", "mobile", "owner_assistant_id", "erased_at", *_FILLABLE):
            locked[customer.pk] = customer
    return locked


def _write_customers(rows: list[dict], *, user, note: str, outcome: ImportOutcome) -> None:
    now = timezone.now()
    new, updated, changes = [], [], []
    locked = _lock_known([row["known"].pk for row in rows if row["known"] is not None])
    for row in rows:
        row["store_id"] = row["store_obj"].pk
        row["assistant_id"] = row["assistant_obj"].pk if row["assistant_obj"] else None
        if row["known"] is None:
            new.append(row)
            continue
        known = locked.get(row["known"].pk)
        if (known is None or known.erased_at is not None or known.store_id != row["store_id"]
                or known.mobile != row["mobile"]):
            outcome.skipped += 1  # erased, deleted or changed since the check: not this row's customer now
            continue
        changed = False
        for name in _FILLABLE:
            value = row.get(name)
            if value and not getattr(known, name):
                setattr(known, name, value)
                changed = True
        if row["assistant_id"] and known.owner_assistant_id is None:
            known.owner_assistant_id = row["assistant_id"]
            changes.append(_owner_change(known.pk, from_store=known.store_id, to_store=known.store_id,
                                         to_assistant=row["assistant_id"], note=note, user=user, now=now))
            changed = True
        if changed:
            known.updated_at = now
            updated.append(known)
    customers, new_changes = _new_customers(new, user=user, note=note, now=now)
    bulk_insert(Customer, customers, fields=_CUSTOMER_FIELDS)
    bulk_insert(OwnerChange, [*new_changes, *changes], fields=_OWNER_CHANGE_FIELDS)
    if updated:
        Customer.objects.bulk_update(updated, [*_FILLABLE, "owner_assistant", "updated_at"], batch_size=1000)
    outcome.created, outcome.updated = len(customers), len(updated)


_ORDER_COLUMNS = ["id", "number", "customer_id", "store_id", "assistant_id", "channel", "amount", "payment_type",
                  "status", "placed_at", "paid_at", "note"]
_ITEM_COLUMNS = ["order_id", "product_id", "sku", "name", "category", "quantity", "unit_price", "amount"]
_PAYMENT_COLUMNS = ["order_id", "kind", "amount", "paid_at", "recorded_by_id"]


def _write_orders(rows: list[dict], *, user, note: str, outcome: ImportOutcome) -> None:
    now = timezone.now()
    tz = timezone.get_current_timezone()
    orders: dict[str, dict] = {}
    lines: dict[str, list[dict]] = defaultdict(list)
    new_customers: dict[tuple[int, str], dict] = {}
    for row in rows:
        store_id = row["store_obj"].pk
        assistant = row["assistant_obj"]
        assistant_id = assistant.pk if assistant else None
        number = row["number"]
        order = orders.get(number)
        if order is None:
            placed_at = row["placed_at"].replace(tzinfo=tz)  # what make_aware does with zoneinfo, cheaper
            payment = row.get("payment_type") or Order.PaymentType.IN_STORE
            known = row["_customer"]  # the store's customer with this mobile, if any
            customer = None
            if known is None:
                key = (store_id, row["mobile"])
                customer = new_customers.get(key)
                if customer is None:
                    # The seller owns the new customer, unless they have left (their old sales stay theirs).
                    customer = new_customers[key] = {
                        "mobile": row["mobile"], "name": row.get("name") or "", "store_id": store_id,
                        "assistant_id": assistant_id if assistant and assistant.is_active else None}
            order = orders[number] = {
                "number": number, "customer": known, "new_customer": customer,
                "store_id": store_id, "assistant_id": assistant_id,
                "channel": Order.Channel.ONLINE if payment == Order.PaymentType.FULL_ONLINE else Order.Channel.IN_STORE,
                "amount": Decimal("0.00"), "payment_type": payment,
                # A POS export lists sales made: paid in full by the row's payment type. No points
                # are earned by an import (the POS had its own loyalty).
                "status": Order.Status.PAID,
                "placed_at": placed_at, "paid_at": placed_at, "note": note}
        order["amount"] += row["amount"]
        if row.get("sku"):
            lines[number].append(row)

    fresh = list(new_customers.values())
    customers, changes = _new_customers(fresh, user=user, note=note, now=now)
    bulk_insert(Customer, customers, fields=_CUSTOMER_FIELDS)
    bulk_insert(OwnerChange, changes, fields=_OWNER_CHANGE_FIELDS)
    order_ids = _reserve_ids(Order, len(orders))
    order_rows, item_rows, payment_rows = [], [], []
    for order_id, (number, order) in zip(order_ids, orders.items()):
        customer_id = order["customer"].pk if order["customer"] is not None else order["new_customer"]["id"]
        order_rows.append({**{k: order[k] for k in _ORDER_COLUMNS if k in order}, "id": order_id,
                           "customer_id": customer_id})
        for line in lines.get(number, ()):
            product = line["product"]
            quantity = line.get("quantity") or 1
            item_rows.append({
                "order_id": order_id, "product_id": product.pk, "sku": product.sku, "name": product.name,
                "category": product.category, "quantity": quantity,
                "unit_price": (line["amount"] / quantity).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
                "amount": line["amount"]})
        if order["amount"] > 0:
            payment_rows.append({"order_id": order_id, "kind": order["payment_type"], "amount": order["amount"],
                                 "paid_at": order["paid_at"], "recorded_by_id": None})
    bulk_insert(Order, order_rows, fields=_ORDER_COLUMNS)
    bulk_insert(OrderItem, item_rows, fields=_ITEM_COLUMNS)
    bulk_insert(Payment, payment_rows, fields=_PAYMENT_COLUMNS)
    outcome.created, outcome.customers_created = len(order_rows), len(customers)


def rows_import(*, kind: str, user, header: list[str], raw_rows: list[list], source_name: str = "",
                progress: Callable[[int], None] | None = None,
                on_written: Callable[[ImportOutcome], None] | None = None) -> ImportOutcome:
    """Check every row, then write all of them in one transaction — or nothing when a row is bad.
    ``on_written(outcome)`` runs inside that transaction after the rows are written (the job marks
    itself done and audits there), so it commits, or rolls back, with them."""
    outcome, rows, lookups = rows_check(kind=kind, user=user, header=header, raw_rows=raw_rows, progress=progress)
    if not outcome.ok:
        return outcome
    note = (_("Imported from %(file)s") % {"file": source_name})[:200] if source_name else _("Imported")
    try:
        with transaction.atomic():
            if kind == CUSTOMERS:
                _write_customers(rows, user=user, note=note, outcome=outcome)
            else:
                for row in rows:
                    row["_customer"] = lookups.customers.get((row["store_obj"].pk, row["mobile"]))
                _write_orders(rows, user=user, note=note, outcome=outcome)
            if on_written is not None:
                on_written(outcome)
    except IntegrityError as error:
        # Checked rows can still collide with rows written since (another import of the same
        # order numbers at the same moment): the transaction is rolled back whole.
        raise ImportFileError(_("Some rows were stored by someone else while this file was checked; nothing "
                                "was imported. Upload the file again to see which rows now repeat.")) from error
    return outcome


def file_import(*, kind: str, user, name: str, data: bytes,
                progress: Callable[[int], None] | None = None) -> ImportOutcome:
    """Read a CSV or XLSX file and import it (see :func:`rows_import`)."""
    header, raw_rows = read_table(name, data)
    return rows_import(kind=kind, user=user, header=header, raw_rows=raw_rows, source_name=name,
                       progress=progress)
