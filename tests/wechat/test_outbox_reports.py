"""Delivery reports end to end: the fake WeChat POSTs a signed TEMPLATESENDJOBFINISH to our real
callback (a live server) after each template message, as WeChat does, and the outbox records it."""

import base64
import os
import time
import uuid

import pytest
from django.core.cache import cache

from wechat import outbox
from wechat.models import DeliveryReport, Message

AES_KEY = base64.b64encode(os.urandom(32)).decode().rstrip("=")


@pytest.fixture(autouse=True)
def clean_cache(transactional_db):
    """Flushing the database between these tests leaves the cache table alone: empty it (tokens,
    quota pauses, callback de-duplication)."""
    cache.clear()
    outbox.gate.reset()
    yield
    outbox.gate.reset()
    cache.clear()


@pytest.fixture(params=["plain", "safe mode"])
def reporting_fake(request, live_server, wechat_settings, fake):
    """The fake reports to our callback; in safe mode the reports are encrypted."""
    values = {"callback_url": live_server.url + "/wechat/callback/", "callback_token": wechat_settings.WECHAT_TOKEN}
    if request.param == "safe mode":
        wechat_settings.WECHAT_AES_KEY = AES_KEY
        values["callback_aes_key"] = AES_KEY
    fake.configure(**values)
    wechat_settings.WECHAT_OUTBOX_REPORT_GRACE_SECONDS = 0
    return fake


# The callback (live server thread) and the send write the same row at the same moment. On the
# in-memory SQLite test database both threads share one connection, so their transactions mix;
# two real connections are needed to show the outcome the product relies on.
@pytest.mark.postgres
@pytest.mark.parametrize(("blocks", "delivery"), [(False, "success"), (True, "failed:user block")])
def test_the_fake_reports_each_template_message_to_our_callback(reporting_fake, blocks, delivery):
    fake = reporting_fake
    openid = fake.add_user(openid=f"o-{uuid.uuid4().hex[:12]}", blocks_template_messages=blocks)["openid"]
    message = outbox.message_enqueue(key=uuid.uuid4().hex, openid=openid, template_id="tpl", data={},
                                     purpose="logistics_node")  # no transaction here: sent at once

    assert fake.wait_for_reports(10)
    outbox.messages_recover()  # a report that beat the worker's write is matched here

    message.refresh_from_db()
    assert fake.stats()["reports"] == {"queued": 1, "delivered": 1, "rejected": 0, "failed": 0, "dropped": 0}
    assert (message.status, message.delivery) == (Message.Status.SENT, delivery)
    assert not DeliveryReport.objects.exists()


def test_reporting_does_not_slow_the_send(live_server, wechat_settings, fake):
    """The send answers before the report is posted: a callback that takes its time holds nobody."""
    fake.configure(callback_url=live_server.url + "/wechat/callback/", callback_token="a wrong token")
    openid = fake.add_user(openid="o-fast")["openid"]
    from wechat.client import official_account_client

    client = official_account_client()
    client.access_token
    started = time.perf_counter()
    for _ in range(20):
        client.message.send_template(openid, "tpl", {})
    elapsed = time.perf_counter() - started

    assert fake.wait_for_reports(10)
    assert fake.stats()["reports"]["rejected"] == 20  # our callback refused the bad signature
    assert elapsed < 1.0


def test_reports_queued_before_a_reset_are_dropped(wechat_settings, fake):
    """A test that resets the fake does not get the previous test's reports."""
    fake.configure(callback_url="http://127.0.0.1:9/wechat/callback/", callback_token="t")  # nobody answers
    openid = fake.add_user(openid="o-gone")["openid"]
    from wechat.client import official_account_client

    client = official_account_client()
    for _ in range(3):
        client.message.send_template(openid, "tpl", {})  # the first report is being tried, two wait
    fake.reset()

    assert fake.wait_for_reports(10)
    assert fake.stats()["reports"]["dropped"] >= 2
    assert fake.stats()["reports"]["delivered"] == 0
