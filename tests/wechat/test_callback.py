"""/wechat/callback/: signed events from WeChat become scans and attribution (WX-1, QR-3)."""

import time

import pytest

from customers.models import Customer, ScanEvent
from stores.services import qr_code_for
from wechat.fake import events

TOKEN = "fake-token"


def post(client, xml, *, aes_key=None, app_id=None, **overrides):
    signed = events.sign_official_account(xml, token=TOKEN, aes_key=aes_key, app_id=app_id, **overrides)
    return client.post(f"/wechat/callback/?{signed.query_string}", data=signed.body, content_type="text/xml")


@pytest.fixture
def staff_code(org):
    return qr_code_for(org.assistant)


def test_the_url_handshake_echoes_echostr(client, settings):
    ts, nonce = str(int(time.time())), "123456"
    signature = events._sha1(TOKEN, ts, nonce)
    response = client.get("/wechat/callback/", {"signature": signature, "timestamp": ts, "nonce": nonce,
                                                "echostr": "hello-wechat"})
    assert response.status_code == 200 and response.content == b"hello-wechat"


def test_following_through_a_staff_code_binds_the_new_follower(client, org, staff_code):
    response = post(client, events.subscribe(openid="o-follow-1", scene=staff_code.scene, ticket="t1"))
    assert response.status_code == 200
    customer = Customer.objects.get(openid="o-follow-1")
    assert customer.wechat_subscribed
    assert (customer.store, customer.owner_assistant) == (org.store_a1, org.assistant)
    scan = ScanEvent.objects.get(customer=customer)
    assert scan.channel == ScanEvent.Channel.SUBSCRIBE and scan.bound


def test_a_follower_scanning_again_is_recorded_without_rebinding(client, org, staff_code):
    post(client, events.subscribe(openid="o-follow-2", scene=staff_code.scene))
    other = qr_code_for(org.other_store_assistant)
    post(client, events.scan(openid="o-follow-2", scene=other.scene, ticket="t2"))
    customer = Customer.objects.get(openid="o-follow-2")
    assert customer.owner_assistant == org.assistant
    assert list(customer.scans.values_list("channel", flat=True).order_by("scanned_at")) == ["subscribe", "scan"]


def test_the_codes_welcome_message_is_the_passive_reply(client, staff_code):
    staff_code.welcome_message = "欢迎光临，我是您的专属导购"
    staff_code.save()
    response = post(client, events.subscribe(openid="o-follow-3", scene=staff_code.scene))
    assert "欢迎光临，我是您的专属导购" in response.content.decode()
    assert "<ToUserName><![CDATA[o-follow-3]]></ToUserName>" in response.content.decode()


def test_unsubscribe_is_remembered(client, staff_code):
    post(client, events.subscribe(openid="o-follow-4", scene=staff_code.scene))
    post(client, events.unsubscribe(openid="o-follow-4"))
    assert Customer.objects.get(openid="o-follow-4").wechat_subscribed is False


def test_a_replayed_event_is_handled_once(client, staff_code):
    xml = events.subscribe(openid="o-replay", scene=staff_code.scene, create_time=int(time.time()))
    assert post(client, xml).status_code == 200
    assert post(client, xml).status_code == 200  # WeChat's retry, freshly signed
    assert ScanEvent.objects.filter(customer__openid="o-replay").count() == 1


def test_unknown_scenes_are_acknowledged_and_bind_nothing(client, org):
    response = post(client, events.subscribe(openid="o-unknown", scene="qr:not-a-real-token"))
    assert response.status_code == 200
    customer = Customer.objects.get(openid="o-unknown")
    assert customer.store is None and not ScanEvent.objects.exists()


@pytest.mark.parametrize("tamper, status", [
    ({"signature": "0" * 40}, 403),
    ({"timestamp": str(int(time.time()) - 3600)}, 403),
    ({"nonce": ""}, 400),
])
def test_bad_signatures_and_stale_requests_are_refused(client, staff_code, tamper, status):
    signed = events.sign_official_account(events.subscribe(openid="o-bad", scene=staff_code.scene), token=TOKEN)
    params = {**signed.params, **tamper}
    if "timestamp" in tamper:  # a correctly signed but old request: a replay
        params["signature"] = events._sha1(TOKEN, tamper["timestamp"], params["nonce"])
    response = client.post("/wechat/callback/?" + "&".join(f"{k}={v}" for k, v in params.items()),
                           data=signed.body, content_type="text/xml")
    assert response.status_code == status
    assert not Customer.objects.filter(openid="o-bad").exists()


@pytest.mark.parametrize("body", [b"<xml><not closed", b"\xff\xfe garbage", b"<xml></xml>", b"A" * 70_000])
def test_garbage_bodies_get_a_clear_4xx_and_store_nothing(client, db, body):
    signed = events.sign_official_account("<xml/>", token=TOKEN)
    response = client.post(f"/wechat/callback/?{signed.query_string}", data=body, content_type="text/xml")
    assert 400 <= response.status_code < 500
    assert not Customer.objects.exists()


def test_safe_mode_messages_are_decrypted_and_replies_encrypted(client, org, staff_code, settings):
    settings.WECHAT_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
    settings.WECHAT_APP_ID = "wx-fake-app-id"
    staff_code.welcome_message = "加密欢迎"
    staff_code.save()
    response = post(client, events.subscribe(openid="o-aes", scene=staff_code.scene),
                    aes_key=settings.WECHAT_AES_KEY, app_id=settings.WECHAT_APP_ID)
    assert response.status_code == 200
    assert Customer.objects.get(openid="o-aes").owner_assistant == org.assistant
    body = response.content.decode()
    assert "<Encrypt>" in body and "加密欢迎" not in body
