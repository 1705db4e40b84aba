"""Exports of customers and orders (CUS-10), cut to the requester's data scope.

Rows come from ``visible_to(user)`` narrowed by the same filter parameters as the dashboard's
customer list (``customers.filters.CustomerFilter``), read with ``iterator()`` in chunks and
written row by row (CSV, or an openpyxl write-only workbook), so a million-row export never holds
the table in memory. Mobiles are masked. Every export writes one audit entry (CUS-11).
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Callable, Iterator
from types import SimpleNamespace

import django_filters
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.spreadsheets import cell_safe
from stores.filters import in_scope
from stores.models import Staff, Store

from .audit import audit_record
from .errors import CustomerError
from .filters import CustomerFilter
from .models import AuditLog, Customer, Order

CHUNK = 2000
PROGRESS_EVERY = 2000
FORMATS = ("csv", "xlsx")
CUSTOMERS, ORDERS = "customers", "orders"


class OrderExportFilter(django_filters.FilterSet):
    """What an orders export can be narrowed to; choices from the caller's scope."""

    store = django_filters.ModelChoiceFilter(queryset=in_scope(Store), label=gettext_lazy("store"))
    assistant = django_filters.ModelChoiceFilter(queryset=in_scope(Staff), label=gettext_lazy("assistant"))
    placed_from = django_filters.DateFilter(field_name="placed_at", lookup_expr="date__gte",
                                            label=gettext_lazy("placed from"))
    placed_to = django_filters.DateFilter(field_name="placed_at", lookup_expr="date__lte",
                                          label=gettext_lazy("placed until"))

    class Meta:
        model = Order
        fields = ["store", "assistant", "status", "payment_type"]


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _customer_columns():
    return [
        (_("Customer ID"), lambda c: c.pk),
        (_("Name"), lambda c: c.name),
        (_("Mobile"), lambda c: c.masked_mobile),
        (_("Gender"), lambda c: c.get_gender_display() if c.gender else ""),
        (_("Birthday"), lambda c: c.birthday.isoformat() if c.birthday else ""),
        (_("Residential community"), lambda c: c.community),
        (_("Address"), lambda c: c.address),
        (_("House handover date"), lambda c: c.house_handover_on.isoformat() if c.house_handover_on else ""),
        (_("Store code"), lambda c: c.store.code if c.store else ""),
        (_("Store"), lambda c: c.store.name if c.store else ""),
        (_("Assistant job number"), lambda c: c.owner_assistant.job_number if c.owner_assistant else ""),
        (_("Assistant"), lambda c: c.owner_assistant.name if c.owner_assistant else ""),
        (_("Source channel"), lambda c: c.get_source_display()),
        (_("Intent grade"), lambda c: c.intent_grade),
        (_("Created at"), lambda c: _local(c.created_at)),
    ]


def _order_columns():
    return [
        (_("Order number"), lambda o: o.number),
        (_("Placed at"), lambda o: _local(o.placed_at)),
        (_("Store code"), lambda o: o.store.code),
        (_("Store"), lambda o: o.store.name),
        (_("Assistant job number"), lambda o: o.assistant.job_number if o.assistant else ""),
        (_("Assistant"), lambda o: o.assistant.name if o.assistant else ""),
        (_("Customer"), lambda o: o.customer.name),
        (_("Mobile"), lambda o: o.customer.masked_mobile),
        (_("Amount"), lambda o: o.amount),
        (_("Payment type"), lambda o: o.get_payment_type_display()),
        (_("Status"), lambda o: o.get_status_display()),
        (_("Products"), lambda o: "；".join(f"{item.sku or item.name}×{item.quantity}" for item in o.items.all())),
    ]


def as_querydict(params: dict) -> QueryDict:
    """Filter parameters as stored on a job (name → value or list of values) → a QueryDict."""
    query = QueryDict(mutable=True)
    for key, value in params.items():
        query.setlist(key, [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)])
    return query


def params_of(query: QueryDict, *, drop: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """A request's filter parameters as a job stores them (JSON): name → values, blanks dropped."""
    return {key: [v for v in values if v != ""] for key, values in query.lists()
            if key not in drop and any(v != "" for v in values)}


def describe_filters(*, kind: str, user, params: dict) -> list[tuple[str, str]]:
    """An export's stored filter ``params`` as the user reads it (``filter_in_words``)."""
    filterset_class = CustomerFilter if kind == CUSTOMERS else OrderExportFilter
    return filter_in_words(filterset_class(as_querydict(params), queryset=filterset_class._meta.model.objects.none(),
                                           request=SimpleNamespace(user=user)))


def filter_in_words(filterset, *, leave_out: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """The filter as the user reads it: [(label, value)] for each field given and valid (names
    instead of ids, labels instead of codes, yes/no, "from – to"), the fields ``leave_out`` and
    parameters the filter does not know (they narrow nothing) left out. The export form and the
    invitation filter page (``invitations.segment_views``) show a filter with this."""
    filterset.is_valid()  # cleaned_data holds the valid fields even when another one is not
    summary = []
    for name, value in filterset.form.cleaned_data.items():
        if name in leave_out or value in (None, "", [], ()):
            continue
        field = filterset.form.fields[name]
        if isinstance(value, slice):
            if value.start is None and value.stop is None:
                continue
            shown = " – ".join(v.strftime("%Y-%m-%d") if v else "…" for v in (value.start, value.stop))
        elif isinstance(value, bool):
            shown = _("yes") if value else _("no")
        elif isinstance(value, list | tuple):
            labels = dict(getattr(field, "choices", []) or [])
            shown = "、".join(str(labels.get(v, labels.get(_int(v), v))) for v in value)
        elif getattr(field, "choices", None) and not hasattr(value, "pk"):
            shown = str(dict(field.choices).get(value, value))
        else:
            shown = str(value)
        summary.append((str(field.label or name), shown))
    return summary


def _int(value):
    return int(value) if str(value).isdigit() else value


def export_queryset(*, kind: str, user, params: dict):
    """The rows ``user`` may take out, narrowed by the list's filter ``params``."""
    request = SimpleNamespace(user=user)  # what the filters' scoped choices need
    params = as_querydict(params)
    if kind == CUSTOMERS:
        base = Customer.objects.visible_to(user).filter(erased_at__isnull=True)
        filterset = CustomerFilter(params, queryset=base, request=request)
        related = ("store", "owner_assistant")
    elif kind == ORDERS:
        base = Order.objects.visible_to(user)
        filterset = OrderExportFilter(params, queryset=base, request=request)
        related = ("store", "assistant", "customer")
    else:
        raise CustomerError(_("Unknown export kind."))
    if not filterset.is_valid():
        raise CustomerError(_("The filter is not valid: %(errors)s") % {
            "errors": "; ".join(f"{k}: {' '.join(v)}" for k, v in filterset.errors.items())})
    queryset = filterset.qs.select_related(*related).order_by("pk")
    if kind == ORDERS:
        queryset = queryset.prefetch_related("items")
    return queryset


def _rows(kind: str, queryset, progress: Callable[[int], None] | None) -> Iterator[list]:
    columns = _customer_columns() if kind == CUSTOMERS else _order_columns()
    yield [title for title, _value in columns]
    for count, obj in enumerate(queryset.iterator(chunk_size=CHUNK), start=1):
        yield [value(obj) for _title, value in columns]
        if progress and count % PROGRESS_EVERY == 0:
            progress(count)


def write_export(*, kind: str, user, params: dict, fmt: str, out,
                 progress: Callable[[int], None] | None = None, total_hint: Callable[[int], None] | None = None) -> int:
    """Write the export to the binary file ``out``; returns the number of data rows.
    CSV is UTF-8 with a BOM so that Excel shows Chinese correctly; no cell is ever read as a
    formula (``common.spreadsheets.cell_safe``) and amounts are numbers."""
    if fmt not in FORMATS:
        raise CustomerError(_("Unknown export format."))
    queryset = export_queryset(kind=kind, user=user, params=params)
    if total_hint:
        total_hint(queryset.count())
    count = -1  # the header row
    if fmt == "csv":
        out.write(codecs.BOM_UTF8)
        text = codecs.getwriter("utf-8")(out)
        writer = csv.writer(text)
        for row in _rows(kind, queryset, progress):
            writer.writerow([cell_safe(value) for value in row])
            count += 1
    else:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title=_("Customers") if kind == CUSTOMERS else _("Orders"))
        for row in _rows(kind, queryset, progress):
            sheet.append([cell_safe(value, sheet=sheet) for value in row])
            count += 1
        workbook.save(out)
    return count


def export_audit(*, user, kind: str, fmt: str, params: dict, rows: int, job_id: int | None = None, request=None):
    """The export's audit entry (CUS-11): who took how many rows of what, with which filter; the
    data job's id, or None for a file handed out in the request (invitation entries)."""
    with transaction.atomic():
        return audit_record(action=AuditLog.Action.EXPORT, actor=user, rows=rows, request=request,
                            detail={"kind": kind, "format": fmt, "filters": params, "job": job_id})
