"""Signed callback bodies, checked with wechatpy's own verification and parsers."""

import base64
import os
from urllib.parse import parse_qs, urlsplit

import pytest
import xmltodict
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.enterprise import parse_message as parse_wecom_message
from wechatpy.enterprise.crypto import WeChatCrypto as WeComCrypto
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.utils import check_signature

from wechat.fake import events

TOKEN = "fake-token"
APP_ID = "wx-fake-app-id"
AES_KEY = base64.b64encode(os.urandom(32)).decode().rstrip("=")  # 43 characters, as WeChat issues


def test_plain_subscribe_with_scene_is_signed_and_parses():
    xml = events.subscribe(openid="o-a", scene="store:42", ticket="gQticket")

    signed = events.sign_official_account(xml, token=TOKEN, openid="o-a")
    check_signature(TOKEN, signed.params["signature"], signed.params["timestamp"], signed.params["nonce"])
    message = parse_message(signed.body)

    assert message.event == "subscribe_scan"
    assert (message.source, message.scene_id, message.ticket) == ("o-a", "store:42", "gQticket")
    assert signed.params["openid"] == "o-a"


def test_a_wrong_token_fails_the_signature():
    signed = events.sign_official_account(events.unsubscribe(openid="o-a"), token=TOKEN)

    with pytest.raises(InvalidSignatureException):
        check_signature("other", signed.params["signature"], signed.params["timestamp"], signed.params["nonce"])


@pytest.mark.parametrize(("xml", "event", "checks"), [
    (events.subscribe(openid="o-a"), "subscribe", {}),
    (events.scan(openid="o-a", scene="store:42", ticket="T"), "scan", {"scene_id": "store:42", "ticket": "T"}),
    (events.unsubscribe(openid="o-a"), "unsubscribe", {}),
    (events.template_send_job_finish(openid="o-a", msgid=3000000001, status="failed:user block"),
     "templatesendjobfinish", {"id": 3000000001, "status": "failed:user block"}),
])
def test_official_account_events_parse(xml, event, checks):
    message = parse_message(xml)

    assert message.event == event
    for name, value in checks.items():
        assert getattr(message, name) == value


def test_safe_mode_is_encrypted_and_decrypts():
    xml = events.subscribe(openid="o-a", scene=123, ticket="T")

    signed = events.sign_official_account(xml, token=TOKEN, aes_key=AES_KEY, app_id=APP_ID)
    p = signed.params
    assert p["encrypt_type"] == "aes" and b"o-a" not in signed.body
    check_signature(TOKEN, p["signature"], p["timestamp"], p["nonce"])
    plain = WeChatCrypto(TOKEN, AES_KEY, APP_ID).decrypt_message(signed.body, p["msg_signature"], p["timestamp"],
                                                                 p["nonce"])
    message = parse_message(plain)

    assert (message.event, message.scene_id, message.source) == ("subscribe_scan", "123", "o-a")
    assert xmltodict.parse(signed.body)["xml"]["ToUserName"] == events.DEFAULT_ACCOUNT


def test_safe_mode_with_a_tampered_body_fails():
    signed = events.sign_official_account(events.unsubscribe(openid="o-a"), token=TOKEN, aes_key=AES_KEY,
                                          app_id=APP_ID)
    other = events.sign_official_account(events.unsubscribe(openid="o-b"), token=TOKEN, aes_key=AES_KEY,
                                         app_id=APP_ID)
    p = signed.params

    with pytest.raises(InvalidSignatureException):
        WeChatCrypto(TOKEN, AES_KEY, APP_ID).decrypt_message(other.body, p["msg_signature"], p["timestamp"],
                                                             p["nonce"])


def test_wecom_add_external_contact_with_state_and_welcome_code():
    xml = events.wecom_external_contact(corp_id="ww-corp", userid="zhangsan", external_userid="wm-1",
                                        state="s:42:u:7", welcome_code="WELCOME")

    signed = events.sign_wecom(xml, token="fake-wecom-token", aes_key=AES_KEY, corp_id="ww-corp")
    p = signed.params
    plain = WeComCrypto("fake-wecom-token", AES_KEY, "ww-corp").decrypt_message(
        signed.body, p["msg_signature"], p["timestamp"], p["nonce"])
    message = parse_wecom_message(plain)
    raw = xmltodict.parse(plain)["xml"]

    assert message.type == "unknown"  # wechatpy 1.8.18 has no class for it: read the raw fields
    assert (raw["Event"], raw["ChangeType"]) == ("change_external_contact", "add_external_contact")
    assert (raw["UserID"], raw["ExternalUserID"], raw["State"], raw["WelcomeCode"]) == (
        "zhangsan", "wm-1", "s:42:u:7", "WELCOME")
    assert set(p) == {"msg_signature", "timestamp", "nonce"}


def test_cdata_breakers_survive():
    xml = events.scan(openid="o-a", scene="a]]>b", ticket="T")

    assert parse_message(xml).scene_id == "a]]>b"


def test_callback_url_and_handshake():
    signed = events.sign_official_account(events.unsubscribe(openid="o-a"), token=TOKEN, timestamp="1", nonce="2")
    params, reply = events.url_verification(token=TOKEN, echostr="hello")

    assert parse_qs(urlsplit(signed.url("https://x.example/wechat/callback?x=1")).query)["timestamp"] == ["1"]
    check_signature(TOKEN, params["signature"], params["timestamp"], params["nonce"])
    assert reply == "hello"
