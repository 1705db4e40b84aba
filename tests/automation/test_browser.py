"""The demo's promise for journeys, in a real browser: the seeded "优惠券到期提醒" journey runs and
its reminder shows on the fake phone of the customer holding a coupon that ends in two days; tapping
it records the open and lands on "my coupons"."""

import os
import random

import pytest
from django.db import connections

from automation import tasks
from automation.models import Journey, JourneyDelivery
from demo.seed_journeys import DEMO_OPENID, seed_journeys
from stores.models import Role
from tests.browser.conftest import PHONE, browser, screenshot  # noqa: F401  (fixture)
from tests.factories import StaffFactory
from tests.promotions.factories import CouponDefinitionFactory

from .conftest import NOW

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = "/tmp/shots_journeys"


def test_the_seeded_reminder_journey_reaches_the_fake_phone(live_server, wechat_settings, fake, org, browser):  # noqa: F811
    wechat_settings.PUBLIC_BASE_URL = live_server.url
    StaffFactory(role=Role.ASSISTANT, store=org.store_a1, user__username="assistant")
    definition = CouponDefinitionFactory(name="厨电满减券")
    fake.add_user(openid=DEMO_OPENID)  # the WeChat user follows the official account
    seed_journeys(random.Random(7))
    reminder = Journey.objects.get(template="coupon_expiry")

    tasks.journey_run.delay(reminder.pk, NOW.isoformat())  # what the hourly beat job does at ten

    # The seed's coupon came with its "coupon claimed" message; the journey added one reminder.
    (received,) = [m for m in fake.messages(touser=DEMO_OPENID, kind="template")
                   if m["template_id"] == wechat_settings.WECHAT_TEMPLATE_COUPON_EXPIRY]
    assert received["data"]["thing1"]["value"] == definition.name and received["data"]["number3"]["value"] == "2"
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    desk.goto(f"{live_server.url}/wechat/fake-phone/")
    desk.fill("input[name=openid]", DEMO_OPENID)
    desk.locator("form.filters button[type=submit]").click()
    shown = f"#inbox .msg:has-text('{wechat_settings.WECHAT_TEMPLATE_COUPON_EXPIRY}')"
    desk.wait_for_selector(shown)
    assert definition.name in desk.text_content(shown) and received["data"]["time2"]["value"] in desk.text_content(shown)
    os.makedirs(SHOTS, exist_ok=True)
    desk.screenshot(path=f"{SHOTS}/fake-phone-reminder.png", full_page=True)
    screenshot(desk, "journey-reminder-on-fake-phone")

    desk.locator(f"{shown} a").click()
    screen = desk.frame(name="screen")
    screen.wait_for_url(f"{live_server.url}/h5/me/coupons/**")
    screen.wait_for_selector(f"text={definition.name}")
    desk.screenshot(path=f"{SHOTS}/fake-phone-my-coupons.png", full_page=True)
    assert JourneyDelivery.objects.get(journey=reminder, customer__openid=DEMO_OPENID).opened_at is not None
    connections.close_all()  # the live server's and Playwright's threads' connections, before the database goes
