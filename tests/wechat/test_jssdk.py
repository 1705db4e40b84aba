import hashlib


def test_jssdk_config_signs_our_page_with_the_ticket(client, wechat_settings, fake):
    wechat_settings.PUBLIC_BASE_URL = "https://shop.example.com"
    response = client.get("/wechat/jssdk/", {"url": "https://shop.example.com/h5/stores/sh-1/?from=share#top"})
    assert response.status_code == 200
    config = response.json()
    ticket, _expires = fake.state.jsapi_tickets[(wechat_settings.WECHAT_APP_ID, "jsapi")]
    plain = (f"jsapi_ticket={ticket}&noncestr={config['nonceStr']}&timestamp={config['timestamp']}"
             "&url=https://shop.example.com/h5/stores/sh-1/?from=share")
    assert config["signature"] == hashlib.sha1(plain.encode()).hexdigest()
    assert config["appId"] == wechat_settings.WECHAT_APP_ID and len(config["signature"]) == 40


def test_the_ticket_is_fetched_once_and_shared(client, wechat_settings, fake):
    wechat_settings.PUBLIC_BASE_URL = "https://shop.example.com"
    for _ in range(3):
        assert client.get("/wechat/jssdk/", {"url": "https://shop.example.com/h5/"}).status_code == 200
    assert fake.stats()["calls"]["/cgi-bin/ticket/getticket"] == 1


def test_other_sites_are_not_signed(client, wechat_settings):
    wechat_settings.PUBLIC_BASE_URL = "https://shop.example.com"
    assert client.get("/wechat/jssdk/", {"url": "https://evil.example.net/"}).status_code == 400
    assert client.get("/wechat/jssdk/").status_code == 400
