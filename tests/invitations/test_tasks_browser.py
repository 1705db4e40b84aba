"""On a phone: the assistant opens the invitation to-do from the home, taps "reached" then "will
visit" on a customer, and the entry updates in place (htmx), without a page load."""

import pytest

from invitations.models import InvitationEntry
from invitations.services import invitation_task_dispatch
from tests.browser.conftest import browser, phone, screenshot  # noqa: F401  (fixtures)
from tests.factories import CustomerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_one_tap_feedback_on_the_phone(live_server, org, phone):  # noqa: F811
    customers = [CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, name=name, is_wecom_friend=friend)
                 for name, friend in (("王芳", True), ("李雷", False))]
    invitation_task_dispatch(actor=org.manager.user, store=org.store_a1, customer_ids=[c.pk for c in customers],
                             title="店庆邀约")
    org.assistant.user.set_password("Shop-floor-2026")
    org.assistant.user.save()
    phone.goto(f"{live_server.url}/m/login/")
    phone.fill("#id_username", org.assistant.user.username)
    phone.fill("#id_password", "Shop-floor-2026")
    phone.get_by_role("button", name="登录").click()
    phone.wait_for_url(f"{live_server.url}/m/")

    phone.click("a[href='/m/invitations/']")
    phone.wait_for_url(f"{live_server.url}/m/invitations/")
    assert "店庆邀约" in phone.text_content(".page__bd")
    entry = InvitationEntry.objects.get(customer=customers[0])
    row = f"#inv-entry-{entry.pk}"
    phone.evaluate("window.notReloaded = true")
    phone.click(f"{row} button.weui-btn_primary")  # reached
    phone.wait_for_selector(f"{row} .inv-actions button:has-text('Yes, will visit'), {row} .inv-actions .small")
    phone.click(f"{row} button.weui-btn_primary")  # will visit
    phone.wait_for_function(f"!document.querySelector('{row} .inv-actions button')")
    assert phone.evaluate("window.notReloaded") is True
    screenshot(phone, "invitations-todo-after-feedback")
    entry.refresh_from_db()
    assert (entry.contact, entry.intent) == ("reached", "yes")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
