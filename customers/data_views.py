"""Dashboard pages for imports and exports (CUS-10): upload, jobs with live progress, per-row
errors, downloads, templates. Managers, supervisors and head office; jobs through
``DataJob.objects.visible_to`` (another store's job is a 404 like a missing one)."""

import csv
import io

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from surfaces.access import dashboard_required

from . import exports, import_files
from .data_jobs import EXPORT_KINDS, IMPORT_KINDS, data_export_create, data_import_create, result_filename
from .errors import CustomerError
from .models import DataJob

JOBS_SHOWN = 20
EXPORT_CHOICES = [("customers", gettext_lazy("Customers")), ("orders", gettext_lazy("Orders"))]
FORMAT_CHOICES = [("xlsx", gettext_lazy("Excel (.xlsx)")), ("csv", gettext_lazy("CSV (UTF-8, opens in Excel)"))]
EXPORT_JOB_KIND = {"customers": DataJob.Kind.EXPORT_CUSTOMERS, "orders": DataJob.Kind.EXPORT_ORDERS}


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("The file holds"), choices=[
        (DataJob.Kind.IMPORT_CUSTOMERS.value, gettext_lazy("Customers")),
        (DataJob.Kind.IMPORT_ORDERS.value, gettext_lazy("Orders (one row per order line)"))])
    file = forms.FileField(label=gettext_lazy("File (CSV or Excel .xlsx)"))


class ExportForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Export"), choices=EXPORT_CHOICES)
    format = forms.ChoiceField(label=gettext_lazy("Format"), choices=FORMAT_CHOICES)


def _jobs(request):
    return (DataJob.objects.visible_to(request.user).filter(created_by=request.user)
            .exclude(kind=DataJob.Kind.PIPL_EXPORT).select_related("created_by_staff")[:JOBS_SHOWN])


def _running(jobs) -> bool:
    return any(job.status in (DataJob.Status.PENDING, DataJob.Status.RUNNING) for job in jobs)


@dashboard_required
def data_home(request):
    """Upload a file, see my jobs (the table polls while one runs), start an export."""
    from surfaces.views import is_htmx

    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = data_import_create(user=request.user, kind=form.cleaned_data["kind"],
                                     upload=form.cleaned_data["file"])
        except CustomerError as error:
            form.add_error("file", str(error))
        else:
            return redirect("dashboard_data_job", pk=job.pk)
    jobs = list(_jobs(request))
    context = {"form": form, "export_form": ExportForm(), "jobs": jobs, "running": _running(jobs), "nav": "data"}
    if is_htmx(request):
        return render(request, "dashboard/partials/data_jobs.html", context)
    return render(request, "dashboard/data.html", context, status=400 if form.errors else 200)


@dashboard_required
def data_job(request, pk):
    """One job: status and progress (polled with htmx while it runs), its errors, its download."""
    from surfaces.views import is_htmx

    job = get_object_or_404(DataJob.objects.visible_to(request.user).select_related("created_by_staff"), pk=pk)
    context = {"job": job, "nav": "data", "is_import": job.kind in IMPORT_KINDS,
               "running": job.status in (DataJob.Status.PENDING, DataJob.Status.RUNNING)}
    if is_htmx(request):
        return render(request, "dashboard/partials/data_job_status.html", context)
    return render(request, "dashboard/data_job.html", context)


@dashboard_required
def data_job_download(request, pk):
    """An export's file, or an import's full error report."""
    job = get_object_or_404(DataJob.objects.visible_to(request.user), pk=pk)
    if not job.result_file or job.kind not in (*IMPORT_KINDS, *EXPORT_KINDS):
        raise Http404
    return FileResponse(job.result_file.open("rb"), as_attachment=True, filename=result_filename(job))


@dashboard_required
def data_export(request):
    """Confirm and start an export. GET (from a list's "Export" link) carries the list's filter
    parameters; they are kept in hidden fields and become the job's filter."""
    source = request.POST if request.method == "POST" else request.GET
    kind = source.get("kind") if source.get("kind") in EXPORT_JOB_KIND else "customers"
    params = exports.params_of(source, drop=("kind", "format", "csrfmiddlewaretoken", "after", "sort", "page"))
    form = ExportForm(request.POST or None, initial={"kind": kind, "format": "xlsx"})
    if params:  # a list's filter belongs to that list: the kind stays the list's
        form.fields["kind"].choices = [choice for choice in EXPORT_CHOICES if choice[0] == kind]
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            job = data_export_create(user=request.user, kind=EXPORT_JOB_KIND[form.cleaned_data["kind"]],
                                     fmt=form.cleaned_data["format"], params=params)
        except CustomerError as refused:
            error = str(refused)
        else:
            messages.success(request, _("The export has started; it is cut to the customers you may see."))
            return redirect("dashboard_data_job", pk=job.pk)
    hidden = [(key, value) for key, values in params.items() for value in values]
    described = exports.describe_filters(kind=kind, user=request.user, params=params) if params else []
    return render(request, "dashboard/data_export.html", {
        "form": form, "hidden": hidden, "described": described, "kind": kind, "error": error, "nav": "data"},
        status=400 if error else 200)


@dashboard_required
def data_template(request, kind, fmt):
    """An empty file with the header the import expects, and one example row."""
    if kind not in (import_files.CUSTOMERS, import_files.ORDERS) or fmt not in exports.FORMATS:
        raise Http404
    header = import_files.template_header(kind)
    example = {
        import_files.CUSTOMERS: ["王丽", "13812345678", "女", "1988-05-01", "滨江壹号", "3栋1201", "", ""],
        import_files.ORDERS: ["POS20261103001", "2026-11-03 14:05", "", "", "13812345678", "王丽", "", "1",
                         "￥1,299.00", "门店支付"],
    }[kind]
    filename = f"storelink-{kind}-template.{fmt}"
    if fmt == "csv":
        buffer = io.StringIO()
        csv.writer(buffer).writerows([header, example])
        response = HttpResponse(("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8")
    else:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        sheet.append(header)
        sheet.append(example)
        out = io.BytesIO()
        workbook.save(out)
        response = HttpResponse(out.getvalue(), content_type=(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
