"""Import and export jobs (CUS-10): create one, run it (in a Celery task), report progress.

A job's progress is written by small UPDATEs *outside* the import's transaction, so the dashboard
sees rows counted while the file is checked; the single writing transaction comes last. A job runs
once: running claims it (pending → running in one conditional UPDATE), so a redelivered task or a
second worker leaves it alone.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import os
import tempfile
from datetime import timedelta

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from stores.scope import scope_of

from . import exports, imports
from .audit import audit_record
from .errors import CustomerError
from .models import AuditLog, DataJob

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
UPLOAD_SUFFIXES = (".csv", ".txt", ".xlsx")
KEPT_ERRORS = 200  # on the job row; the report file has them all

IMPORT_KINDS = {DataJob.Kind.IMPORT_CUSTOMERS: imports.CUSTOMERS, DataJob.Kind.IMPORT_ORDERS: imports.ORDERS}
EXPORT_KINDS = {DataJob.Kind.EXPORT_CUSTOMERS: exports.CUSTOMERS, DataJob.Kind.EXPORT_ORDERS: exports.ORDERS}
DATA_LEVELS = imports.DATA_LEVELS


def _check_may_use_data(user) -> None:
    if scope_of(user).level not in DATA_LEVELS:
        raise CustomerError(_("Only store managers, region supervisors and head office can import or export."))


def _enqueue(job: DataJob) -> None:
    from .tasks import data_job_run

    def send():
        try:
            data_job_run.delay(job.pk)
        except Exception:  # noqa: BLE001 — the broker is down: the job waits, the page still answers
            log.warning("data job %s could not be queued; it stays waiting", job.pk, exc_info=True)

    transaction.on_commit(send)


def _staff_of(user):
    return getattr(user, "staff", None)


@transaction.atomic
def data_import_create(*, user, kind: str, upload, language: str | None = None) -> DataJob:
    """Queue an import of ``upload`` (an uploaded file); the task checks and writes it."""
    _check_may_use_data(user)
    if kind not in IMPORT_KINDS:
        raise CustomerError(_("Choose what the file holds: customers or orders."))
    name = os.path.basename(upload.name or "")
    if not name.lower().endswith(UPLOAD_SUFFIXES):
        raise CustomerError(_("Upload a CSV or an Excel .xlsx file."))
    if upload.size > MAX_UPLOAD_BYTES:
        raise CustomerError(_("The file is larger than %(mb)d MB; split it into smaller files.") % {
            "mb": MAX_UPLOAD_BYTES // (1024 * 1024)})
    staff = _staff_of(user)
    store_id, region_id = DataJob.place_of(staff)
    job = DataJob(kind=kind, created_by=user, created_by_staff=staff, store_id=store_id, region_id=region_id,
                  source_name=name[:200], options={"language": language or translation.get_language()})
    job.source_file.save(name, upload, save=False)  # private storage, a random name (customers.models.jobs)
    job.save()
    _enqueue(job)
    return job


@transaction.atomic
def data_export_create(*, user, kind: str, fmt: str, params: dict, language: str | None = None) -> DataJob:
    """Queue an export of what ``user`` sees, narrowed by the list filter ``params``."""
    _check_may_use_data(user)
    if kind not in EXPORT_KINDS:
        raise CustomerError(_("Unknown export kind."))
    if fmt not in exports.FORMATS:
        raise CustomerError(_("Unknown export format."))
    params = {key: value for key, value in params.items() if value not in ("", None, [])}
    exports.export_queryset(kind=EXPORT_KINDS[kind], user=user, params=params)  # refuses a bad filter now
    staff = _staff_of(user)
    store_id, region_id = DataJob.place_of(staff)
    job = DataJob.objects.create(kind=kind, created_by=user, created_by_staff=staff, store_id=store_id,
                                 region_id=region_id, options={"format": fmt, "filters": params,
                                          "language": language or translation.get_language()})
    _enqueue(job)
    return job


# A task is killed after its hard time limit (customers.tasks.data_job_run), so a job running for
# longer lost its worker; a job still waiting after a while was never queued (the broker was down).
RUNNING_STALE_AFTER = timedelta(hours=2, minutes=5)
PENDING_RESEND_AFTER = timedelta(minutes=2)


def data_jobs_recover() -> dict:
    """Every few minutes (beat): fail jobs whose worker died, queue again jobs never queued, delete
    the uploads of finished imports a dying worker left behind. Harmless to rerun; an import that
    died wrote nothing (its one transaction, which also marks it done, was not committed)."""
    now = timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        failed = DataJob.objects.filter(status=DataJob.Status.RUNNING, started_at__lt=now - RUNNING_STALE_AFTER).update(
            status=DataJob.Status.FAILED, finished_at=now,
            message=_("The job was interrupted; nothing was imported. Upload the file again."))
    leftovers = DataJob.objects.filter(kind__in=list(IMPORT_KINDS), status__in=[
        DataJob.Status.DONE, DataJob.Status.FAILED]).exclude(source_file="")
    removed = sum(_delete_source(job) for job in leftovers.only("id", "source_file"))
    waiting = list(DataJob.objects.filter(status=DataJob.Status.PENDING, created_at__lt=now - PENDING_RESEND_AFTER,
                                          kind__in=[*IMPORT_KINDS, *EXPORT_KINDS]).values_list("pk", flat=True))
    from .tasks import data_job_run

    for pk in waiting:
        data_job_run.delay(pk)
    return {"failed": failed, "queued_again": len(waiting), "uploads_deleted": removed}


def _update(job: DataJob, **fields) -> None:
    for name, value in fields.items():
        setattr(job, name, value)
    DataJob.objects.filter(pk=job.pk).update(**fields)


def _delete_source(job: DataJob) -> bool:
    """Delete an import's uploaded file (it holds full mobile numbers) once the job has run."""
    if not job.source_file:
        return False
    try:
        job.source_file.delete(save=False)
    except OSError:
        log.warning("data job %s: its uploaded file could not be deleted; recovery tries again", job.pk,
                    exc_info=True)
        return False
    DataJob.objects.filter(pk=job.pk).update(source_file="")
    return True


def _claim(job_id: int) -> DataJob | None:
    # Only the kinds run here: another kind's job (the PIPL export) is someone else's to run.
    claimed = DataJob.objects.filter(pk=job_id, status=DataJob.Status.PENDING,
                                     kind__in=[*IMPORT_KINDS, *EXPORT_KINDS]).update(
        status=DataJob.Status.RUNNING, started_at=timezone.now())
    return DataJob.objects.select_related("created_by").filter(pk=job_id).first() if claimed else None


def data_job_execute(*, job_id: int) -> DataJob | None:
    """Run a pending job to done or failed; a job that is gone or already taken is left alone."""
    job = _claim(job_id)
    if job is None:
        return None
    with translation.override(job.options.get("language") or None):
        try:
            if job.kind in IMPORT_KINDS:
                _run_import(job)
            else:
                _run_export(job)
        except CustomerError as error:
            _update(job, status=DataJob.Status.FAILED, message=str(error)[:300], finished_at=timezone.now())
        except Exception:
            log.exception("data job %s failed", job.pk)
            _update(job, status=DataJob.Status.FAILED, finished_at=timezone.now(),
                    message=_("The job stopped on an unexpected error; nothing was imported. Try again or "
                              "ask head office."))
        finally:
            if job.kind in IMPORT_KINDS:  # done or failed: the error report is enough to fix the file
                _delete_source(job)
    return job


def _run_import(job: DataJob) -> None:
    with job.source_file.open("rb") as source:
        data = source.read()
    header, raw_rows = imports.read_table(job.source_name, data)
    _update(job, total_rows=len(raw_rows))
    total = len(raw_rows)

    def done(outcome: imports.ImportOutcome) -> None:
        # Inside the import's transaction: the rows, the audit entry and "done" commit together, so a
        # worker dying after the commit cannot leave an import that recovery reports as not imported.
        audit_record(action=AuditLog.Action.IMPORT, actor=job.created_by, rows=total,
                     detail={"kind": job.kind, "file": job.source_name, "job": job.pk,
                             **({"skipped": outcome.skipped} if outcome.skipped else {})})
        _update(job, status=DataJob.Status.DONE, processed_rows=total,
                imported_rows=outcome.created + outcome.updated, finished_at=timezone.now(),
                message=_done_message(job, outcome)[:300])

    outcome = imports.rows_import(
        kind=IMPORT_KINDS[job.kind], user=job.created_by, header=header, raw_rows=raw_rows,
        source_name=job.source_name, progress=lambda n: _update(job, processed_rows=n), on_written=done)
    if not outcome.ok:
        bad_rows = len({error.row for error in outcome.errors})
        job.result_file.save(f"errors-{job.pk}.csv", ContentFile(error_report(outcome.errors)), save=False)
        _update(job, status=DataJob.Status.FAILED, processed_rows=total, error_count=bad_rows,
                errors=[error.as_dict() for error in outcome.errors[:KEPT_ERRORS]],
                result_file=job.result_file.name, finished_at=timezone.now(),
                message=_("%(bad)d of %(total)d rows have errors; nothing was imported. Correct them and upload "
                          "the file again.") % {"bad": bad_rows, "total": total})


def _done_message(job: DataJob, outcome: imports.ImportOutcome) -> str:
    if job.kind == DataJob.Kind.IMPORT_CUSTOMERS:
        message = " ".join([
            ngettext("%(n)d customer added.", "%(n)d customers added.", outcome.created) % {"n": outcome.created},
            ngettext("%(n)d known customer completed.", "%(n)d known customers completed.", outcome.updated) % {
                "n": outcome.updated}])
    else:
        message = " ".join([
            ngettext("%(n)d order imported.", "%(n)d orders imported.", outcome.created) % {"n": outcome.created},
            ngettext("%(n)d new customer.", "%(n)d new customers.", outcome.customers_created) % {
                "n": outcome.customers_created}])
    if outcome.skipped:
        message += " " + ngettext(
            "%(n)d known customer skipped: erased or changed while the file was checked.",
            "%(n)d known customers skipped: erased or changed while the file was checked.",
            outcome.skipped) % {"n": outcome.skipped}
    if outcome.ignored_columns:
        message += " " + _("Columns not read: %(columns)s.") % {"columns": "、".join(outcome.ignored_columns)}
    return message


def error_report(errors: list[imports.RowError]) -> bytes:
    """The per-row report: row, column, value, message; UTF-8 with BOM for Excel."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("Row"), _("Column"), _("Value"), _("Error")])
    for error in errors:
        writer.writerow([error.row, error.field, error.value, error.message])
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")


def _run_export(job: DataJob) -> None:
    kind, fmt = EXPORT_KINDS[job.kind], job.options.get("format", "csv")
    params = job.options.get("filters") or {}
    with tempfile.TemporaryFile() as out:
        rows = exports.write_export(
            kind=kind, user=job.created_by, params=params, fmt=fmt, out=out,
            progress=lambda n: _update(job, processed_rows=n), total_hint=lambda n: _update(job, total_rows=n))
        out.seek(0)
        job.result_file.save(f"export.{fmt}", File(out), save=False)  # a random name (customers.models.jobs)
    with transaction.atomic():
        exports.export_audit(user=job.created_by, kind=kind, fmt=fmt, params=params, rows=rows, job_id=job.pk)
        _update(job, status=DataJob.Status.DONE, processed_rows=rows, total_rows=rows, imported_rows=rows,
                result_file=job.result_file.name, finished_at=timezone.now(),
                message=_("%(n)d rows exported.") % {"n": rows})


def result_filename(job: DataJob) -> str:
    """What the downloaded file is called (the stored name is random)."""
    if job.kind in IMPORT_KINDS:
        return f"errors-{os.path.splitext(job.source_name)[0] or job.pk}.csv"
    stamp = timezone.localtime(job.started_at or job.created_at).strftime("%Y%m%d-%H%M")
    fmt = job.options.get("format") or os.path.splitext(job.result_file.name)[1].lstrip(".") or "csv"
    return f"{EXPORT_KINDS.get(job.kind, 'export')}-{stamp}-{job.pk}.{fmt}"
