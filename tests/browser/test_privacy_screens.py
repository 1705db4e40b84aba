"""Privacy on real screens (CUS-11): the assistant reveals a number and starts a masked call from
the customer header on a phone; a customer withdraws marketing on H5; HQ reads the audit log."""

import pytest
from django.core import signing

from customers.models import AuditLog, Consent
from tests.factories import CustomerFactory
from wechat.identity import COOKIE, COOKIE_SALT

from .conftest import screenshot

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


def test_assistant_reveals_a_number_and_calls_through_the_relay(live_server, org, phone):
    org.assistant.phone = "13900000001"
    org.assistant.save()
    customer = CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, name="王女士",
                               mobile="13812341234", is_wecom_friend=True, community="绿城小区")
    _sign_in(phone, live_server.url, "/m/login/", org.assistant.user)

    phone.goto(f"{live_server.url}/m/customers/{customer.pk}/")
    assert "138****1234" in phone.text_content("#contact-number")
    assert phone.locator(".contact__wecom").is_visible()
    phone.locator("#contact-number button").click()
    phone.wait_for_selector(".contact__full")
    assert phone.text_content(".contact__full").strip() == "13812341234"
    assert phone.get_attribute(".contact__full", "href") == "tel:13812341234"
    phone.locator(".contact__call").click()
    phone.wait_for_selector(".contact__dial")
    session = customer.masked_sessions.get()
    assert phone.get_attribute(".contact__dial", "href") == f"tel:{session.virtual_number}"
    phone.locator(".contact__consents summary").click()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "privacy-workbench-contact")
    assert sorted(AuditLog.objects.values_list("action", flat=True)) == ["masked_call", "reveal_mobile"]


def test_customer_withdraws_marketing_on_the_privacy_page(live_server, org, phone):
    customer = CustomerFactory(store=org.store_a1, openid="o-screen-1")
    Consent.objects.create(customer=customer, purpose="profile", granted=True, source="in_store")
    Consent.objects.create(customer=customer, purpose="marketing", granted=True, source="in_store")
    host = live_server.url.split("//", 1)[1].split(":")[0]
    value = signing.get_cookie_signer(salt=COOKIE + COOKIE_SALT).sign("o-screen-1|")
    phone.context.add_cookies([{"name": COOKIE, "value": value, "domain": host, "path": "/"}])

    phone.goto(f"{live_server.url}/h5/me/")
    phone.locator(".h5-privacy-link a").click()
    phone.wait_for_url("**/h5/me/privacy/")
    phone.locator("button[value=marketing_off]").click()
    phone.wait_for_selector(".h5-notice")
    customer.refresh_from_db()
    assert customer.marketing_opt_out is True
    assert phone.locator("button[value=marketing_on]").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "privacy-h5")


def test_head_office_reads_the_audit_log(live_server, org, browser):
    customer = CustomerFactory(store=org.store_a1, owner_assistant=org.assistant)
    from customers.audit import audit_record
    for action in ("reveal_mobile", "masked_call", "pipl_export"):
        audit_record(action=action, actor=org.assistant.user if action != "pipl_export" else org.hq.user,
                     customer=customer, detail={"surface": "workbench"})
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    _sign_in(page, live_server.url, "/admin/login/", org.hq.user)

    page.goto(f"{live_server.url}/admin/customers/auditlog/")
    assert page.locator("#result_list tbody tr").count() == 3
    screenshot(page, "privacy-admin-audit-log")
    context.close()
