"""On a phone (390 x 844): a customer plays the lucky wheel once — the wheel spins to the server's
result and says what was won, with the way to "my coupons" — and draws on the shake page with the
button fallback."""


import pytest

from promotions import draws as draws_module
from promotions.models import Activity, Draw
from tests.browser.conftest import browser, fits_the_phone, phone, screenshot  # noqa: F401 (fixtures)
from tests.factories import CustomerFactory
from tests.identity import as_wechat_user_on

from .factories import PrizeDefinitionFactory, PrizeFactory, WheelFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def wheel_with_prizes():
    wheel = WheelFactory(name="幸运大转盘", summary="每天 3 次机会，100% 真实开奖")
    prizes = [("50元代金券", "5.00", {}), ("9折券", "15.00", {"kind": "discount", "amount_off": None,
                                                              "discount_rate": 90}),
              ("免费上门测量", "20.00", {"kind": "exchange", "amount_off": None, "item": "免费上门测量一次"}),
              ("滤芯兑换券", "10.00", {"kind": "exchange", "amount_off": None, "item": "净水器滤芯一支"})]
    made = [PrizeFactory(activity=wheel, name=name, chance=chance, position=n, stock_total=50,
                         coupon_definition=PrizeDefinitionFactory(name=name, **extra))
            for n, (name, chance, extra) in enumerate(prizes)]
    return wheel, made


def test_a_customer_plays_the_wheel_once_and_sees_the_prize(live_server, org, phone, monkeypatch):
    wheel, prizes = wheel_with_prizes()
    monkeypatch.setattr(draws_module.secrets, "randbelow", lambda n: 600)  # lands on 9折券 [500, 2000)
    customer = CustomerFactory(store=org.store_a1, openid="o-phone-wheel", name="李雷", mobile="13800002222")
    as_wechat_user_on(phone, live_server, customer.openid)

    phone.goto(f"{live_server.url}/h5/activities/{wheel.pk}/")
    assert "今天还可以抽 3 次" in phone.text_content("#draw-left")
    assert phone.locator(".wheel__seg").count() == 8
    assert fits_the_phone(phone)
    screenshot(phone, "h5-wheel")

    phone.get_by_role("button", name="开始抽奖").click()
    phone.wait_for_selector("#draw-dialog:not([hidden]) .weui-dialog", timeout=15_000)
    assert phone.text_content("#draw-dialog-title") == "恭喜获得 9折券"
    assert "已放入我的优惠券" in phone.text_content("#draw-dialog-text")
    assert phone.text_content("#draw-left") == "今天还可以抽 2 次"
    # The wheel stopped with a 9折券 segment under the pointer (the top).
    turned = phone.evaluate("parseFloat(getComputedStyle(document.getElementById('wheel-disc')).transform"
                            ".split('(')[1]) >= -1 && document.getElementById('wheel-disc').style.transform")
    angle = float(turned.split("(")[1].split("deg")[0]) % 360
    under = phone.evaluate(f"""(() => {{
        const segs = [...document.querySelectorAll('.wheel__seg')];
        const step = 360 / segs.length;
        const at = (360 - {angle}) % 360;
        return segs.find(s => Math.abs(((parseFloat(s.dataset.angle) - at + 540) % 360) - 180) < step / 2)
                   .dataset.prize;
    }})()""")
    assert under == str(prizes[1].pk)
    screenshot(phone, "h5-wheel-won")

    phone.click("#draw-dialog-coupons")
    phone.wait_for_url("**/h5/me/coupons/")
    assert "9折券" in phone.text_content("body")
    assert Draw.objects.get().outcome == Draw.Outcome.WON


def test_the_shake_page_draws_with_the_button_and_says_thanks(live_server, org, phone, monkeypatch):
    shake = WheelFactory(kind=Activity.Kind.SHAKE, name="摇一摇赢好礼", draws_per_day=1)
    PrizeFactory(activity=shake, name="免费上门测量", chance="30.00")
    monkeypatch.setattr(draws_module.secrets, "randbelow", lambda n: 9999)  # no prize
    customer = CustomerFactory(store=org.store_a1, openid="o-phone-shake", mobile="13800003333")
    as_wechat_user_on(phone, live_server, customer.openid)

    phone.goto(f"{live_server.url}/h5/activities/{shake.pk}/")
    assert fits_the_phone(phone)
    screenshot(phone, "h5-shake")
    phone.get_by_role("button", name="摇不动？点这里").click()
    phone.wait_for_selector("#draw-dialog:not([hidden]) .weui-dialog", timeout=15_000)
    assert phone.text_content("#draw-dialog-title") == "谢谢参与"
    assert phone.is_hidden("#draw-dialog-coupons")
    assert phone.is_disabled("#draw-go")
    assert "今天的抽奖次数已用完" in phone.text_content("#draw-left")
    screenshot(phone, "h5-shake-thanks")


def test_shaking_the_phone_draws(live_server, org, phone, monkeypatch):
    """DeviceMotion events as a shaking phone sends them, after the motion permission is asked for
    on a tap (as iOS wants; Chromium has the same API): the page draws once."""
    shake = WheelFactory(kind=Activity.Kind.SHAKE, name="摇一摇赢好礼")
    prize = PrizeFactory(activity=shake, name="免费上门测量", chance="30.00")
    monkeypatch.setattr(draws_module.secrets, "randbelow", lambda n: 10)
    customer = CustomerFactory(store=org.store_a1, openid="o-phone-shaker", mobile="13800004444")
    as_wechat_user_on(phone, live_server, customer.openid)

    phone.context.grant_permissions(["accelerometer", "gyroscope"])
    phone.goto(f"{live_server.url}/h5/activities/{shake.pk}/")
    phone.get_by_role("button", name="开启摇一摇").click()
    phone.wait_for_selector(".shake_on")
    phone.evaluate("""(() => {
        for (let i = 0; i < 6; i++) {
            const x = i % 2 ? 20 : -20;
            window.dispatchEvent(new DeviceMotionEvent('devicemotion',
                {accelerationIncludingGravity: {x: x, y: -x, z: 9.8}}));
        }
    })()""")
    phone.wait_for_selector("#draw-dialog:not([hidden]) .weui-dialog", timeout=15_000)
    assert phone.text_content("#draw-dialog-title") == "恭喜获得 免费上门测量"
    assert Draw.objects.get().prize == prize  # one shake, one draw
