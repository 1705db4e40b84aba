"""The demo's promise, in a real browser: scan an assistant's code on the fake phone, and that
assistant finds the new customer, with the reason and the trail, on their phone."""

import pytest

from customers.models import Customer
from stores.services import qr_code_for

from .conftest import PHONE, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_scan_on_the_fake_phone_reaches_the_assistants_workbench(live_server, wechat_settings, org, browser):
    wechat_settings.PUBLIC_BASE_URL = live_server.url
    code = qr_code_for(org.assistant, label=f"{org.assistant.name}（导购）")
    user = org.assistant.user
    user.set_password("Shop-floor-2026")
    user.save()

    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    desk.goto(f"{live_server.url}/wechat/fake-phone/")
    desk.locator(f"button[data-token='{code.token}']").click()
    screen = desk.frame(name="screen")
    screen.wait_for_url(f"{live_server.url}/h5/staff/{code.token}/**")
    screen.wait_for_selector("text=" + org.assistant.name)
    screenshot(desk, "fake-phone-after-scan")
    customer = Customer.objects.get(owner_assistant=org.assistant, openid__isnull=False)
    assert customer.bound_via == code

    phone = browser.new_context(**PHONE).new_page()
    phone.goto(f"{live_server.url}/m/login/")
    phone.fill("#id_username", user.username)
    phone.fill("#id_password", "Shop-floor-2026")
    phone.get_by_role("button", name="登录").click()
    phone.wait_for_url(f"{live_server.url}/m/")
    phone.goto(f"{live_server.url}/m/customers/{customer.pk}/")
    assert "首次扫码" in phone.text_content(".why-mine")
    assert code.label in phone.text_content(".trail")
    screenshot(phone, "workbench-new-customer")
