"""The interaction radar on the phone (QR-9): a scan on the fake phone shows up on the assistant's
radar page within seconds, without a reload."""

import os

import pytest

from customers.models import RadarEvent
from stores.services import qr_code_for
from tests.digital import media_in_tmp, product, solution  # noqa: F401

from .conftest import PHONE, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_assistant_sees_the_scan_on_the_radar_without_reloading(live_server, wechat_settings, org, browser):
    wechat_settings.PUBLIC_BASE_URL = live_server.url
    island = solution(products=[product()], name="岛台厨房方案", store=org.store_a1)
    code = qr_code_for(island, staff=org.assistant, label="岛台样板间")
    user = org.assistant.user
    user.set_password("Shop-floor-2026")
    user.save()

    phone = browser.new_context(**PHONE).new_page()
    phone.goto(f"{live_server.url}/m/login/")
    phone.fill("#id_username", user.username)
    phone.fill("#id_password", "Shop-floor-2026")
    phone.get_by_role("button", name="登录").click()
    phone.wait_for_url(f"{live_server.url}/m/")
    phone.click("#radar-tile")
    phone.wait_for_url(f"{live_server.url}/m/radar/")
    assert "暂无动态" in phone.text_content("#radar-feed")
    phone.evaluate("window.__sameDocument = true")  # gone if the page were reloaded

    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    desk.goto(f"{live_server.url}/wechat/fake-phone/")
    desk.locator(f"button[data-token='{code.token}']").click()
    desk.frame(name="screen").wait_for_url(f"{live_server.url}/h5/solutions/{island.pk}/**")
    event = RadarEvent.objects.get()

    # The page polls every 5 seconds for newer entries; Playwright waits up to 15 for the line.
    line = phone.wait_for_selector(f"#radar-{event.pk}", timeout=15_000)
    assert "正在看 岛台厨房方案" in line.text_content()
    assert phone.evaluate("window.__sameDocument") is True
    assert "暂无动态" not in phone.text_content("#radar-feed")
    screenshot(phone, "radar-after-scan")
    if os.path.isdir("/tmp/shots_radar"):
        phone.screenshot(path="/tmp/shots_radar/radar-after-scan.png", full_page=True)
    line.click()
    phone.wait_for_url(f"{live_server.url}/m/customers/{event.customer_id}/")
