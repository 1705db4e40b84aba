"""An assistant signs in on the workbench at phone size and finds their own customers."""

import pytest

from customers.models import Customer

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_assistant_signs_in_on_a_phone_and_sees_own_customers(live_server, org, phone):
    user = org.assistant.user
    user.set_password("Shop-floor-2026")
    user.save()

    phone.goto(f"{live_server.url}/m/")
    phone.wait_for_url("**/m/login/**")
    assert phone.get_by_role("button", name="登录").is_visible()  # Chinese by default
    phone.fill("#id_username", user.username)
    phone.fill("#id_password", "Shop-floor-2026")
    phone.get_by_role("button", name="登录").click()
    phone.wait_for_url(f"{live_server.url}/m/")
    assert org.assistant.name in phone.text_content(".hello__name")
    assert phone.text_content(".stat b") == "2"
    screenshot(phone, "workbench-home")

    phone.get_by_text("客户", exact=True).click()
    phone.wait_for_url("**/m/customers/")
    shown = phone.locator("#customer-rows .weui-cell__bd > p:first-child").all_text_contents()
    mine = Customer.objects.filter(owner_assistant=org.assistant).values_list("name", flat=True)
    assert sorted(name.split()[0] for name in shown) == sorted(mine)
    # The page fits the phone: no sideways scrolling.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "workbench-customers")


def test_wrong_password_on_the_phone_says_so_in_chinese(live_server, org, phone):
    phone.goto(f"{live_server.url}/m/login/")
    phone.fill("#id_username", org.assistant.user.username)
    phone.fill("#id_password", "not-the-password")
    phone.get_by_role("button", name="登录").click()
    assert "密码" in phone.text_content("[role=alert]")
