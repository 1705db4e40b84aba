"""Exports (CUS-10): cut to the requester's scope and the list's filter, masked, audited."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook
from rest_framework.test import APIClient

from customers import data_jobs, exports
from customers.errors import CustomerError
from customers.models import AuditLog, Customer, DataJob, Order
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_and_english(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"  # job files (customers.models.jobs)
    with translation.override("en"):
        yield


def run_export(user, kind, fmt="csv", params=None, capture=None):
    with capture(execute=True):
        job = data_jobs.data_export_create(user=user, kind=kind, fmt=fmt, params=params or {})
    job.refresh_from_db()
    return job


def csv_rows(job) -> list[list[str]]:
    raw = job.result_file.read()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the Chinese right
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


@pytest.mark.parametrize("role", ["hq", "supervisor", "manager"])
def test_a_customers_export_holds_exactly_the_customers_the_role_sees(
        org, role, django_capture_on_commit_callbacks):
    user = org.user(role)

    job = run_export(user, DataJob.Kind.EXPORT_CUSTOMERS, capture=django_capture_on_commit_callbacks)

    rows = csv_rows(job)
    exported = sorted(int(row[0]) for row in rows[1:])
    assert job.status == "done"
    assert exported == sorted(Customer.objects.visible_to(user).values_list("pk", flat=True))
    assert 0 < len(exported) < Customer.objects.count() or role == "hq"


@pytest.mark.parametrize("role", ["hq", "supervisor", "manager"])
def test_an_orders_export_holds_exactly_the_orders_the_role_sees(org, role, django_capture_on_commit_callbacks):
    user = org.user(role)

    job = run_export(user, DataJob.Kind.EXPORT_ORDERS, fmt="xlsx", capture=django_capture_on_commit_callbacks)

    sheet = load_workbook(job.result_file.open("rb"), read_only=True).worksheets[0]
    numbers = sorted(row[0] for row in list(sheet.iter_rows(values_only=True))[1:])
    assert numbers == sorted(Order.objects.visible_to(user).values_list("number", flat=True))


@pytest.mark.parametrize("role", ["assistant", "partner", "outsider"])
def test_roles_without_data_work_cannot_export(org, role):
    with pytest.raises(CustomerError):
        data_jobs.data_export_create(user=org.user(role), kind=DataJob.Kind.EXPORT_CUSTOMERS, fmt="csv", params={})
    assert not DataJob.objects.exists() and not AuditLog.objects.exists()


def test_mobiles_are_masked_and_every_export_is_audited_with_its_row_count(org, django_capture_on_commit_callbacks):
    CustomerFactory(store=org.store_a1, mobile="13812345678", name="王丽")

    job = run_export(org.manager.user, DataJob.Kind.EXPORT_CUSTOMERS, params={"q": ["王丽"]},
                     capture=django_capture_on_commit_callbacks)

    rows = csv_rows(job)
    assert [row[1:3] for row in rows[1:]] == [["王丽", "138****5678"]]
    assert "13812345678" not in job.result_file.open("rb").read().decode("utf-8-sig")
    entry = AuditLog.objects.get(action=AuditLog.Action.EXPORT)
    assert (entry.actor, entry.rows, entry.detail["filters"], entry.detail["job"]) == (
        org.manager.user, 1, {"q": ["王丽"]}, job.pk)


def test_the_list_filter_narrows_the_export_but_never_widens_the_scope(org, django_capture_on_commit_callbacks):
    # Given a manager asking for another store's customers by filter parameter
    job = run_export(org.manager.user, DataJob.Kind.EXPORT_CUSTOMERS,
                     params={"owner_assistant": [str(org.assistant.pk)]}, capture=django_capture_on_commit_callbacks)

    assert sorted(int(r[0]) for r in csv_rows(job)[1:]) == sorted(
        Customer.objects.filter(owner_assistant=org.assistant).values_list("pk", flat=True))
    with pytest.raises(CustomerError, match="not valid"):
        data_jobs.data_export_create(user=org.manager.user, kind=DataJob.Kind.EXPORT_CUSTOMERS, fmt="csv",
                                     params={"store": [str(org.store_b1.pk)]})


def test_a_large_export_streams_through_the_iterator_in_chunks(org, monkeypatch, django_capture_on_commit_callbacks):
    # Given chunks of 2 rows, progress every 2 rows
    monkeypatch.setattr(exports, "CHUNK", 2)
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 2)
    for _ in range(5):
        CustomerFactory(store=org.store_a1)
    progress = []
    real = data_jobs._update
    monkeypatch.setattr(data_jobs, "_update",
                        lambda job, **f: (progress.append(f.get("processed_rows")), real(job, **f)))

    job = run_export(org.hq.user, DataJob.Kind.EXPORT_CUSTOMERS, capture=django_capture_on_commit_callbacks)

    total = Customer.objects.count()
    assert job.total_rows == total and len(csv_rows(job)) == total + 1
    assert [p for p in progress if p][: total // 2] == list(range(2, total + 1, 2))[: total // 2]


def test_the_customer_lists_export_link_carries_its_filter_into_the_job(
        client, org, django_capture_on_commit_callbacks):
    client.force_login(org.manager.user)
    link = reverse("dashboard_data_export") + f"?kind=customers&owner_assistant={org.assistant.pk}&sort=follow_up"

    confirm = client.get(link)
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(reverse("dashboard_data_export"), {
            "kind": "customers", "format": "xlsx", "owner_assistant": str(org.assistant.pk)})

    assert f'name="owner_assistant" value="{org.assistant.pk}"' in confirm.content.decode()
    assert 'name="sort"' not in confirm.content.decode()
    assert org.assistant.name in confirm.content.decode()  # the filter shown by name, not by id
    assert 'value="orders"' not in confirm.content.decode()  # a customer filter exports customers
    job = DataJob.objects.get()
    assert started.status_code == 302 and job.options["filters"] == {"owner_assistant": [str(org.assistant.pk)]}
    download = client.get(reverse("dashboard_data_download", args=[job.pk]))
    assert download.status_code == 200 and download["Content-Disposition"].endswith('.xlsx"')


def test_the_api_starts_an_export(org, django_capture_on_commit_callbacks):
    api = APIClient()
    api.force_authenticate(org.supervisor.user)

    with django_capture_on_commit_callbacks(execute=True):
        created = api.post("/api/v1/exports/", {"kind": "orders", "format": "csv"}, format="json")
    job = api.get(f"/api/v1/jobs/{created.json()['id']}/").json()

    assert created.status_code == 202 and job["status"] == "done"
    assert job["imported_rows"] == Order.objects.visible_to(org.supervisor.user).count()
    assert AuditLog.objects.filter(action="export", actor=org.supervisor.user).count() == 1


@pytest.mark.parametrize("role", ["assistant", "partner"])
def test_the_api_refuses_exports_to_the_floor(org, role):
    api = APIClient()
    api.force_authenticate(org.user(role))

    assert api.post("/api/v1/exports/", {"kind": "customers"}, format="json").status_code == 403
