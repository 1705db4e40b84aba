"""Scanning a coupon at the counter (PRO-3 "by scanning or typing the code"): the redeem page offers
the scanner with the JS-SDK configuration, the front-end decoder is served from the pinned npm
package, and whatever a scanner hands over (the code, a link carrying it, WeChat's
"QR_CODE,<code>") is read by the server as the code."""

import hashlib
import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from promotions.codes import code_new
from promotions.models import Redemption
from promotions.services import coupon_claim
from promotions.staff_views import code_from_scan

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
CODE = "7KQM4XR2P9TA"  # any 12 characters: code_from_scan only reads, the check is coupon_verify's


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.mark.parametrize("scanned", [
    CODE, "7kqm 4xr2 p9ta", f"  {CODE}\n", f"QR_CODE,{CODE}", f"CODE_128,{CODE}",
    f"https://shop.example.com/m/coupons/redeem/?code={CODE}", f"https://shop.example.com/c/{CODE}",
    f"https://shop.example.com/c/{CODE}/?from=wechat", f"storelink:coupon:{CODE}", f"COUPON:{CODE}",
    "https://shop.example.com/m/coupons/redeem/?code=7KQM%204XR2%20P9TA",
])
def test_a_scanned_payload_is_read_as_the_code(scanned):
    assert code_from_scan(scanned) == CODE


@pytest.mark.parametrize(("scanned", "read"), [
    ("", ""), ("   ", ""), ("https://example.com/", ""), ("hello world", "HELLOWORLD"),
    ("x" * 5000, "X" * 40),
])
def test_anything_else_stays_something_the_code_check_refuses(scanned, read):
    assert code_from_scan(scanned) == read


@pytest.fixture
def coupon(definition, customer):
    return coupon_claim(definition=definition, customer=customer)


def test_the_redeem_page_offers_the_scanner_with_the_jssdk_config(client, org):
    client.force_login(org.assistant.user)
    page = client.get(reverse("promotions_workbench:redeem")).content.decode()
    button = re.search(r'<button[^>]*id="scan-button"[^>]*>', page).group(0)
    assert 'data-jssdk-url="/wechat/jssdk/"' in button and 'data-wx-apis="scanQRCode"' in button
    assert "扫码核销" in page and 'id="scan-video"' in page
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert scripts[-3:] == ["/static/js/wechat_jssdk.js", "/static/vendor/jsqr/jsQR.js", "/static/js/redeem_scan.js"]
    assert 'id="code"' in page  # typing stays


def test_staff_who_cannot_redeem_get_no_scanner(client, org):
    client.force_login(org.partner.user)
    page = client.get(reverse("promotions_workbench:redeem")).content.decode()
    assert 'id="scan-button"' not in page and "redeem_scan.js" not in page


@pytest.mark.parametrize("path", ["js/wechat_jssdk.js", "js/redeem_scan.js", "vendor/jsqr/jsQR.js"])
def test_the_scanner_scripts_are_served_from_our_static_files(path):
    # vendor/jsqr/ is node_modules/jsqr/dist/ (package.json pins jsqr 1.4.0), through STATICFILES_DIRS.
    assert finders.find(path), f"{path} is not among the static files"


def test_the_jssdk_endpoint_signs_the_redeem_page(client, wechat_settings, fake):
    wechat_settings.PUBLIC_BASE_URL = "https://shop.example.com"
    page = "https://shop.example.com" + reverse("promotions_workbench:redeem")
    config = client.get("/wechat/jssdk/", {"url": page + "#scan"}).json()
    ticket, _expires = fake.state.jsapi_tickets[(wechat_settings.WECHAT_APP_ID, "jsapi")]
    plain = f"jsapi_ticket={ticket}&noncestr={config['nonceStr']}&timestamp={config['timestamp']}&url={page}"
    assert config["signature"] == hashlib.sha1(plain.encode()).hexdigest()


def test_a_scanned_link_verifies_and_redeems_the_coupon(client, org, coupon):
    client.force_login(org.assistant.user)
    scanned = f"https://shop.example.com/m/coupons/redeem/?code={coupon.code}"
    verified = client.post(reverse("promotions_workbench:redeem"), {"code": scanned, "step": "verify"}, **HTMX)
    assert verified.status_code == 200 and "确认核销" in text(verified)
    assert f'data-code="{coupon.code_display}"' in text(verified)
    done = client.post(reverse("promotions_workbench:redeem"), {"code": f"QR_CODE,{coupon.code}", "step": "redeem"},
                       **HTMX)
    assert done.status_code == 200 and Redemption.objects.get().coupon_id == coupon.pk


def test_a_scanned_picture_that_is_no_coupon_is_refused_in_chinese(client, org, coupon):
    client.force_login(org.assistant.user)
    for scanned, message in (("https://mp.weixin.qq.com/s/abcdef", "券码不正确"), (code_new(), "没有这个券码的优惠券")):
        response = client.post(reverse("promotions_workbench:redeem"), {"code": scanned}, **HTMX)
        assert response.status_code == 400 and message in text(response)
    assert not Redemption.objects.exists()


def test_a_link_to_the_redeem_page_fills_the_code(client, org, coupon):
    client.force_login(org.assistant.user)
    response = client.get(reverse("promotions_workbench:redeem"), {"code": f"QR_CODE,{coupon.code}"})
    assert f'value="{coupon.code_display}"' in response.content.decode()
