"""Import jobs (CUS-10) on the dashboard and the API: upload, progress, errors, report, scope."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from customers import data_jobs, import_files, imports
from customers.errors import CustomerError
from customers.models import AuditLog, Customer, DataJob
from customers.tasks import data_job_run

pytestmark = pytest.mark.django_db

HEADER = ["姓名", "手机号", "性别", "生日", "门店编码", "导购工号"]


@pytest.fixture(autouse=True)
def _media_and_english(settings, tmp_path):
    # Service calls run in English so their errors match the source strings; pages requested through
    # the test client follow the middleware instead and speak Chinese (the default).
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"  # job files (customers.models.jobs)
    with translation.override("en"):
        yield


def gbk_csv(rows) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("gbk")


def upload(rows, name="会员.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, gbk_csv(rows), content_type="text/csv")


def good_rows(org, n=3):
    return [HEADER, *[[f"客户{i}", f"1390000{i:04d}", "女", "1990-01-01", org.store_a1.code, org.assistant.job_number]
                      for i in range(n)]]


def bad_rows(org):
    return [HEADER, ["好", "13900000001", "", "", org.store_a1.code, ""],
            ["坏", "139", "X", "2026-02-30", org.store_a1.code, ""]]


# --- The job ---------------------------------------------------------------------------------


def test_a_clean_upload_runs_to_done_with_the_rows_imported_and_an_audit_entry(
        org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = data_jobs.data_import_create(user=org.manager.user, kind=DataJob.Kind.IMPORT_CUSTOMERS,
                                           upload=upload(good_rows(org)))
    job.refresh_from_db()

    assert (job.status, job.total_rows, job.processed_rows, job.imported_rows, job.progress_percent) == (
        "done", 3, 3, 3, 100)
    assert Customer.objects.filter(source=Customer.Source.IMPORT, store=org.store_a1).count() == 3
    assert AuditLog.objects.filter(action=AuditLog.Action.IMPORT, actor=org.manager.user, rows=3).exists()


def test_a_file_with_bad_rows_fails_with_the_errors_and_a_report_and_imports_nothing(
        org, django_capture_on_commit_callbacks):
    before = Customer.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        job = data_jobs.data_import_create(user=org.manager.user, kind=DataJob.Kind.IMPORT_CUSTOMERS,
                                           upload=upload(bad_rows(org)))
    job.refresh_from_db()

    assert (job.status, job.error_count, job.imported_rows) == ("failed", 1, 0)
    assert [(e["row"], e["field"]) for e in job.errors] == [(3, "手机号"), (3, "性别"), (3, "生日")]
    assert "nothing was imported" in job.message
    report = job.result_file.read().decode("utf-8-sig").splitlines()
    assert report[0] == "Row,Column,Value,Error" and report[1].startswith("3,手机号,139,")
    assert Customer.objects.count() == before


def test_progress_is_written_outside_the_import_transaction_while_rows_are_checked(org, monkeypatch):
    # Given progress reported every 2 rows, and a spy reading the job's row count each time
    monkeypatch.setattr(imports, "PROGRESS_EVERY", 2)
    seen = []
    real_update = data_jobs._update

    def spy(job, **fields):
        real_update(job, **fields)
        if "processed_rows" in fields and job.status == "running":
            seen.append(DataJob.objects.get(pk=job.pk).processed_rows)

    monkeypatch.setattr(data_jobs, "_update", spy)
    job = DataJob.objects.create(kind=DataJob.Kind.IMPORT_CUSTOMERS, created_by=org.manager.user,
                                 created_by_staff=org.manager, source_name="m.csv")
    job.source_file.save("m.csv", upload(good_rows(org, 5)))

    data_job_run(job.pk)

    assert seen[:2] == [2, 4]
    job.refresh_from_db()
    assert job.status == "done"


@pytest.mark.parametrize("status", ["running", "done", "failed"])
def test_a_job_that_is_not_pending_is_left_alone(org, status):
    job = DataJob.objects.create(kind=DataJob.Kind.IMPORT_CUSTOMERS, created_by=org.manager.user, status=status)

    assert data_job_run(job.pk) is None
    job.refresh_from_db()
    assert job.status == status


def test_a_job_that_is_gone_is_nothing_to_do():
    assert data_job_run(987654) is None


def test_a_file_in_a_wrong_encoding_fails_the_job_with_one_clear_message(
        org, django_capture_on_commit_callbacks):
    bad = SimpleUploadedFile("m.csv", "姓名,手机号\n".encode("utf-16"), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        job = data_jobs.data_import_create(user=org.manager.user, kind=DataJob.Kind.IMPORT_CUSTOMERS, upload=bad)
    job.refresh_from_db()

    assert job.status == "failed" and "UTF-16" in job.message and job.errors == []


@pytest.mark.parametrize("name", ["m.pdf", "m.xls.exe", "m"])
def test_only_csv_and_xlsx_files_are_taken(org, name):
    with pytest.raises(CustomerError, match="CSV or an Excel"):
        data_jobs.data_import_create(user=org.manager.user, kind=DataJob.Kind.IMPORT_CUSTOMERS,
                                     upload=SimpleUploadedFile(name, b"x"))
    assert not DataJob.objects.exists()


# --- The dashboard page ---------------------------------------------------------------------------


def test_the_manager_uploads_on_the_data_page_and_sees_the_errors_of_the_job(client, org,
                                                                            django_capture_on_commit_callbacks):
    client.force_login(org.manager.user)

    with django_capture_on_commit_callbacks(execute=True):  # the task runs in process after the commit
        response = client.post(reverse("dashboard_data"), {"kind": "import_customers", "file": upload(bad_rows(org))})

    job = DataJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("dashboard_data_job", args=[job.pk])
    page = client.get(response.url).content.decode()
    # The page speaks Chinese (the default; Accept-Language is ignored): "…rows have errors; nothing was
    # imported." and "Not a mainland mobile number …".
    assert "行有错误，未导入任何数据" in page and "不是中国大陆手机号" in page and 'id="job-errors"' in page
    report = client.get(reverse("dashboard_data_download", args=[job.pk]))
    assert report.status_code == 200 and "手机号" in b"".join(report.streaming_content).decode("utf-8-sig")
    listing = client.get(reverse("dashboard_data")).content.decode()
    assert f"#{job.pk}" in listing and "hx-trigger" not in listing  # nothing running: no polling


def test_a_running_job_polls_and_an_htmx_request_gets_only_the_status(client, org):
    job = DataJob.objects.create(kind=DataJob.Kind.IMPORT_ORDERS, created_by=org.manager.user,
                                 created_by_staff=org.manager, status="running", total_rows=200, processed_rows=50)
    client.force_login(org.manager.user)

    page = client.get(reverse("dashboard_data_job", args=[job.pk])).content.decode()
    partial = client.get(reverse("dashboard_data_job", args=[job.pk]), HTTP_HX_REQUEST="true").content.decode()
    listing = client.get(reverse("dashboard_data"), HTTP_HX_REQUEST="true").content.decode()

    assert 'hx-trigger="every 1s"' in page and "<html" in page
    assert "<html" not in partial and 'aria-valuenow="25"' in partial and "50 / 200" in partial
    assert 'hx-trigger="every 2s"' in listing and "<html" not in listing


@pytest.mark.parametrize("role, status", [("hq", 200), ("supervisor", 200), ("manager", 404)])
def test_another_stores_job_is_not_found(client, org, role, status):
    job = DataJob.objects.create(kind=DataJob.Kind.IMPORT_ORDERS, created_by=org.other_store_assistant.user,
                                 created_by_staff=org.other_store_assistant, status="done")
    client.force_login(org.user(role))

    assert client.get(reverse("dashboard_data_job", args=[job.pk])).status_code == status


@pytest.mark.parametrize("role", ["assistant", "partner"])
def test_the_floor_is_sent_to_the_workbench(client, org, role):
    client.force_login(org.user(role))

    response = client.post(reverse("dashboard_data"), {"kind": "import_customers", "file": upload(good_rows(org))})

    assert response.status_code == 302 and "/m/" in response.url
    assert not DataJob.objects.exists()


@pytest.mark.parametrize("kind", ["customers", "orders"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_template_reads_back_as_a_valid_header(client, org, kind, fmt):
    client.force_login(org.manager.user)

    response = client.get(reverse("dashboard_data_template", args=[kind, fmt]))

    header, rows = import_files.read_table(f"t.{fmt}", response.content)
    columns, ignored = import_files.map_header(kind, header)
    assert set(columns) == set(import_files.FIELDS[kind]) and not ignored and len(rows) == 1


# --- API ------------------------------------------------------------------------------------------


def test_the_api_takes_a_file_and_reports_the_job(org, django_capture_on_commit_callbacks):
    api = APIClient()
    api.force_authenticate(org.manager.user)

    with django_capture_on_commit_callbacks(execute=True):
        created = api.post("/api/v1/imports/", {"kind": "customers", "file": upload(bad_rows(org))}, format="multipart")
    job = api.get(f"/api/v1/jobs/{created.json()['id']}/").json()

    assert created.status_code == 202
    assert job["status"] == "failed" and job["error_count"] == 1 and job["errors"][0]["row"] == 3
    assert api.get(job["download_url"]).status_code == 200


@pytest.mark.parametrize("role, status", [("assistant", 403), ("partner", 403), ("outsider", 403)])
def test_roles_without_data_work_cannot_import_through_the_api(org, role, status):
    api = APIClient()
    api.force_authenticate(org.user(role))

    response = api.post("/api/v1/imports/", {"kind": "customers", "file": upload(good_rows(org))}, format="multipart")

    assert response.status_code == status
    assert not DataJob.objects.exists()


def test_the_api_job_list_is_scoped(org):
    mine = DataJob.objects.create(kind=DataJob.Kind.IMPORT_ORDERS, created_by=org.manager.user,
                                  created_by_staff=org.manager)
    theirs = DataJob.objects.create(kind=DataJob.Kind.IMPORT_ORDERS, created_by=org.other_store_assistant.user,
                                    created_by_staff=org.other_store_assistant)
    api = APIClient()
    api.force_authenticate(org.manager.user)

    ids = [row["id"] for row in api.get("/api/v1/jobs/").json()["results"]]

    assert ids == [mine.pk]
    assert api.get(f"/api/v1/jobs/{theirs.pk}/").status_code == 404


def test_a_supervisor_sees_their_own_jobs(client, org):
    # A supervisor has a region and no store: their jobs still belong to their region.
    job = DataJob.objects.create(kind=DataJob.Kind.EXPORT_ORDERS, created_by=org.supervisor.user,
                                 created_by_staff=org.supervisor, status="done")
    client.force_login(org.supervisor.user)

    assert client.get(reverse("dashboard_data_job", args=[job.pk])).status_code == 200
    assert f"#{job.pk}" in client.get(reverse("dashboard_data")).content.decode()


# --- Admin ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role, status", [("hq", 200), ("supervisor", 403), ("manager", 403)])
def test_head_office_reads_every_job_in_the_admin_and_nobody_edits_one(client, org, role, status):
    job = DataJob.objects.create(kind=DataJob.Kind.IMPORT_ORDERS, created_by=org.manager.user,
                                 created_by_staff=org.manager, status="failed", source_name="pos.csv")
    user = org.user(role)
    user.is_staff = True
    user.save()
    client.force_login(user)

    listing = client.get(reverse("admin:customers_datajob_changelist"), {"status": "failed"})
    detail = client.get(reverse("admin:customers_datajob_change", args=[job.pk]))

    assert listing.status_code == status
    if status == 200:
        assert "pos.csv" in listing.content.decode() and detail.status_code == 200
        assert 'name="_save"' not in detail.content.decode()
        assert client.get(reverse("admin:customers_datajob_add")).status_code == 403


def test_an_unexpected_error_fails_the_job_and_the_page_still_answers(client, org, monkeypatch,
                                                                       django_capture_on_commit_callbacks):
    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(imports, "rows_import", broken)
    client.force_login(org.manager.user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("dashboard_data"), {"kind": "import_customers", "file": upload(good_rows(org))})

    job = DataJob.objects.get()
    assert response.status_code == 302 and job.status == "failed" and "意外错误" in job.message  # in the uploader's language


# --- Recovery (beat) ------------------------------------------------------------------------------


def test_recovery_fails_jobs_whose_worker_died_and_runs_jobs_never_queued(org):
    from datetime import timedelta

    from django.utils import timezone

    from customers.tasks import data_jobs_recover

    long_ago = timezone.now() - timedelta(hours=3)
    died = DataJob.objects.create(kind=DataJob.Kind.IMPORT_ORDERS, created_by=org.manager.user, status="running",
                                  started_at=long_ago)
    busy = DataJob.objects.create(kind=DataJob.Kind.IMPORT_ORDERS, created_by=org.manager.user, status="running",
                                  started_at=timezone.now())
    lost = DataJob.objects.create(kind=DataJob.Kind.EXPORT_CUSTOMERS, created_by=org.manager.user,
                                  created_by_staff=org.manager, options={"format": "csv"}, created_at=long_ago)
    fresh = DataJob.objects.create(kind=DataJob.Kind.EXPORT_CUSTOMERS, created_by=org.manager.user,
                                   created_by_staff=org.manager, options={"format": "csv"})

    assert data_jobs_recover() == {"failed": 1, "queued_again": 1, "uploads_deleted": 0}

    statuses = {job.pk: job.status for job in DataJob.objects.all()}
    assert statuses == {died.pk: "failed", busy.pk: "running", lost.pk: "done", fresh.pk: "pending"}
