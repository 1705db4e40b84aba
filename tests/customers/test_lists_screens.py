"""The customer lists on real screens: the assistant filters "my customers" on a phone; a manager
filters the dashboard list and opens a customer (screenshots in test-artifacts/)."""

from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from customers.models import CustomerTag

from ..browser.conftest import browser, phone, screenshot  # noqa: F401 (fixtures)
from ..factories import CustomerFactory
from .lists_data import rich_customer, tagged

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Shop-floor-2026"


def _sign_in(page, base, path, user):
    user.set_password(PASSWORD)
    user.save()
    page.goto(f"{base}{path}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.locator("[type=submit]").first.click()
    page.wait_for_load_state()


@pytest.fixture
def desktop(browser):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()
    connections.close_all()


@pytest.fixture
def book(org):
    """The assistant's customers as a shop floor has them: graded, tagged, some due today."""
    today = timezone.localdate()
    people = [("王芳", "A", 0, "滨江壹号", True), ("李强", "B", 2, "汇成新村", False), ("张伟", "C", None, "徐汇苑", True),
              ("刘洋", "A", -1, "龙华新城", False), ("陈静", "D", None, "", False), ("杨帆", "B", 5, "滨江壹号", True)]
    made = []
    for n, (name, grade, days, community, friend) in enumerate(people):
        customer = CustomerFactory(
            store=org.store_a1, owner_assistant=org.assistant, name=name, intent_grade=grade, community=community,
            is_wecom_friend=friend, next_follow_up_on=today + timedelta(days=days) if days is not None else None,
            created_at=timezone.now() - timedelta(days=n * 3),
        )
        made.append(customer)
    tagged(made[0], "厨房改造", "看过样板间")
    tagged(made[1], "卫浴升级")
    tagged(made[3], "老客户", source=CustomerTag.Source.RULE)
    tagged(made[5], "全屋定制", "团购意向")
    return made


def test_assistant_filters_my_customers_on_a_phone(live_server, org, phone, book):  # noqa: F811
    _sign_in(phone, live_server.url, "/m/login/", org.assistant.user)
    phone.goto(f"{live_server.url}/m/customers/")
    rows = phone.locator("#customer-rows .customer-row")
    assert rows.count() == 2 + len(book)  # two from the org fixture
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "lists-workbench-customers")

    phone.locator('.chip[href="?intent_grade=A"]').click()  # the grade chip
    phone.wait_for_function("document.querySelectorAll('#customer-rows .customer-row').length === 2")
    names = phone.locator("#customer-rows .customer-row .weui-cell__bd > p:first-child").all_text_contents()
    assert sorted(name.split()[0] for name in names) == ["刘洋", "王芳"]
    assert "intent_grade=A" in phone.url  # the filter is in the address: back and reload keep it
    phone.locator('.chip[href="?intent_grade=A&due=true"]').click()  # "due today" on top of A
    phone.wait_for_function("document.querySelector('.chip_on[aria-pressed=true][href=\"?intent_grade=A\"]')")
    assert phone.locator("#customer-rows .customer-row").count() == 2  # both A customers are due
    assert "due=true" in phone.url
    screenshot(phone, "lists-workbench-customers-filtered")

    phone.goto(f"{live_server.url}/m/customers/")
    phone.locator("select[name=tag]").select_option(label="全屋定制")
    phone.wait_for_function("document.querySelectorAll('#customer-rows .customer-row').length === 1")
    assert "杨帆" in phone.text_content("#customer-rows")
    phone.fill("input[name=q]", "王")  # search keeps the chosen tag: nobody is both
    phone.wait_for_function("document.querySelectorAll('#customer-rows .customer-row').length === 0")


def test_manager_filters_the_dashboard_list_and_opens_a_customer(live_server, org, desktop, book):
    star = rich_customer(org.assistant)
    _sign_in(desktop, live_server.url, "/login/", org.manager.user)
    desktop.goto(f"{live_server.url}/dashboard/customers/")
    assert desktop.locator(".customer-table tbody tr").count() >= len(book)
    screenshot(desktop, "lists-dashboard-customers")

    desktop.locator("input[name=intent_grade][value=A]").check()
    desktop.wait_for_function("document.querySelectorAll('.customer-table tbody tr').length === 3")
    desktop.get_by_role("link", name=star.name).click()
    desktop.wait_for_url(f"**/dashboard/customers/{star.pk}/")
    assert "想要 400 坑距马桶" in desktop.text_content("main")
    screenshot(desktop, "lists-dashboard-customer")
