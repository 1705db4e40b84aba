"""A whole invitation on two phones, as seed 002's FAQ tells it: the manager sees the birthday
segment (a customer owned outside the store is counted apart and cannot be ticked), ticks two
customers and dispatches; the segment then shows the others only; the assistant records the
results on the workbench; the manager reads them on the task page and ends the task, and the
segment shows everyone again."""

import importlib
from datetime import date

import pytest
from django.apps import apps
from django.utils import timezone

from invitations.models import InvitationEntry, InvitationTask
from tests.browser.conftest import PHONE, browser, fits_the_phone, screenshot  # noqa: F401  (fixtures)
from tests.factories import CustomerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Shop-floor-2026"


def sign_in(page, url: str, user, landing: str) -> None:
    user.set_password(PASSWORD)
    user.save()
    page.goto(url)
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(landing)


def birthday_card(page):
    return page.locator(".segment-card[data-key='birthday_this_month']")


@pytest.fixture
def default_segments(db):
    """The six recommended segments the migration makes (an earlier transactional test may have
    flushed them)."""
    importlib.import_module("invitations.migrations.0002_default_segments").create(apps, None)


def test_manager_and_assistant_run_an_invitation_on_their_phones(live_server, org, browser,  # noqa: F811
                                                                 default_segments):
    month = timezone.localdate().month
    names = ["王芳", "李雷", "韩梅", "赵强", "陈静"]
    customers = [CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, name=name,
                                 birthday=date(1988, month, 1 + i), mobile=f"1380000000{i}")
                 for i, name in enumerate(names)]
    # Bound to this store, but their exclusive assistant works in another store: not selectable.
    CustomerFactory(store=org.store_a1, owner_assistant=org.other_store_assistant, name="外店客户", birthday=date(1990, month, 9))

    manager = browser.new_context(**PHONE).new_page()
    sign_in(manager, f"{live_server.url}/login/", org.manager.user, f"{live_server.url}/dashboard/")
    manager.goto(f"{live_server.url}/dashboard/invitations/")
    card = birthday_card(manager)
    assert card.locator(".value").inner_text() == "5"
    assert "1 位" in card.inner_text()  # the one owned outside the store, counted apart
    assert fits_the_phone(manager)
    screenshot(manager, "invitation-run-1-segments")

    card.click()
    manager.wait_for_selector("#segment-customers")
    assert manager.locator("#segment-customers input[name=customers]").count() == 5
    for customer in customers[:2]:
        manager.check(f"#segment-customers input[name=customers][value='{customer.pk}']")
    assert manager.inner_text("#ticked-count") == "2"
    assert fits_the_phone(manager)
    screenshot(manager, "invitation-run-2-ticked")
    manager.click("#dispatch-form button.primary")
    manager.wait_for_url(f"{live_server.url}/dashboard/invitations/tasks/*/")

    task = InvitationTask.objects.get()
    assert task.entries.count() == 2  # the count the manager ticked is the count dispatched
    assert abs((task.deadline - task.created_at).total_seconds() - 30 * 86400) < 120  # now + 30 days, to the minute
    manager.goto(f"{live_server.url}/dashboard/invitations/")
    assert birthday_card(manager).locator(".value").inner_text() == "3"  # the two being invited are hidden

    assistant = browser.new_context(**PHONE).new_page()
    sign_in(assistant, f"{live_server.url}/m/login/", org.assistant.user, f"{live_server.url}/m/")
    assistant.click("a[href='/m/invitations/']")
    assistant.wait_for_url(f"{live_server.url}/m/invitations/")
    reached, failed = (InvitationEntry.objects.get(customer=c) for c in customers[:2])
    row = f"#inv-entry-{reached.pk}"
    assistant.click(f"{row} .inv-grade_A")
    assistant.click(f"{row} .pchip:has-text('有到店意向')")
    assistant.click(f"{row} button[value=reached]")
    recorded = "document.querySelector('{}').innerText.includes('已邀约 1 次')"  # the entry swapped in place
    assistant.wait_for_function(recorded.format(row))
    assistant.click(f"#inv-entry-{failed.pk} button[value=contact_failed]")
    assistant.wait_for_function(recorded.format(f"#inv-entry-{failed.pk}"))
    assert fits_the_phone(assistant)
    screenshot(assistant, "invitation-run-3-feedback")

    reached.refresh_from_db()
    failed.refresh_from_db()
    assert (reached.contact, reached.intent, failed.contact) == ("reached", "yes", "contact_failed")
    customers[0].refresh_from_db()
    assert customers[0].intent_grade == "A"

    manager.goto(f"{live_server.url}/dashboard/invitations/tasks/{task.pk}/")
    figures = dict(zip(manager.locator(".cards .card .label").all_inner_texts(),
                       manager.locator(".cards .card .value").all_inner_texts(), strict=True))
    assert figures == {"已邀约": "1", "有到店意向": "1", "建联失败": "1"}  # zero figures are not shown
    assert fits_the_phone(manager)
    screenshot(manager, "invitation-run-4-results")

    manager.once("dialog", lambda dialog: dialog.accept())
    manager.click("form[action$='/end/'] button")
    manager.wait_for_load_state()
    task.refresh_from_db()
    assert task.status == InvitationTask.Status.ENDED
    manager.goto(f"{live_server.url}/dashboard/invitations/")
    assert birthday_card(manager).locator(".value").inner_text() == "5"  # everyone is back in the segment
    screenshot(manager, "invitation-run-5-ended")
