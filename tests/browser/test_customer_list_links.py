"""The customer list's "Export" and "Invite these customers" links carry the filter the manager
set *after* the page loaded (htmx swaps the table and pushes the address; the links follow it),
and "back" to that address shows the page again, not the fragment htmx fetched for it."""

import pytest

from tests.factories import CustomerFactory

from .test_customer_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_export_and_invite_follow_the_filter_typed_on_the_page(live_server, org, browser):
    CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, name="王丽华", community="翠湖天地")
    CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, name="李建国", community="滨江花园")
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    sign_in(page, live_server, org.manager.user, path="/login/", home="/dashboard/")
    page.goto(f"{live_server.url}/dashboard/customers/")

    # When the manager searches on the page (no reload: htmx updates the table and the address)
    page.fill("#customer-filters input[type=search]", "翠湖")
    page.wait_for_url("**/dashboard/customers/?*q=*")
    page.locator("#customer-table", has_text="王丽华").wait_for()

    # Then the invite link opens the dispatch for that filter
    page.click("#customer-invite")
    page.wait_for_url("**/invitations/customers/?*q=*")
    assert "王丽华" in page.content() and "李建国" not in page.content()

    # And the export link starts an export of the same filter
    page.go_back()
    page.wait_for_url("**/dashboard/customers/?*q=*")
    # (the whole page, not the table fragment htmx fetched for that address: Vary: HX-Request)
    page.click("#customer-export")
    page.wait_for_url("**kind=customers*q=*")
    assert "翠湖" in page.locator("#export-filter").inner_text()
