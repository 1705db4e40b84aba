"""The scanner of the redeem page in a real browser (Chromium, phone size).

* The camera path end to end: Chromium's fake camera plays a Y4M video of a coupon's QR picture
  (``--use-file-for-fake-video-capture``), the page decodes the frames with jsQR (this Chromium has
  no BarcodeDetector), sends the code, the assistant sees the coupon and redeems it.
* The decoder the camera path uses, on pictures: a coupon's QR picture from "my coupons" and a link.
* Inside WeChat: the page asks /wechat/jssdk/ (the fake WeChat server signs) and configures ``wx``
  for ``scanQRCode``. WeChat's own JS-SDK and scanner do not exist outside WeChat, so ``wx`` is a
  stand-in that records the calls and answers like WeChat's ``scanQRCode`` (``resultStr``): what
  is tested is our page's use of it, not WeChat.
"""

import base64

import pytest
from PIL import Image

from promotions.models import Redemption
from promotions.services import coupon_claim
from stores.qr_render import png_bytes
from tests.browser.conftest import CHROMIUM_ARGS, PHONE, screenshot
from tests.browser.conftest import browser as browser  # noqa: PLC0414 (the fixture)
from tests.conftest import CHROMIUM
from tests.factories import CustomerFactory

from .factories import CouponDefinitionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def y4m_of(picture: Image.Image, path: str, frames: int = 10) -> str:
    """A Y4M video (4:2:0) showing ``picture`` centred on white, for Chromium's fake camera."""
    width, height = 640, 480
    canvas = Image.new("RGB", (width, height), "white")
    picture = picture.convert("RGB")
    picture.thumbnail((400, 400))
    canvas.paste(picture, ((width - picture.width) // 2, (height - picture.height) // 2))
    y, u, v = canvas.convert("YCbCr").split()
    half = (width // 2, height // 2)
    frame = y.tobytes() + u.resize(half).tobytes() + v.resize(half).tobytes()
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        out.writelines(b"FRAME\n" + frame for _ in range(frames))
    return path


def qr_picture(text: str) -> Image.Image:
    import io

    return Image.open(io.BytesIO(png_bytes(text)))


@pytest.fixture
def coupon(org):
    definition = CouponDefinitionFactory(name="厨电满减券", activity__name="双十二焕新季")
    customer = CustomerFactory(store=org.store_a1, openid="o-scan", name="王芳", mobile="13800001234")
    return coupon_claim(definition=definition, customer=customer)


def sign_in(page, live_server, user):
    page.goto(f"{live_server.url}/m/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "pw-for-tests-1")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/m/")
    page.goto(f"{live_server.url}/m/coupons/redeem/")


@pytest.fixture
def camera_browser(monkeypatch, tmp_path, coupon):
    """Chromium whose camera films the coupon's QR picture (as "my coupons" shows it)."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    video = y4m_of(qr_picture(coupon.code), str(tmp_path / "coupon.y4m"))
    args = [*CHROMIUM_ARGS, "--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={video}",
            "--use-fake-ui-for-media-stream"]
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
        yield chromium
        chromium.close()


def test_the_camera_reads_the_coupon_and_the_assistant_redeems_it(live_server, org, coupon, camera_browser):
    from django.db import connections

    context = camera_browser.new_context(**PHONE)
    context.grant_permissions(["camera"], origin=live_server.url)
    page = context.new_page()
    try:
        sign_in(page, live_server, org.assistant.user)
        assert page.is_visible("#scan-button")
        assert page.evaluate("typeof BarcodeDetector") == "undefined"  # so jsQR decodes here
        page.click("#scan-button")
        page.wait_for_selector(".redeem-card")
        assert "确认核销" in page.text_content(".redeem-card") and "王* · 138****1234" in page.text_content(".redeem-card")
        assert page.input_value("#code") == coupon.code_display
        assert page.is_hidden("#scan-panel")  # the camera is off again
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "workbench-redeem-scanned")
        page.get_by_role("button", name="确认核销").click()
        page.wait_for_selector(".redeem-card_done")
        assert Redemption.objects.get().coupon_id == coupon.pk
    finally:
        context.close()
        connections.close_all()


def test_the_decoder_reads_a_coupons_qr_picture_and_a_link(live_server, org, coupon, browser):
    from django.db import connections

    context = browser.new_context(**PHONE)
    page = context.new_page()
    try:
        sign_in(page, live_server, org.assistant.user)
        screenshot(page, "workbench-redeem-scan-button")
        for payload in (coupon.code, f"{live_server.url}/m/coupons/redeem/?code={coupon.code}"):
            picture = "data:image/png;base64," + base64.b64encode(png_bytes(payload)).decode()
            read = page.evaluate("""async (src) => {
                const img = new Image(); img.src = src; await img.decode();
                return await window.StoreLinkScan.decode(img);
            }""", picture)
            assert read == payload
        blank = page.evaluate("""async () => {
            const c = document.createElement('canvas'); c.width = 200; c.height = 200;
            c.getContext('2d').fillRect(0, 0, 10, 10);
            return await window.StoreLinkScan.decode(c);
        }""")
        assert blank is None
    finally:
        context.close()
        connections.close_all()


WX_STAND_IN = """
window.__wx = {calls: []};
window.wx = {
  config: function (c) { window.__wx.calls.push(["config", c]); },
  ready: function (f) { window.__wx.calls.push(["ready"]); setTimeout(f, 0); },
  error: function (f) { window.__wx.calls.push(["error-handler"]); },
  scanQRCode: function (o) { window.__wx.calls.push(["scanQRCode", {needResult: o.needResult}]);
                             setTimeout(function () { o.success({resultStr: window.__wx.result}); }, 0); }
};
"""


def test_inside_wechat_the_page_configures_the_jssdk_and_uses_wechats_scanner(live_server, org, coupon, browser,
                                                                              wechat_settings, fake):
    from django.core.cache import cache
    from django.db import connections

    wechat_settings.PUBLIC_BASE_URL = live_server.url
    cache.clear()  # no token or ticket of an earlier test's fake server (it would be refused, then refetched)
    context = browser.new_context(**{**PHONE, "user_agent": "Mozilla/5.0 (Linux; Android 14) MicroMessenger/8.0.50"})
    context.add_init_script(WX_STAND_IN)
    page = context.new_page()
    try:
        sign_in(page, live_server, org.assistant.user)
        page.evaluate("(r) => { window.__wx.result = r; }", f"QR_CODE,{coupon.code}")
        page.click("#scan-button")
        page.wait_for_selector(".redeem-card")
        calls = page.evaluate("window.__wx.calls")
        config = next(call[1] for call in calls if call[0] == "config")
        assert config["jsApiList"] == ["scanQRCode"] and config["appId"] == wechat_settings.WECHAT_APP_ID
        assert len(config["signature"]) == 40
        assert ["scanQRCode", {"needResult": 1}] in calls
        assert fake.stats()["calls"]["/cgi-bin/ticket/getticket"] == 1
        assert page.input_value("#code") == coupon.code_display and "确认核销" in page.text_content(".redeem-card")
    finally:
        context.close()
        connections.close_all()
