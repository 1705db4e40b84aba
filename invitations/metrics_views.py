"""The invitation metrics pages on the dashboard (SPEC INV-9): figures by region, store, assistant
and task with a totals row and drill-down, the entries behind a row, and both as XLSX.

HQ, supervisors and managers only (``dashboard_required``); rows come from
``invitations.metrics`` over the entries the user may see. The period defaults to the last 30
days. Exports are written with openpyxl's write-only workbook; an export of entries holds customer
data, so it is audited like customer exports (CUS-11) and shows mobiles masked.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.spreadsheets import cell_safe
from customers.exports import export_audit
from stores.scope import Level, scope_of
from surfaces.access import dashboard_required
from surfaces.views import is_htmx

from .metrics import (
    COLUMNS,
    LIFT,
    MONEY,
    PARAMS,
    RATE,
    details_page,
    details_all,
    groupings_for,
    metrics_filter,
    metrics_table,
)
from .models import InvitationEntry, InvitationTask

DEFAULT_DAYS = 30
DETAILS_EXPORT_MAX = 50_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NUMBER_FORMATS = {MONEY: '"¥"#,##0.00', RATE: "0.0%", LIFT: "+0.0%;-0.0%;0.0%"}
DEFAULT_BY = {Level.ALL: "region", Level.REGION: "store", Level.STORE: "assistant"}
# Drilling down: a row's group becomes a filter (same name as the grouping), shown by the next one.
DRILL_TO = {"region": "store", "store": "assistant", "assistant": "task"}
CRUMBS = ("region", "store", "assistant", "task")
TAB_LABELS = {"region": gettext_lazy("By region"), "store": gettext_lazy("By store"),
              "assistant": gettext_lazy("By assistant"), "task": gettext_lazy("By task")}


def _params(request) -> QueryDict:
    """The request's filter parameters; without a period, the last 30 days (store days)."""
    params = QueryDict(mutable=True)
    for key in (*PARAMS, "by"):
        if request.GET.get(key):
            params[key] = request.GET[key]
    if "from" not in request.GET and "to" not in request.GET:
        today = timezone.localdate()
        params["from"] = (today - timedelta(days=DEFAULT_DAYS - 1)).isoformat()
        params["to"] = today.isoformat()
    return params


def _by(request, params: QueryDict) -> str:
    allowed = groupings_for(request.user)
    asked = params.get("by", "")
    if asked in allowed:
        return asked
    default = DEFAULT_BY.get(scope_of(request.user).level, "task")
    return default if default in allowed else allowed[0]


def _query(params: QueryDict, **changes) -> str:
    """``params`` with ``changes`` (None drops a key), as a query string."""
    query = dict(params.items())
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return urlencode(query)


def _crumbs(request, params: QueryDict, filterset, by: str) -> list[dict]:
    """The drill-down so far (region › store › assistant › task), each a link back up to it."""
    crumbs = []
    data = filterset.form.cleaned_data
    names = {
        "region": lambda: data.get("region"),
        "store": lambda: data.get("store"),
        "assistant": lambda: InvitationEntry.objects.visible_to(request.user).filter(
            assistant_id=data["assistant"]).values_list("assistant__name", flat=True).first(),
        "task": lambda: InvitationTask.objects.visible_to(request.user).filter(
            pk=data["task"]).values_list("title", flat=True).first(),
    }
    for depth, key in enumerate(CRUMBS):
        if data.get(key) in (None, ""):
            continue
        deeper = {k: None for k in CRUMBS[depth + 1:]}
        up_to = DRILL_TO.get(key, by)
        crumbs.append({"name": str(names[key]() or f"#{params[key]}"),
                       "url": "?" + _query(params, by=up_to, **deeper)})
    return crumbs


def _links(params: QueryDict, by: str, row: dict) -> dict:
    row_filter = {by: str(row["key"])}
    if by == "task":
        drill = reverse("invitations:task", args=[row["key"]])
    else:
        drill = "?" + _query(params, by=DRILL_TO[by], **row_filter)
    details = reverse("invitations:metrics_details") + "?" + _query(params, by=None, **row_filter)
    return {"drill": drill, "details": details}


def _table_context(request) -> dict:
    params = _params(request)
    by = _by(request, params)
    filterset = metrics_filter(request.user, params)
    context = {
        "params": params, "by": by, "filterset": filterset, "columns": COLUMNS, "nav": "invitations",
        "tabs": [{"by": key, "label": TAB_LABELS[key], "url": "?" + _query(params, by=key)}
                 for key in groupings_for(request.user)],
        "query": _query(params, by=by), "top_url": "?" + _query(params, by=None, **dict.fromkeys(CRUMBS)),
        "statuses": InvitationTask.Status.choices,
        "level": scope_of(request.user).level.name,
    }
    if not filterset.is_valid():
        return {**context, "errors": filterset.errors, "rows": [], "totals": None, "crumbs": []}
    table = metrics_table(filterset.qs, by=by)
    for row in table["rows"]:
        row.update(_links(params, by, row))
    return {**context, "rows": table["rows"], "totals": table["totals"],
            "crumbs": _crumbs(request, params, filterset, by)}


@dashboard_required
def metrics(request):
    """The metrics table of the chosen grouping, with totals; htmx gets the table alone."""
    context = _table_context(request)
    template = "invitations/metrics_table.html" if is_htmx(request) else "invitations/metrics.html"
    response = render(request, template, context)
    if context.get("errors"):
        response.status_code = 400
    return response


# --- XLSX -----------------------------------------------------------------------------------------

def _xlsx(title: str, header: list[str], rows: Iterable[list], kinds: list[str | None]) -> bytes:
    """A write-only workbook of one sheet: a bold header, then ``rows`` with number formats;
    text is never read as a formula (names and titles come from imports and staff input)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    head = []
    for text in header:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        head.append(cell)
    sheet.append(head)
    formats = [NUMBER_FORMATS.get(kind) for kind in kinds]
    for row in rows:
        cells = []
        for value, number_format in zip(row, formats, strict=True):
            if number_format and value is not None:
                value = WriteOnlyCell(sheet, value=value)
                value.number_format = number_format
            cells.append(cell_safe(value, sheet=sheet))
        sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _download(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _group_headers(by: str) -> list[str]:
    return {
        "region": [_("Region")], "store": [_("Store")], "assistant": [_("Assistant"), _("Job number")],
        "task": [_("Task"), _("Store"), _("Status"), _("Dispatched at")],
    }[by]


def _group_cells(by: str, row: dict) -> list:
    if by == "assistant":
        return [row["name"], row["job_number"]]
    if by == "task":
        return [row["name"], row["store_name"], str(InvitationTask.Status(row["status"]).label),
                timezone.localtime(row["dispatched_at"]).strftime("%Y-%m-%d %H:%M")]
    return [row["name"]]


def _figure_cells(row: dict) -> list:
    cells = []
    for column in COLUMNS:
        value = column.value(row)
        cells.append(float(value) if column.kind in (RATE, LIFT) and value is not None else value)
    return cells


def _period(params: QueryDict) -> str:
    return "-".join(params.get(key, "").replace("-", "") for key in ("from", "to") if params.get(key)) or "all"


@dashboard_required
def metrics_export(request):
    """The current metrics table as XLSX: the groups, then a totals row; figures as numbers."""
    context = _table_context(request)
    if context.get("errors"):
        return redirect(reverse("invitations:metrics") + "?" + context["query"])
    by = context["by"]
    lead = _group_headers(by)
    rows = [[*_group_cells(by, row), *_figure_cells(row)] for row in context["rows"]]
    rows.append([_("Total"), *[""] * (len(lead) - 1), *_figure_cells(context["totals"])])
    kinds = [None] * len(lead) + [column.kind for column in COLUMNS]
    content = _xlsx(_("Invitation metrics"), [*lead, *(str(c.label) for c in COLUMNS)], rows, kinds)
    return _download(content, f"invitation-metrics-{by}-{_period(context['params'])}.xlsx")


# --- The entries behind a row ---------------------------------------------------------------------

def _entries_filter(request):
    params = _params(request)
    params.pop("by", None)
    return params, metrics_filter(request.user, params)


@dashboard_required
def details(request):
    """The entries behind a row, 50 a page, newest first (keyset: ``after=<id>``)."""
    params, filterset = _entries_filter(request)
    context = {"params": params, "filterset": filterset, "nav": "invitations", "query": _query(params),
               "back": reverse("invitations:metrics") + "?" + _query(params)}
    if not filterset.is_valid():
        response = render(request, "invitations/metrics_details.html", {**context, "errors": filterset.errors})
        response.status_code = 400
        return response
    after = request.GET.get("after", "")
    entries, next_after = details_page(filterset.qs, after=int(after) if after.isdigit() else None)
    context.update({"entries": entries, "after": after, "crumbs": _crumbs(request, params, filterset, "task"),
                    "next": "?" + _query(params, after=str(next_after)) if next_after else ""})
    return render(request, "invitations/metrics_details.html", context)


def _entry_cells(entry: InvitationEntry) -> list:
    contact = _("Control group (not contacted)") if entry.is_control else entry.get_contact_display()
    return [
        entry.customer.display_name, entry.customer.masked_mobile, entry.store.name, entry.assistant.name,
        entry.task.title, timezone.localtime(entry.task.created_at).strftime("%Y-%m-%d %H:%M"), contact,
        entry.get_intent_display() if entry.intent else "",
        timezone.localtime(entry.feedback_at).strftime("%Y-%m-%d %H:%M") if entry.feedback_at else "",
        entry.paid_amount or 0, entry.paid_orders or 0,
    ]


def _entry_headers() -> list[str]:
    return [_("Customer"), _("Mobile"), _("Store"), _("Assistant"), _("Task"), _("Dispatched at"),
            _("Contact result"), _("Intent to visit"), _("Feedback at"), _("Paid within 7 days"),
            _("Orders within 7 days")]


@dashboard_required
def details_export(request):
    """The entries behind a row as XLSX (customer data: masked mobiles, one audit entry)."""
    params, filterset = _entries_filter(request)
    back = reverse("invitations:metrics_details") + "?" + _query(params)
    if not filterset.is_valid():
        return redirect(back)
    total = filterset.qs.count()
    if total > DETAILS_EXPORT_MAX:
        messages.error(request, _("%(count)d entries are too many for one export (at most %(max)d); "
                                  "narrow the period or pick a store.") % {"count": total, "max": DETAILS_EXPORT_MAX})
        return redirect(back)
    rows = (_entry_cells(entry) for entry in details_all(filterset.qs))
    kinds = [None] * 9 + [MONEY, None]
    content = _xlsx(_("Invitation entries"), _entry_headers(), rows, kinds)
    export_audit(user=request.user, kind="invitation_entries", fmt="xlsx", params=dict(params.items()), rows=total,
                 request=request)
    return _download(content, f"invitation-entries-{_period(params)}.xlsx")
