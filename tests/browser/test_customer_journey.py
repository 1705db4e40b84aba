"""Issue 4's promise in one real browser run: a WeChat user scans an assistant's code on the fake
phone; the assistant, on their phone, grades and tags the new customer, records a follow-up, and
after the customer buys in the store sees the order, its logistics node and the points it earned.
The manager of another store never sees that customer."""

import pytest

from customers.models import Customer, FollowUp, LogisticsEvent, Order
from customers.orders import ItemInput, order_create, payment_record
from stores.models import Role
from stores.services import qr_code_for
from tests.factories import StaffFactory
from wechat.models import Message

from .conftest import PHONE, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Shop-floor-2026"


def sign_in(page, live_server, user, *, path="/m/login/", home="/m/"):
    user.set_password(PASSWORD)
    user.save()
    page.goto(f"{live_server.url}{path}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}{home}")


def test_from_first_scan_to_a_graded_tagged_customer_with_orders_and_points(live_server, wechat_settings, org,
                                                                             browser):
    wechat_settings.PUBLIC_BASE_URL = live_server.url
    code = qr_code_for(org.assistant, label=f"{org.assistant.name}（导购）")

    # Given a WeChat user who scans the assistant's code on the fake phone
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    desk.goto(f"{live_server.url}/wechat/fake-phone/")
    desk.locator(f"button[data-token='{code.token}']").click()
    desk.frame(name="screen").wait_for_url(f"{live_server.url}/h5/staff/{code.token}/**")
    customer = Customer.objects.get(owner_assistant=org.assistant, openid__isnull=False)

    # When the assistant grades and tags them on the phone
    phone = browser.new_context(**PHONE).new_page()
    sign_in(phone, live_server, org.assistant.user)
    phone.goto(f"{live_server.url}/m/customers/{customer.pk}/profile/")
    phone.locator("button.grade-chip_A").click()
    phone.wait_for_selector("button.grade-chip_A.is-on")
    phone.fill("input[name=name][placeholder]", "厨房改造")
    phone.locator("form.inline-add button[type=submit]").click()
    phone.wait_for_selector("#customer-header .tag:has-text('厨房改造')")

    # ... and records a follow-up with the next date a week away
    phone.locator(".customer-tabs__item").nth(2).click()
    phone.wait_for_selector(".quick-follow-up")
    phone.locator(".quick-follow-up input[name=kind][value=call] + span").click()
    phone.locator(".quick-follow-up input[name=outcome][value=appointment] + span").click()
    phone.locator(".quick-follow-up input[name=next_in][value='7'] + span").click()
    phone.fill(".quick-follow-up textarea[name=note]", "周六带家人来看岛台")
    phone.locator(".quick-follow-up button[type=submit]").click()
    phone.wait_for_selector(".fu__note:has-text('周六带家人来看岛台')")

    customer.refresh_from_db()
    assert customer.intent_grade == "A"
    assert customer.tag_links.filter(tag__name="厨房改造").exists()
    follow_up = FollowUp.objects.get(customer=customer)
    assert customer.next_follow_up_on == follow_up.next_follow_up_on
    assert customer.grade_changes.filter(to_grade="A").exists()

    # ... and the customer buys in the store and pays in full; the assistant records the shipping
    order = order_create(customer=customer, items=[ItemInput(name="岛台橱柜", unit_price="12800.00")],
                         staff=org.assistant)
    payment_record(order=order, kind=Order.PaymentType.IN_STORE, amount="12800.00", staff=org.assistant)
    phone.goto(f"{live_server.url}/m/customers/{customer.pk}/orders/")
    phone.locator(f"#order-{order.pk} summary:has-text('物流节点')").click()
    phone.locator(f"#order-{order.pk} select[name=node]").select_option("shipped")
    phone.locator(f"#order-{order.pk} input[name=location]").fill("嘉兴中心仓")
    phone.locator(f"#order-{order.pk} details[open] button[type=submit]").click()
    phone.wait_for_selector(f"#order-{order.pk} .timeline :text('嘉兴中心仓')")
    screenshot(phone, "journey-orders")

    # Then the order is the assistant's, the node messaged the customer once, points were earned
    order.refresh_from_db()
    assert (order.store, order.assistant, order.status) == (org.store_a1, org.assistant, Order.Status.SHIPPED)
    event = LogisticsEvent.objects.get(order=order, node="shipped")
    assert Message.objects.filter(key=f"logistics:{event.pk}", openid=customer.openid).count() == 1
    phone.locator(".customer-tabs__item").nth(4).click()
    phone.wait_for_selector(".points-balance")
    assert phone.text_content(".points-balance").strip() == "12800"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "journey-points")

    # ... and the manager of another store cannot open that customer, while their own manager can
    other_manager = StaffFactory(role=Role.STORE_MANAGER, store=org.store_a2, user__username="t-mgr-a2")
    for manager, status in ((other_manager, 404), (org.manager, 200)):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        page = context.new_page()
        sign_in(page, live_server, manager.user, path="/login/", home="/dashboard/")
        assert page.goto(f"{live_server.url}/dashboard/customers/{customer.pk}/").status == status
        context.close()
