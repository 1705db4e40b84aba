"""On a phone (390 x 844): a customer claims a coupon on the activity page and shows it in "my
coupons"; the assistant types the code on the workbench, checks it and redeems it in one tap."""


import pytest
from django.core import signing

from promotions.models import Redemption
from tests.browser.conftest import browser, fits_the_phone, phone, screenshot  # noqa: F401 (fixtures)
from tests.factories import CustomerFactory
from wechat.identity import COOKIE, COOKIE_SALT

from .factories import CouponDefinitionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_claim_show_and_redeem_on_phones(live_server, org, phone):
    definition = CouponDefinitionFactory(name="厨电满减券", terms="与其他优惠不同享", activity__name="双十二焕新季",
                                         activity__summary="到店领券，厨电满5000减300")
    CouponDefinitionFactory(activity=definition.activity, name="滤芯兑换券", kind="exchange", amount_off=None,
                            min_spend=None, item="净水器滤芯一支", stock_total=12, stock_remaining=12)
    customer = CustomerFactory(store=org.store_a1, openid="o-phone-coupon", name="王芳", mobile="13800001234")
    value = signing.get_cookie_signer(salt=COOKIE + COOKIE_SALT).sign(f"{customer.openid}|")
    phone.context.add_cookies([{"name": COOKIE, "value": value, "url": live_server.url}])

    phone.goto(f"{live_server.url}/h5/activities/{definition.activity_id}/")
    assert "满¥5000减¥300" in phone.text_content(f"#coupon-{definition.pk}")
    phone.locator(f"#coupon-{definition.pk} button").click()
    phone.wait_for_selector(f"#coupon-{definition.pk} .coupon__done")
    assert "领取成功" in phone.text_content(f"#coupon-{definition.pk}")
    assert fits_the_phone(phone)
    screenshot(phone, "h5-activity-claimed")

    phone.goto(f"{live_server.url}/h5/me/coupons/")
    code = phone.text_content(".mycoupon__code .code").strip()
    assert len(code.replace(" ", "")) == 12
    assert phone.evaluate("document.querySelector('.mycoupon__code img').naturalWidth") > 0
    assert fits_the_phone(phone)
    screenshot(phone, "h5-my-coupons")

    counter = phone.context.browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                                has_touch=True, locale="zh-CN").new_page()
    counter.goto(f"{live_server.url}/m/login/")
    counter.fill("#id_username", org.assistant.user.username)
    counter.fill("#id_password", "pw-for-tests-1")
    counter.get_by_role("button", name="登录").click()
    counter.wait_for_url("**/m/")
    counter.click("text=核销优惠券")
    counter.fill("#code", code.lower())
    counter.get_by_role("button", name="查验券码").click()
    counter.wait_for_selector(".redeem-card")
    assert "王* · 138****1234" in counter.text_content(".redeem-card")
    assert fits_the_phone(counter)
    screenshot(counter, "workbench-redeem-verified")
    counter.get_by_role("button", name="确认核销").click()
    counter.wait_for_selector(".redeem-card_done")
    assert Redemption.objects.get().assistant == org.assistant
    screenshot(counter, "workbench-redeem-done")
    counter.context.close()
