"""The Orders and Points tabs in a real phone browser: a refused payment shows its message in
place (htmx swaps the 400 answer), a good one updates the order; a reward is redeemed in two taps."""

import pytest

from customers.ledgers import points_add, points_balance
from customers.models import Order
from customers.orders import ItemInput, order_create

from ..browser.conftest import browser, phone, screenshot  # noqa: F401 - fixtures
from ..factories import PointsRewardFactory
from .commerce import customer, product  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(live_server, phone, org):
    user = org.assistant.user
    user.set_password("Shop-floor-2026")
    user.save()
    phone.goto(f"{live_server.url}/m/login/")
    phone.fill("#id_username", user.username)
    phone.fill("#id_password", "Shop-floor-2026")
    phone.get_by_role("button", name="登录").click()
    phone.wait_for_url(f"{live_server.url}/m/")


def test_record_a_payment_from_the_orders_tab(live_server, org, customer, product, phone):
    order = order_create(customer=customer, items=[ItemInput(product=product)], staff=org.assistant)
    _sign_in(live_server, phone, org)
    phone.goto(f"{live_server.url}/m/customers/{customer.pk}/orders/")
    card = phone.locator(f"#order-{order.pk}")
    card.locator(".order-actions summary").first.click()  # "record payment"
    card.locator("input[name=amount]").fill("99999")
    card.get_by_role("button").first.click()
    alert = phone.locator(f"#order-{order.pk} [role=alert]")
    alert.wait_for()
    assert "1299" in alert.text_content()  # what is still due
    # The form stays open with the message beside it: correct the amount and save again.
    card = phone.locator(f"#order-{order.pk}")
    card.locator("input[name=amount]").fill("1299")
    card.get_by_role("button").first.click()
    phone.locator(f"#order-{order.pk} .order-status_paid").wait_for()
    screenshot(phone, "workbench-orders-tab")
    order.refresh_from_db()
    assert order.status == Order.Status.PAID


def test_redeem_a_reward_in_two_taps(live_server, org, customer, phone):
    reward = PointsRewardFactory(name="电影票两张", points_cost=100, stock=3)
    points_add(customer=customer, points=250)
    _sign_in(live_server, phone, org)
    phone.goto(f"{live_server.url}/m/customers/{customer.pk}/points/")
    phone.on("dialog", lambda dialog: dialog.accept())
    phone.locator(".reward-picker button[type=submit]").click()
    phone.locator(".ok-tip").wait_for()
    assert phone.text_content(".points-balance").strip() == "150"
    screenshot(phone, "workbench-points-tab")
    reward.refresh_from_db()
    assert reward.stock == 2 and points_balance(customer) == 150
