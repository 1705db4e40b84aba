"""Imports on the real dashboard (CUS-10): a manager uploads a messy GBK export and reads the
per-row errors; a running job's progress refreshes by itself (htmx polling)."""

import csv
import io

import pytest

from customers.models import Customer, DataJob, Order

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Dashboard-2026"
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "en-US"}


@pytest.fixture
def desktop(browser):
    from django.db import connections

    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    yield page
    context.close()
    connections.close_all()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _sign_in(page, base, user):
    # English pages: the assertions read the source strings (the UI is Chinese by default).
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    user.set_password(PASSWORD)
    user.save()
    page.goto(f"{base}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.locator("[type=submit]").first.click()
    page.wait_for_load_state()


def test_a_manager_uploads_a_messy_gbk_export_and_reads_its_errors(live_server, org, desktop, tmp_path):
    a1, job_number = org.store_a1.code, org.assistant.job_number
    rows = [["订单号", "下单时间", "门店编码", "导购工号", "手机号", "金额", "支付方式"],
            ["W1", "2026/11/3 14:05", a1, job_number, "13812345678", "￥1,299.00", "微信"],
            ["W2", "2026/11/3", a1, job_number, "1381234", "899", "现金"],
            ["W3", "2026-02-30", org.store_b1.code, job_number, "13812345679", "-5", "现金"]]
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path = tmp_path / "pos.csv"
    path.write_bytes(buffer.getvalue().encode("gbk"))
    orders_before = Order.objects.count()
    _sign_in(desktop, live_server.url, org.manager.user)

    desktop.goto(f"{live_server.url}/dashboard/data/")
    desktop.select_option("#id_kind", "import_orders")
    desktop.set_input_files("#id_file", str(path))
    desktop.locator("#import-form [type=submit]").click()
    desktop.wait_for_selector("#job-errors")

    cells = desktop.locator("#job-errors tbody tr td:first-child").all_text_contents()
    assert [c.strip() for c in cells] == ["3", "4", "4", "4"]
    assert "nothing was imported" in desktop.text_content("#data-job")
    assert desktop.evaluate("document.documentElement.scrollWidth") <= 1280
    screenshot(desktop, "data-job-errors")
    assert Order.objects.count() == orders_before
    assert not Customer.objects.filter(mobile="13812345678").exists()


def test_a_running_jobs_progress_refreshes_until_it_is_done(live_server, org, desktop):
    job = DataJob.objects.create(kind=DataJob.Kind.IMPORT_ORDERS, created_by=org.manager.user,
                                 created_by_staff=org.manager, status="running", total_rows=1000, processed_rows=100,
                                 source_name="big.csv")
    _sign_in(desktop, live_server.url, org.manager.user)

    desktop.goto(f"{live_server.url}/dashboard/data/jobs/{job.pk}/")
    assert desktop.get_attribute(".progress", "aria-valuenow") == "10"
    DataJob.objects.filter(pk=job.pk).update(processed_rows=600)
    desktop.wait_for_selector('.progress[aria-valuenow="60"]', timeout=5000)
    DataJob.objects.filter(pk=job.pk).update(status="done", processed_rows=1000, message="1000 orders imported.")
    desktop.wait_for_selector(".job-status.job-done", timeout=5000)

    assert "1000 orders imported." in desktop.text_content("#data-job")
    # Once done, the page stops asking.
    assert desktop.get_attribute("#data-job", "hx-trigger") is None
