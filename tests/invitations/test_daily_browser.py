"""On a phone: the assistant records an attempt in a few taps (grade, will visit, WeChat group,
"reached") and the entry and the day's progress update in place; "my log today" lists it. On a
desktop: the manager's evening review, with the one-tap reminder for an assistant behind."""

import pytest
from django.db import connections
from django.utils import timezone

from invitations.models import DailyTarget, InvitationAttempt
from tests.browser.conftest import browser, phone, screenshot  # noqa: F401  (fixtures)

from .daily_support import task_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Shop-floor-2026"


def sign_in(page, live_server, user, login_path):
    user.set_password(PASSWORD)
    user.save()
    page.goto(f"{live_server.url}{login_path}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.locator("button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")


def test_an_attempt_in_a_few_taps_on_the_phone(live_server, org, phone):  # noqa: F811
    entry, other = task_for(org.manager, org.store_a1, [org.assistant, org.assistant], title="店庆邀约",
                            intent_grade="C")
    DailyTarget.objects.create(store=org.store_a1, assistant=org.assistant, day=timezone.localdate(), calls=2,
                               group_invitations=1, set_by=org.manager)
    sign_in(phone, live_server, org.assistant.user, "/m/login/")
    phone.goto(f"{live_server.url}/m/invitations/")
    assert "0 / 2" in phone.text_content("#inv-progress")
    screenshot(phone, "daily-todo-before")
    row = f"#inv-entry-{entry.pk}"
    phone.evaluate("window.notReloaded = true")
    phone.click(f"{row} .inv-grade_B")  # one tap: grade B (C was preselected)
    phone.click(f"{row} .pchip:has(input[value=yes])")  # will visit
    phone.click(f"{row} .pchip:has(input[name=group_invited])")  # asked into the WeChat group
    phone.click(f"{row} .inv-submit .weui-btn_primary")  # reached
    phone.wait_for_selector(f"{row}.inv-entry_done")
    assert phone.evaluate("window.notReloaded") is True
    assert "1 / 2" in phone.text_content("#inv-progress") and "1 / 1" in phone.text_content("#inv-progress")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "daily-todo-after-feedback")
    made = InvitationAttempt.objects.get(entry=entry)
    assert (made.contact, made.intent, made.grade, made.group_invited, made.channel) == (
        "reached", "yes", "B", True, "phone")

    phone.click("#inv-progress")  # the header leads to "my log today"
    phone.wait_for_url(f"{live_server.url}/m/invitations/today/")
    log = phone.text_content(".inv-log")
    assert other.customer.display_name not in log and entry.customer.display_name in log and "已邀请进群" in log
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "daily-my-day")
    connections.close_all()


def test_the_evening_review_on_a_desktop_reminds_in_one_tap(live_server, org, browser):  # noqa: F811
    org.colleague.wechat_openid = "o-colleague"
    org.colleague.save()
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = context.new_page()
    sign_in(page, live_server, org.manager.user, "/login/")
    page.goto(f"{live_server.url}/dashboard/invitations/daily/review/")
    assert "夕会" in page.text_content("h1") and "门店合计" in page.text_content("#evening-review")
    page.click(f"#remind-{org.colleague.pk} button")
    page.wait_for_selector(f"#remind-{org.colleague.pk} .remind-done")
    assert "已提醒" in page.text_content(f"#remind-{org.colleague.pk}")
    screenshot(page, "daily-evening-review")
    context.close()
    connections.close_all()
