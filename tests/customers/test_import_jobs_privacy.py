"""Import and export jobs (CUS-10) keep their files private, their scope where they were made, and
their bookkeeping in the import's transaction; an import never writes stale rows."""

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from customers import data_jobs, imports
from customers.imports import file_import
from customers.models import AuditLog, Customer, DataJob, OwnerChange
from customers.models.jobs import private_storage
from customers.privacy import customer_erase
from stores.models import Role
from tests.factories import CustomerFactory, StaffFactory

pytestmark = pytest.mark.django_db

HEADER = ["姓名", "手机号", "性别", "生日", "门店编码", "导购工号"]


@pytest.fixture(autouse=True)
def _roots(settings, tmp_path, in_english):
    # Neither folder exists yet: the private one is created on demand.
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def csv_upload(rows, name="门店会员 13812345678.csv") -> SimpleUploadedFile:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode("gbk"), content_type="text/csv")


def good_rows(org, n=3):
    return [HEADER, *[[f"客户{i}", f"1390000{i:04d}", "女", "1990-01-01", org.store_a1.code, org.assistant.job_number]
                      for i in range(n)]]


def bad_rows(org):
    return [HEADER, ["坏", "139", "", "", org.store_a1.code, ""]]


def files_under(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


# --- 1. Private files --------------------------------------------------------------------------


def test_an_upload_is_stored_privately_under_a_random_name(org, settings):
    job = data_jobs.data_import_create(user=org.manager.user, kind=DataJob.Kind.IMPORT_CUSTOMERS,
                                       upload=csv_upload(good_rows(org)))  # not run: no on_commit here

    stored = Path(job.source_file.path)
    assert stored.is_file() and Path(settings.PRIVATE_MEDIA_ROOT).resolve() in stored.parents
    assert files_under(Path(settings.MEDIA_ROOT)) == []
    assert "13812345678" not in job.source_file.name and "会员" not in job.source_file.name
    assert len(stored.stem) == 32 and stored.suffix == ".csv"  # a uuid
    assert job.source_name == "门店会员 13812345678.csv"
    with pytest.raises(ValueError):
        job.source_file.url  # noqa: B018 — no URL reaches a job file


@pytest.mark.parametrize("rows, status", [(good_rows, "done"), (bad_rows, "failed")])
def test_the_upload_is_deleted_once_the_import_ran(org, settings, rows, status, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = data_jobs.data_import_create(user=org.manager.user, kind=DataJob.Kind.IMPORT_CUSTOMERS,
                                           upload=csv_upload(rows(org)))
    job.refresh_from_db()

    assert job.status == status and not job.source_file
    kept = files_under(Path(settings.PRIVATE_MEDIA_ROOT))
    assert kept == ([Path(job.result_file.path)] if status == "failed" else [])  # only the error report


def test_the_error_report_and_an_export_download_only_through_the_scoped_views(
        client, org, settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        failed = data_jobs.data_import_create(user=org.manager.user, kind=DataJob.Kind.IMPORT_CUSTOMERS,
                                              upload=csv_upload(bad_rows(org), name="pos.csv"))
        export = data_jobs.data_export_create(user=org.manager.user, kind=DataJob.Kind.EXPORT_CUSTOMERS,
                                              fmt="csv", params={})
    failed.refresh_from_db()
    export.refresh_from_db()
    assert export.status == "done"
    for job in (failed, export):
        assert Path(settings.PRIVATE_MEDIA_ROOT).resolve() in Path(job.result_file.path).parents
        assert len(Path(job.result_file.name).stem) == 32
    assert files_under(Path(settings.MEDIA_ROOT)) == []

    client.force_login(org.manager.user)
    report = client.get(reverse("dashboard_data_download", args=[failed.pk]))
    exported = client.get(reverse("dashboard_data_download", args=[export.pk]))
    api = APIClient()
    api.force_authenticate(org.manager.user)
    by_api = api.get(f"/api/v1/jobs/{export.pk}/download/")
    client.force_login(org.store_b1.staff.first().user)  # another region's assistant: not theirs
    elsewhere = client.get(reverse("dashboard_data_download", args=[export.pk]))

    assert report.status_code == 200 and 'filename="errors-pos.csv"' in report["Content-Disposition"]
    assert "139" in b"".join(report.streaming_content).decode("utf-8-sig")
    stamp = timezone.localtime(export.started_at).strftime("%Y%m%d-%H%M")
    assert exported.status_code == 200
    assert f'filename="customers-{stamp}-{export.pk}.csv"' in exported["Content-Disposition"]
    assert by_api.status_code == 200 and b"".join(by_api.streaming_content).startswith(b"\xef\xbb\xbf")
    assert elsewhere.status_code in (302, 403, 404)


@pytest.mark.parametrize("inside", ["media", "static"])
def test_the_private_root_may_not_lie_in_a_served_folder(settings, tmp_path, inside):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / inside / "private"

    with pytest.raises(ImproperlyConfigured):
        private_storage.path("x.csv")


def test_recovery_deletes_uploads_a_dying_worker_left_behind(org, settings):
    leftover = DataJob.objects.create(kind=DataJob.Kind.IMPORT_CUSTOMERS, created_by=org.manager.user,
                                      created_by_staff=org.manager, status="done", source_name="m.csv")
    leftover.source_file.save("m.csv", csv_upload(good_rows(org)))
    waiting = DataJob.objects.create(kind=DataJob.Kind.IMPORT_CUSTOMERS, created_by=org.manager.user,
                                     created_by_staff=org.manager, source_name="w.csv")
    waiting.source_file.save("w.csv", csv_upload(good_rows(org)))

    assert data_jobs.data_jobs_recover()["uploads_deleted"] == 1

    leftover.refresh_from_db()
    waiting.refresh_from_db()
    assert not leftover.source_file and waiting.source_file
    assert files_under(Path(settings.PRIVATE_MEDIA_ROOT)) == [Path(waiting.source_file.path)]


# --- 2. Scope recorded at creation ---------------------------------------------------------------


def _export(user):
    return data_jobs.data_export_create(user=user, kind=DataJob.Kind.EXPORT_CUSTOMERS, fmt="csv", params={})


def test_a_job_records_where_its_requester_works(org):
    by_manager, by_supervisor, by_hq = _export(org.manager.user), _export(org.supervisor.user), _export(org.hq.user)

    assert (by_manager.store, by_manager.region) == (org.store_a1, org.region_a)
    assert (by_supervisor.store, by_supervisor.region) == (None, org.region_a)
    assert (by_hq.store, by_hq.region) == (None, None)


def test_a_managers_old_export_stays_with_the_store_when_they_move(client, org):
    job = _export(org.manager.user)
    # The manager moves to Beijing; a new manager takes over store A1.
    org.manager.store = org.store_b1
    org.manager.save()
    successor = StaffFactory(role=Role.STORE_MANAGER, store=org.store_a1)
    beijing_colleague = StaffFactory(role=Role.STORE_MANAGER, store=org.store_b1)
    north_supervisor = StaffFactory(role=Role.REGION_SUPERVISOR, store=None, region=org.region_b)

    def status(staff):
        client.force_login(staff.user)
        return client.get(reverse("dashboard_data_job", args=[job.pk])).status_code

    assert [status(s) for s in (successor, org.supervisor, org.hq)] == [200, 200, 200]
    assert [status(s) for s in (beijing_colleague, org.manager, north_supervisor)] == [404, 404, 404]


def test_a_supervisors_job_stays_in_their_region_and_head_offices_with_head_office(client, org):
    by_supervisor, by_hq = _export(org.supervisor.user), _export(org.hq.user)
    org.supervisor.region = org.region_b  # moved to the north
    org.supervisor.save()
    successor = StaffFactory(role=Role.REGION_SUPERVISOR, store=None, region=org.region_a)

    client.force_login(successor.user)
    assert client.get(reverse("dashboard_data_job", args=[by_supervisor.pk])).status_code == 200
    assert client.get(reverse("dashboard_data_job", args=[by_hq.pk])).status_code == 404
    client.force_login(org.supervisor.user)
    assert client.get(reverse("dashboard_data_job", args=[by_supervisor.pk])).status_code == 404
    api = APIClient()
    api.force_authenticate(org.manager.user)
    assert api.get(f"/api/v1/jobs/{by_supervisor.pk}/").status_code == 404  # a region's job, not a store's


# --- 3. Done and audited in the import's transaction ------------------------------------------------


class WorkerKilled(BaseException):
    """The worker dying (SIGKILL, a lost machine): nothing after this line runs."""


def test_a_worker_dying_before_done_leaves_nothing_imported_as_recovery_reports(
        org, monkeypatch, django_capture_on_commit_callbacks):
    real_update = data_jobs._update

    def dies_on_done(job, **fields):
        if fields.get("status") == DataJob.Status.DONE:
            raise WorkerKilled
        real_update(job, **fields)

    monkeypatch.setattr(data_jobs, "_update", dies_on_done)
    before = Customer.objects.count()
    with pytest.raises(WorkerKilled), django_capture_on_commit_callbacks(execute=True):
        job = data_jobs.data_import_create(user=org.manager.user, kind=DataJob.Kind.IMPORT_CUSTOMERS,
                                           upload=csv_upload(good_rows(org)))
    job = DataJob.objects.get()
    assert job.status == "running"
    monkeypatch.setattr(data_jobs, "_update", real_update)
    DataJob.objects.filter(pk=job.pk).update(started_at=timezone.now() - timedelta(hours=3))

    assert data_jobs.data_jobs_recover()["failed"] == 1

    job.refresh_from_db()
    assert job.status == "failed" and "未导入任何数据" in job.message  # "nothing was imported" (the site's language)
    assert Customer.objects.count() == before  # true: the rows went with the job's "done"
    assert not AuditLog.objects.filter(action=AuditLog.Action.IMPORT).exists()


def test_done_and_the_audit_entry_commit_with_the_rows(org, monkeypatch, django_capture_on_commit_callbacks):
    from django.db import connection

    seen = {}
    real_write, real_record = imports._write_customers, data_jobs.audit_record

    def write_spy(*args, **kwargs):
        seen["write"] = list(connection.savepoint_ids)
        return real_write(*args, **kwargs)

    def audit_spy(**kwargs):
        seen["audit"] = list(connection.savepoint_ids)
        return real_record(**kwargs)

    monkeypatch.setattr(imports, "_write_customers", write_spy)
    monkeypatch.setattr(data_jobs, "audit_record", audit_spy)
    with django_capture_on_commit_callbacks(execute=True):
        job = data_jobs.data_import_create(user=org.manager.user, kind=DataJob.Kind.IMPORT_CUSTOMERS,
                                           upload=csv_upload(good_rows(org)))
    job.refresh_from_db()

    assert job.status == "done"
    # The rows' transaction (its savepoint in the test's transaction) is still open at the audit.
    assert seen["write"] and seen["write"][-1] in seen["audit"]
    assert AuditLog.objects.filter(action=AuditLog.Action.IMPORT, rows=3).count() == 1


# --- 4. Known customers are read again, locked, before they are written ------------------------------

CUSTOMER_HEADER = ["姓名", "手机", "性别", "生日", "小区", "地址", "门店", "导购工号"]


def csv_bytes(rows) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _meanwhile(monkeypatch, change):
    """Run ``change`` after the file was checked and before it is written."""
    real_check = imports.rows_check

    def check_then_change(**kwargs):
        result = real_check(**kwargs)
        change()
        return result

    monkeypatch.setattr(imports, "rows_check", check_then_change)


def test_what_was_typed_or_bound_while_the_file_was_checked_is_kept(org, monkeypatch):
    known = CustomerFactory(store=org.store_a1, mobile="13912345678", name="", community="", owner_assistant=None)

    def on_the_phone():
        # An assistant types the name, a scan binds the customer to the colleague.
        Customer.objects.filter(pk=known.pk).update(name="手机上填的", owner_assistant=org.colleague)

    _meanwhile(monkeypatch, on_the_phone)
    data = csv_bytes([CUSTOMER_HEADER, ["文件里的", "13912345678", "", "", "绿城", "", "", org.assistant.job_number]])

    outcome = file_import(kind="customers", user=org.manager.user, name="m.csv", data=data)

    assert outcome.ok and (outcome.updated, outcome.skipped) == (1, 0)
    known.refresh_from_db()
    assert (known.name, known.community, known.owner_assistant) == ("手机上填的", "绿城", org.colleague)
    assert not OwnerChange.objects.filter(customer=known, to_assistant=org.assistant).exists()


def test_a_customer_erased_while_the_file_was_checked_is_skipped_and_counted(
        org, monkeypatch, django_capture_on_commit_callbacks):
    erased = CustomerFactory(store=org.store_a1, mobile="13912345678", name="", community="", owner_assistant=None)
    _meanwhile(monkeypatch, lambda: customer_erase(customer=erased, actor=org.hq.user))
    rows = [HEADER, ["张三", "13912345678", "男", "1980-01-01", org.store_a1.code, org.assistant.job_number],
            ["李四", "13900000001", "女", "", org.store_a1.code, ""]]

    with django_capture_on_commit_callbacks(execute=True):
        job = data_jobs.data_import_create(user=org.manager.user, kind=DataJob.Kind.IMPORT_CUSTOMERS,
                                           upload=csv_upload(rows))
    job.refresh_from_db()

    erased.refresh_from_db()
    assert erased.erased_at is not None
    assert (erased.name, erased.gender, erased.birthday, erased.owner_assistant) == ("", "", None, None)
    assert not OwnerChange.objects.filter(customer=erased, to_assistant=org.assistant).exists()
    assert job.status == "done" and job.imported_rows == 1
    assert "1 known customer skipped" in job.message
    assert Customer.objects.filter(mobile="13900000001", store=org.store_a1).exists()
