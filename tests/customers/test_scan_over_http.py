"""The whole scan flow over real HTTP: our server, the fake WeChat's OAuth, wechatpy between them."""

import pytest
import requests

from customers.models import Customer, ScanEvent
from stores.services import qr_code_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def site(live_server, wechat_settings):
    wechat_settings.PUBLIC_BASE_URL = live_server.url
    return live_server.url


def test_scanning_a_staff_code_in_wechat_binds_the_customer_to_that_assistant(site, org, fake):
    code = qr_code_for(org.assistant)
    fake.add_user(openid="o-http-1", unionid="u-http-1", subscribed=True)
    browser = requests.Session()
    browser.headers["User-Agent"] = "Mozilla/5.0 (iPhone) MicroMessenger/8.0.50"

    # The printed code → WeChat OAuth (the fake) → our callback → the code again → the staff card.
    browser.cookies.set("fake_wechat_openid", "o-http-1")
    response = browser.get(f"{site}/q/{code.token}", timeout=10)
    assert response.status_code == 200, response.text[:500]
    assert response.url.partition("#")[0] == f"{site}/h5/staff/{code.token}/"
    assert org.assistant.name in response.text
    hops = [r.url for r in response.history]
    assert hops[0] == f"{site}/q/{code.token}"
    assert any(h.startswith(fake.url + "connect/oauth2/authorize") for h in hops)
    assert any(h.startswith(f"{site}/wechat/oauth/?code=") for h in hops)

    customer = Customer.objects.get(openid="o-http-1")
    assert customer.unionid == "u-http-1"
    assert (customer.store, customer.owner_assistant) == (org.store_a1, org.assistant)
    assert ScanEvent.objects.filter(customer=customer, bound=True).count() == 1

    # A second scan reuses the identity cookie: no trip to WeChat, one more scan recorded.
    again = browser.get(f"{site}/q/{qr_code_for(org.store_a1).token}", timeout=10)
    assert again.status_code == 200 and not any("oauth2" in r.url for r in again.history)
    assert ScanEvent.objects.filter(customer=customer).count() == 2


def test_a_reused_oauth_code_is_refused_by_wechat_and_we_show_a_friendly_page(site, org, fake):
    code = qr_code_for(org.assistant)
    browser = requests.Session()
    first = browser.get(f"{site}/q/{code.token}", timeout=10)
    callback = next(r.url for r in first.history if "/wechat/oauth/" in r.url)
    replay = requests.get(callback, timeout=10)  # a stranger replays the callback URL
    assert replay.status_code == 502
    assert "微信" in replay.text
