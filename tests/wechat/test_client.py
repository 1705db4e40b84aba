"""wechatpy through our adapter, over real HTTP to the fake: tokens, QR codes, messages, OAuth, WeCom."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from wechatpy.client.api.qrcode import WeChatQRCode
from wechatpy.exceptions import WeChatClientException, WeChatOAuthException

from wechat.client import (
    call_with_token_retry,
    make_official_account_client,
    oauth_client,
    official_account_client,
    qrcode_image_url,
    wecom_client,
)
from wechat.errors import Action, classify
from wechat.token_storage import CacheStorage

pytestmark = pytest.mark.usefixtures("wechat_settings")

TEMPLATE = "tpl-order-shipped"


def fresh_client(fake):
    """A second, independent client (another worker): its own session and its own wechatpy state."""
    return make_official_account_client("wx-fake-app-id", "fake-secret", fake.url, 2.0)


def test_client_is_built_for_the_project():
    client = official_account_client()
    assert client.auto_retry is False
    assert client.timeout == 2.0
    assert isinstance(client.session, CacheStorage)
    assert official_account_client() is client  # one per process and configuration


def test_two_clients_share_one_token_fetch(fake):
    first, second = official_account_client(), fresh_client(fake)
    assert first is not second

    token = first.access_token
    assert second.access_token == token
    assert fake.stats()["token_fetches"] == {"wx-fake-app-id": 1}


def test_a_refetched_token_invalidates_the_old_one_after_the_overlap(fake):
    client = official_account_client()
    fake.add_user(openid="o-alice")
    old = client.access_token
    # Someone else fetches a token (another system sharing the app id, or a stray script).
    requests.get(fake.url + "cgi-bin/token", params={"grant_type": "client_credential",
                                                     "appid": "wx-fake-app-id", "secret": "fake-secret"})
    assert client.user.get("o-alice")["subscribe"] == 1  # the 5-minute overlap
    fake.advance_clock(301)

    with pytest.raises(WeChatClientException) as refused:
        client.user.get("o-alice")  # auto_retry=False: wechatpy does not loop on its own
    assert refused.value.errcode == 40001

    info = call_with_token_retry(client, client.user.get, "o-alice")
    assert info["openid"] == "o-alice"
    assert client.access_token != old
    assert fake.stats()["token_fetches"]["wx-fake-app-id"] == 3


def test_the_token_retry_is_bounded_to_one(fake):
    client = official_account_client()
    fake.add_user(openid="o-alice")
    assert client.access_token  # fetched before the fault is armed
    fake.add_fault("/cgi-bin/user/info", errcode=40001, times=5)

    with pytest.raises(WeChatClientException) as refused:
        call_with_token_retry(client, client.user.get, "o-alice")

    assert classify(refused.value).action is Action.REFRESH_TOKEN
    assert fake.stats()["calls"]["/cgi-bin/user/info"] == 2  # the call and one retry
    assert fake.stats()["token_fetches"]["wx-fake-app-id"] == 2  # the first token and one refresh


def test_an_expired_token_is_refreshed_by_the_retry(fake):
    client = official_account_client()
    fake.add_user(openid="o-alice")
    assert client.access_token  # fetched before the fault is armed
    fake.add_fault("/cgi-bin/user/info", errcode=42001)

    assert call_with_token_retry(client, client.user.get, "o-alice")["openid"] == "o-alice"


def test_other_errors_are_not_retried(fake):
    client = official_account_client()

    with pytest.raises(WeChatClientException) as refused:
        call_with_token_retry(client, client.user.get, "o-nobody")

    assert refused.value.errcode == 40003
    assert fake.stats()["calls"]["/cgi-bin/user/info"] == 1


def test_qrcode_with_a_string_scene_and_its_image_url(fake):
    client = official_account_client()

    result = client.qrcode.create({"expire_seconds": 9_999_999, "action_name": "QR_STR_SCENE",
                                   "action_info": {"scene": {"scene_str": "store:42:staff:7"}}})

    assert result["expire_seconds"] == 2_592_000  # capped at 30 days
    assert result["url"].startswith("http://weixin.qq.com/q/")
    assert WeChatQRCode.get_url(result).startswith("https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=")
    image = requests.get(qrcode_image_url(result), timeout=2)
    assert image.status_code == 200 and image.headers["Content-Type"] == "image/png"
    (qrcode,) = requests.get(fake.url + "_fake/qrcodes", params={"ticket": result["ticket"]}).json()["qrcodes"]
    assert qrcode["scene_str"] == "store:42:staff:7"


@pytest.mark.parametrize("scene_str", ["", "x" * 65])
def test_qrcode_scene_str_must_be_1_to_64_characters(fake, scene_str):
    client = official_account_client()

    with pytest.raises(WeChatClientException) as refused:
        client.qrcode.create({"action_name": "QR_LIMIT_STR_SCENE", "action_info": {"scene": {"scene_str": scene_str}}})

    assert refused.value.errcode == 40097
    assert classify(refused.value).action is Action.NEVER_RETRY


def test_user_info_has_the_scan_scene_and_no_nickname(fake):
    client = official_account_client()
    ticket = client.qrcode.create({"action_name": "QR_LIMIT_STR_SCENE",
                                   "action_info": {"scene": {"scene_str": "store:42"}}})["ticket"]
    fake.add_user(openid="o-bob", unionid="u-bob", ticket=ticket)

    info = client.user.get("o-bob")

    assert info["subscribe"] == 1 and info["unionid"] == "u-bob"
    assert info["subscribe_scene"] == "ADD_SCENE_QR_CODE" and info["qr_scene_str"] == "store:42"
    assert "nickname" not in info and "headimgurl" not in info


def test_template_message_is_delivered_and_recorded(fake):
    client = official_account_client()
    fake.add_user(openid="o-alice")

    result = call_with_token_retry(client, client.message.send_template, "o-alice", TEMPLATE,
                                   {"thing1": {"value": "沙发"}}, url="https://shop.example.com/o/1")

    assert result["errcode"] == 0
    (message,) = requests.get(fake.url + "_fake/messages", params={"touser": "o-alice"}).json()["messages"]
    assert message["msgid"] == result["msgid"]
    assert message["template_id"] == TEMPLATE and message["data"] == {"thing1": {"value": "沙发"}}
    assert message["url"] == "https://shop.example.com/o/1"


def test_template_message_to_an_unsubscribed_user_is_43004_never_retried(fake):
    client = official_account_client()
    fake.add_user(openid="o-gone", subscribed=False)

    with pytest.raises(WeChatClientException) as refused:
        client.message.send_template("o-gone", TEMPLATE, {})

    assert refused.value.errcode == 43004
    assert classify(refused.value).action is Action.NEVER_RETRY
    assert fake.messages("o-gone") == []


def test_subscribe_message_refused_is_43101(fake):
    client = official_account_client()
    fake.add_user(openid="o-no", refused_subscribe_message=True)
    fake.add_user(openid="o-yes")

    client.message.send_subscribe_message("o-yes", TEMPLATE, {"thing1": {"value": "到店"}})
    with pytest.raises(WeChatClientException) as refused:
        client.message.send_subscribe_message("o-no", TEMPLATE, {})

    assert refused.value.errcode == 43101
    assert classify(refused.value).reason == "refused"
    assert [m["kind"] for m in fake.messages("o-yes")] == ["subscribe"]


def test_daily_quota_fault_is_retried_after_shanghai_midnight(fake):
    client = official_account_client()
    fake.add_user(openid="o-alice")
    fake.add_fault("/cgi-bin/message/template/send", errcode=45009)

    with pytest.raises(WeChatClientException) as refused:
        client.message.send_template("o-alice", TEMPLATE, {})
    verdict = classify(refused.value)

    assert verdict.action is Action.RETRY_LATER and verdict.reason == "daily_quota"
    assert (verdict.retry_at.hour, verdict.retry_at.minute, str(verdict.retry_at.tzinfo)) == (0, 0, "Asia/Shanghai")
    client.message.send_template("o-alice", TEMPLATE, {})  # the fault was for one call only


def test_http_5xx_is_retry_later(fake):
    client = official_account_client()
    fake.add_user(openid="o-alice")
    fake.add_fault("/cgi-bin/message/template/send", status=502)

    with pytest.raises(WeChatClientException) as failed:
        client.message.send_template("o-alice", TEMPLATE, {})

    assert failed.value.errcode is None
    assert classify(failed.value).action is Action.RETRY_LATER
    assert classify(failed.value).reason == "http_502"


def test_a_slow_wechat_times_out_and_is_retry_later(fake, settings):
    settings.WECHAT_HTTP_TIMEOUT = 0.3
    client = official_account_client()
    fake.add_user(openid="o-alice")
    assert client.access_token  # fetched before the fault is armed
    fake.add_fault("/cgi-bin/message/template/send", delay=1.0)

    with pytest.raises(requests.Timeout) as slow:
        client.message.send_template("o-alice", TEMPLATE, {})

    assert classify(slow.value).action is Action.RETRY_LATER
    assert classify(slow.value).reason == "timeout"


def test_the_token_fetch_has_a_timeout_too(fake, settings):
    settings.WECHAT_HTTP_TIMEOUT = 0.3
    fake.add_fault("/cgi-bin/token", delay=1.0)

    with pytest.raises(requests.Timeout):
        _ = official_account_client().access_token


def test_jsapi_ticket(fake):
    client = official_account_client()

    ticket = client.jsapi.get_jsapi_ticket()

    assert ticket and client.jsapi.get_jsapi_ticket() == ticket  # cached in the shared storage
    assert fake.stats()["calls"]["/cgi-bin/ticket/getticket"] == 1


def test_oauth_redirects_back_with_a_code_that_works_once(fake):
    fake.add_user(openid="o-carol", unionid="u-carol")
    oauth = oauth_client("https://shop.example.com/h5/callback?next=/me", state="xyz")
    assert oauth.authorize_url.startswith(fake.url + "connect/oauth2/authorize?appid=wx-fake-app-id")

    # The browser follows the authorize URL (the fragment stays in the browser); the fake
    # signs in the user named by ``openid``.
    redirect = requests.get(oauth.authorize_url.split("#")[0] + "&openid=o-carol", allow_redirects=False, timeout=2)
    assert redirect.status_code == 302
    location = urlsplit(redirect.headers["Location"])
    assert location.netloc == "shop.example.com" and location.path == "/h5/callback"
    params = parse_qs(location.query)
    assert params["next"] == ["/me"] and params["state"] == ["xyz"]

    result = oauth.fetch_access_token(params["code"][0])
    assert (result["openid"], result["unionid"], result["scope"]) == ("o-carol", "u-carol", "snsapi_base")

    with pytest.raises(WeChatOAuthException) as reused:
        oauth_client("https://shop.example.com/h5/callback").fetch_access_token(params["code"][0])
    assert reused.value.errcode == 40163
    with pytest.raises(WeChatOAuthException) as unknown:
        oauth.fetch_access_token("no-such-code")
    assert unknown.value.errcode == 40029


def test_oauth_without_openid_signs_in_a_new_visitor(fake):
    oauth = oauth_client("https://shop.example.com/h5/callback")

    redirect = requests.get(oauth.authorize_url, allow_redirects=False, timeout=2)
    code = parse_qs(urlsplit(redirect.headers["Location"]).query)["code"][0]
    openid = oauth.fetch_access_token(code)["openid"]

    assert official_account_client().user.get(openid)["subscribe"] == 0  # visited, does not follow


def test_wecom_contact_way_with_state(fake):
    client = wecom_client()

    created = client.external_contact.add_contact_way(1, 2, state="s:42:u:7", user=["zhangsan"])

    assert created["errcode"] == 0 and created["qr_code"].startswith("https://wework.qpic.cn/")
    way = client.external_contact.get_contact_way(created["config_id"])["contact_way"]
    assert (way["state"], way["user"]) == ("s:42:u:7", ["zhangsan"])
    assert fake.stats()["calls"]["/cgi-bin/gettoken"] == 1


def test_wecom_contact_way_state_longer_than_30_is_refused(fake):
    with pytest.raises(WeChatClientException) as refused:
        wecom_client().external_contact.add_contact_way(1, 2, state="x" * 31, user=["zhangsan"])

    assert refused.value.errcode == 40058
    assert classify(refused.value).action is Action.NEVER_RETRY


def test_wecom_group_message_and_its_result(fake):
    client = wecom_client()
    config_id = client.external_contact.add_contact_way(1, 2, state="s:42", user=["zhangsan"])["config_id"]
    (contact,) = requests.post(fake.url + "_fake/external_contacts",
                               json={"config_id": config_id, "unionid": "u-dan"}).json()["contacts"]
    external_userid = contact["external_userid"]

    detail = client.external_contact.get(external_userid)
    assert detail["external_contact"]["unionid"] == "u-dan"
    assert detail["follow_user"][0]["state"] == "s:42"

    sent = client.external_contact.add_msg_template(
        {"external_userid": [external_userid, "wm-unknown"], "sender": "zhangsan", "text": {"content": "新品到店"}})
    assert sent["fail_list"] == ["wm-unknown"]
    result = client.external_contact.get_group_msg_result(sent["msgid"])
    assert [(d["external_userid"], d["status"]) for d in result["detail_list"]] == [(external_userid, 1)]
    assert fake.messages(external_userid)[0]["text"] == {"content": "新品到店"}


def test_wecom_group_message_daily_quota_is_45009(fake):
    fake.configure(wecom_msg_template_daily_quota=1)
    client = wecom_client()
    (contact,) = requests.post(fake.url + "_fake/external_contacts", json={"userid": "zhangsan"}).json()["contacts"]
    template = {"external_userid": [contact["external_userid"]], "text": {"content": "hi"}}
    client.external_contact.add_msg_template(template)

    with pytest.raises(WeChatClientException) as refused:
        client.external_contact.add_msg_template(template)

    assert refused.value.errcode == 45009
    assert classify(refused.value).reason == "daily_quota"


def test_wecom_at_the_root_next_to_wechat(fake, settings):
    settings.WECOM_API_BASE = fake.url

    assert wecom_client().external_contact.add_contact_way(2, 2, state="x")["errcode"] == 0


def test_a_wechat_token_is_not_a_wecom_token(fake):
    token = official_account_client().access_token

    answer = requests.post(fake.url + "cgi-bin/externalcontact/get_contact_way", params={"access_token": token},
                           json={"config_id": "x"}, timeout=2).json()

    assert answer["errcode"] == 40014
