"""WeCom "contact me" codes: adding an assistant in WeCom attributes the customer like a scan (WX-4)."""

import pytest

from customers.models import Customer, ScanEvent
from stores.services import qr_code_for
from wechat.fake import events
from wechat.models import WeComContact, WeComContactWay
from wechat.wecom import wecom_contact_way_for


@pytest.fixture
def wecom(wechat_settings, org):
    org.assistant.wecom_userid = "chenzichao"
    org.assistant.save(update_fields=["wecom_userid"])
    return wechat_settings


def post_event(client, settings, **values):
    xml = events.wecom_external_contact(corp_id=settings.WECOM_CORP_ID, **values)
    signed = events.sign_wecom(xml, token=settings.WECOM_TOKEN, aes_key=settings.WECOM_AES_KEY,
                               corp_id=settings.WECOM_CORP_ID)
    return client.post(f"/wechat/wecom/callback/?{signed.query_string}", data=signed.body, content_type="text/xml")


def test_the_contact_code_carries_the_assistants_touchpoint_in_its_state(wecom, fake, org):
    way = wecom_contact_way_for(staff=org.assistant)
    assert way.state == qr_code_for(org.assistant).scene and len(way.state) <= 30
    assert fake.state.contact_ways[way.config_id]["state"] == way.state
    assert wecom_contact_way_for(staff=org.assistant) == way
    assert WeComContactWay.objects.count() == 1


def test_adding_the_assistant_binds_a_new_customer_and_marks_the_friendship(client, wecom, fake, org):
    way = wecom_contact_way_for(staff=org.assistant)
    response = post_event(client, wecom, userid="chenzichao", external_userid="wm-ext-1", state=way.state,
                          welcome_code="wc-1")
    assert response.status_code == 200
    contact = WeComContact.objects.get(external_userid="wm-ext-1")
    customer = contact.customer
    assert customer.is_wecom_friend and contact.staff == org.assistant
    assert (customer.store, customer.owner_assistant) == (org.store_a1, org.assistant)
    assert ScanEvent.objects.get(customer=customer).channel == ScanEvent.Channel.WECOM


def test_a_known_wechat_customer_is_recognised_by_unionid(client, wecom, fake, org):
    known = Customer.objects.create(openid="o-known", unionid="u-known", store=org.store_a1,
                                    owner_assistant=org.colleague)
    fake.state.external_contacts["wm-ext-2"] = {"external_userid": "wm-ext-2", "unionid": "u-known", "name": "王",
                                                "follow_user": []}
    post_event(client, wecom, userid="chenzichao", external_userid="wm-ext-2", state=qr_code_for(org.assistant).scene)
    assert WeComContact.objects.get(external_userid="wm-ext-2").customer == known
    known.refresh_from_db()
    assert known.is_wecom_friend
    assert known.owner_assistant == org.colleague  # protected: the friendship does not steal the customer
    assert Customer.objects.filter(unionid="u-known").count() == 1  # no second customer for the same person


def test_removing_the_friend_clears_the_flag_and_a_replay_changes_nothing(client, wecom, fake, org):
    post_event(client, wecom, userid="chenzichao", external_userid="wm-ext-3")
    post_event(client, wecom, userid="chenzichao", external_userid="wm-ext-3", change_type="del_follow_user")
    customer = WeComContact.objects.get(external_userid="wm-ext-3").customer
    customer.refresh_from_db()
    assert not customer.is_wecom_friend


def test_forged_or_stale_wecom_callbacks_are_refused(client, wecom):
    xml = events.wecom_external_contact(corp_id=wecom.WECOM_CORP_ID, userid="chenzichao", external_userid="wm-x")
    signed = events.sign_wecom(xml, token="not-our-token", aes_key=wecom.WECOM_AES_KEY, corp_id=wecom.WECOM_CORP_ID)
    response = client.post(f"/wechat/wecom/callback/?{signed.query_string}", data=signed.body,
                           content_type="text/xml")
    assert response.status_code == 403
    assert not WeComContact.objects.exists()
    assert client.post("/wechat/wecom/callback/", data=b"<xml/>", content_type="text/xml").status_code == 400



def test_wecoms_url_check_is_answered_with_the_decrypted_echo(client, wecom):
    import time

    from wechatpy.crypto import PrpCrypto
    from wechatpy.enterprise.crypto import WeChatCrypto

    crypto = WeChatCrypto(wecom.WECOM_TOKEN, wecom.WECOM_AES_KEY, wecom.WECOM_CORP_ID)
    echostr = PrpCrypto(crypto.key).encrypt("echo-123", wecom.WECOM_CORP_ID)
    echostr = echostr.decode() if isinstance(echostr, bytes) else echostr
    timestamp, nonce = str(int(time.time())), "4711"
    signature = events._sha1(wecom.WECOM_TOKEN, timestamp, nonce, echostr)
    response = client.get("/wechat/wecom/callback/", {"msg_signature": signature, "timestamp": timestamp,
                                                      "nonce": nonce, "echostr": echostr})
    assert response.status_code == 200 and response.content == b"echo-123"
