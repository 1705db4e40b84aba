"""WeChat parametric codes for touchpoints, made through wechatpy against the fake WeChat."""

from rest_framework.test import APIClient

from stores.models import QRCode
from stores.services import qr_code_for
from stores.tasks import qr_codes_make_wechat
from wechat.scene_codes import wechat_scene_code_make


def test_a_permanent_scene_code_is_made_once(wechat_settings, fake, org):
    code = qr_code_for(org.assistant)
    url = wechat_scene_code_make(code=code)
    code.refresh_from_db()
    assert code.wechat_ticket and url.startswith(fake.url) and "ticket=" in url
    made = fake.stats()["calls"].get("/cgi-bin/qrcode/create")
    assert wechat_scene_code_make(code=code) == url
    assert fake.stats()["calls"].get("/cgi-bin/qrcode/create") == made == 1
    made_at_wechat = fake.state.qrcodes[code.wechat_ticket]
    assert (made_at_wechat["action_name"], made_at_wechat["scene_str"]) == ("QR_LIMIT_STR_SCENE", code.scene)


def test_the_task_fills_the_codes_that_have_none_and_the_api_shows_them(wechat_settings, fake, org):
    codes = [qr_code_for(org.store_a1), qr_code_for(org.assistant)]
    assert qr_codes_make_wechat([c.pk for c in codes]) == 2
    assert qr_codes_make_wechat([c.pk for c in codes]) == 0
    client = APIClient()
    client.force_authenticate(org.user("hq"))
    rows = client.get("/api/v1/qrcodes/").json()["results"]
    assert all(row["wechat_qr_url"] and row["wechat_qr_url"].startswith(fake.url) for row in rows)
    assert QRCode.objects.filter(wechat_ticket="").count() == 0
