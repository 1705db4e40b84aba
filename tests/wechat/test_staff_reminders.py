"""Staff bind their WeChat in the workbench; reminders reach them through the official account."""

import pytest
import requests

from stores.models import Staff
from wechat.models import Message
from wechat.outbox import staff_remind

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_assistant_binds_wechat_and_a_reminder_reaches_that_openid(live_server, wechat_settings, fake, org):
    wechat_settings.PUBLIC_BASE_URL = live_server.url
    user = org.assistant.user
    user.set_password("Shop-floor-2026")
    user.save()
    phone = requests.Session()
    page = phone.get(f"{live_server.url}/m/login/", timeout=10)
    token = phone.cookies["csrftoken"]
    phone.post(f"{live_server.url}/m/login/", data={"username": user.username, "password": "Shop-floor-2026",
                                                    "csrfmiddlewaretoken": token}, headers={"Referer": page.url})
    phone.cookies.set("fake_wechat_openid", "o-staff-chen")
    bound = phone.post(f"{live_server.url}/m/me/wechat/", data={"csrfmiddlewaretoken": phone.cookies["csrftoken"]},
                       headers={"Referer": f"{live_server.url}/m/me/wechat/"}, timeout=10)
    assert bound.status_code == 200
    assert any("oauth2/authorize" in r.url for r in bound.history)
    assert Staff.objects.get(pk=org.assistant.pk).wechat_openid == "o-staff-chen"

    fake.add_user(openid="o-staff-chen", subscribed=True)
    message = staff_remind(staff=Staff.objects.get(pk=org.assistant.pk), key="urge:test:1", title="店长催办",
                           body="请今天完成邀约")
    assert message is not None
    assert Message.objects.get(pk=message.pk).status == Message.Status.SENT
    delivered = fake.messages(touser="o-staff-chen")
    assert len(delivered) == 1 and delivered[0]["data"]["thing1"]["value"] == "店长催办"


def test_a_reminder_to_staff_without_wechat_is_not_queued(org, wechat_settings):
    assert staff_remind(staff=org.colleague, key="urge:test:2", title="催办", body="…") is None
    assert not Message.objects.exists()
