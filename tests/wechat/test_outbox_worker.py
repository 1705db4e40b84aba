"""The outbox with a real Celery worker on Redis, the fake WeChat and our callback on live servers.

The worker is a separate process sharing the PostgreSQL test database; it reaches the fake
WeChat (started in this process on port 0) through ``WECHAT_API_BASE`` in its environment. The
fake reports deliveries to our callback on the live server, as WeChat does. The dispatcher and
the recovery job run here, in the test process, publishing to the worker through Redis.
"""

import re
import time
import uuid
from collections import Counter

import pytest
from django.utils import timezone

from wechat import outbox, tasks
from wechat.errors import next_shanghai_midnight
from wechat.models import Message

from ..workers import HTTP_TIMEOUT, Worker, publishing_to, redis_clean, wait_until  # noqa: F401  (fixtures)

TEMPLATE_PATH = "/cgi-bin/message/template/send"
pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def queue():
    """This process publishes the outbox's tasks to Redis, on a queue only this test's workers read."""
    with publishing_to(f"test-outbox-{uuid.uuid4().hex[:8]}", "wechat.") as name:
        outbox.broker_backoff_reset()
        outbox.gate.reset()
        yield name


@pytest.fixture
def world(live_server, wechat_settings, fake, queue, redis_clean):
    """Fake WeChat reporting deliveries to our callback on the live server; short recovery windows."""
    fake.configure(callback_url=live_server.url + "/wechat/callback/", callback_token=wechat_settings.WECHAT_TOKEN)
    wechat_settings.WECHAT_OUTBOX_REPORT_GRACE_SECONDS = 0
    workers = []

    def start(*args, **env) -> Worker:
        worker = Worker(fake, queue, *args, **env)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


def task_ids(worker: Worker) -> list[str]:
    """Ids of the send tasks the worker received."""
    return re.findall(r"Task wechat\.message_send\[([0-9a-f-]+)\] received", worker.output())


def users(fake, count: int, **values) -> list[str]:
    return [fake.add_user(openid=f"o-{uuid.uuid4().hex[:12]}", **values)["openid"] for _ in range(count)]


def enqueue(openid: str) -> Message:
    # No surrounding transaction: the nudge is published to the worker at once.
    return outbox.message_enqueue(key=uuid.uuid4().hex, openid=openid, template_id="tpl-order-shipped",
                                  data={"thing1": {"value": "已发货"}}, purpose="logistics_node")


def status_of(message: Message) -> str:
    return Message.objects.get(pk=message.pk).status


def attempted(message: Message) -> bool:
    """The worker is done with its attempt (whatever came of it)."""
    row = Message.objects.get(pk=message.pk)
    return row.status != Message.Status.SENDING and (row.status != Message.Status.PENDING or row.attempts > 0)


def settle(fake, settings, **windows) -> dict:
    """Let the delivery reports in, then run the recovery job (here, with the given windows)."""
    assert fake.wait_for_reports(15)
    for name, seconds in windows.items():
        setattr(settings, f"WECHAT_OUTBOX_{name.upper()}_SECONDS", seconds)
    return outbox.messages_recover()


def test_a_batch_is_sent_exactly_once_however_often_it_is_nudged(world, fake, settings):
    world("-P", "prefork", "-c", "3")
    openids = users(fake, 60)

    messages = [enqueue(openid) for openid in openids]
    for message in messages:  # duplicate deliveries of the task, and the dispatcher on top
        outbox.message_nudge(message.pk)
    tasks.messages_dispatch_due()

    assert wait_until(lambda: Message.objects.filter(status=Message.Status.SENT).count() == 60, 60), \
        Counter(Message.objects.values_list("status", flat=True))
    received = Counter(m["touser"] for m in fake.messages())
    assert received == Counter(openids)  # every user exactly once
    assert fake.stats()["calls"][TEMPLATE_PATH] == 60
    settle(fake, settings)
    assert set(Message.objects.values_list("delivery", flat=True)) == {"success"}


@pytest.mark.parametrize(("fault", "user_values", "expected"), [
    ({"errcode": 45009}, {}, "pending-until-midnight"),
    ({"errcode": 40001}, {}, "sent-after-one-token-refresh"),
    ({"errcode": 42001}, {}, "sent-after-one-token-refresh"),
    (None, {"subscribed": False}, "failed-43004"),
    ({"status": 502}, {}, "sent-on-the-retry"),
    ({"status": 503}, {}, "sent-on-the-retry"),
    ({"delay": HTTP_TIMEOUT + 1}, {}, "timed-out-but-delivered"),
    ({"delay": HTTP_TIMEOUT + 1, "status": 504}, {}, "timed-out-not-delivered"),
])
def test_faults_under_a_real_worker(world, fake, settings, fault, user_values, expected):
    world("-P", "solo")
    (openid,) = users(fake, 1, **user_values)
    if fault:
        fake.add_fault(TEMPLATE_PATH, **fault)

    message = enqueue(openid)
    assert wait_until(lambda: attempted(message))
    message.refresh_from_db()

    if expected == "pending-until-midnight":
        assert (message.status, message.last_error_code) == (Message.Status.PENDING, 45009)
        assert message.next_attempt_at == next_shanghai_midnight(timezone.now())
    elif expected == "sent-after-one-token-refresh":
        assert (message.status, message.attempts) == (Message.Status.SENT, 1)
        assert fake.stats()["token_fetches"] == {"wx-fake-app-id": 2}
    elif expected == "failed-43004":
        assert (message.status, message.last_error_code) == (Message.Status.FAILED, 43004)
        Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
        tasks.messages_dispatch_due()
        time.sleep(1)
        assert fake.stats()["calls"][TEMPLATE_PATH] == 1  # never tried again
    elif expected == "sent-on-the-retry":
        assert (message.status, message.attempts) == (Message.Status.PENDING, 1)
        Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
        tasks.messages_dispatch_due()
        assert wait_until(lambda: status_of(message) == Message.Status.SENT)
    elif expected == "timed-out-but-delivered":
        assert message.status == Message.Status.UNCERTAIN  # no resend on the spot
        assert wait_until(lambda: fake.messages(touser=openid))  # WeChat sends it after all, and reports it
        assert settle(fake, settings)["settled"] == 1
        assert status_of(message) == Message.Status.SENT
    elif expected == "timed-out-not-delivered":
        assert message.status == Message.Status.UNCERTAIN
        time.sleep(1.5)  # the fake's delayed 504: nothing sent, nothing reported
        assert settle(fake, settings, settle=0)["requeued"] == 1
        tasks.messages_dispatch_due()
        assert wait_until(lambda: status_of(message) == Message.Status.SENT)
    assert len(fake.messages(touser=openid)) == (0 if expected in ("pending-until-midnight", "failed-43004") else 1)


@pytest.mark.parametrize("wechat_took_it", [True, False])
def test_a_worker_killed_mid_send_does_not_send_twice(world, fake, settings, wechat_took_it):
    # The worker waits longer than WeChat takes, so it is killed while waiting for the answer.
    first = world("-P", "solo", http_timeout=10)
    (openid,) = users(fake, 1)
    fake.add_fault(TEMPLATE_PATH, delay=2, **({} if wechat_took_it else {"status": 504}))

    message = enqueue(openid)
    assert wait_until(lambda: fake.stats()["calls"].get(TEMPLATE_PATH) == 1, 30), first.output()
    first.kill()
    assert status_of(message) == Message.Status.SENDING
    time.sleep(2.5)  # WeChat finishes (or drops) the send and reports it

    recovered = settle(fake, settings, lease=0)
    if wechat_took_it:
        assert recovered == {"uncertain": 1, "settled": 1, "requeued": 0, "dead": 0}
        assert status_of(message) == Message.Status.SENT
    else:
        assert recovered == {"uncertain": 1, "settled": 0, "requeued": 0, "dead": 0}
        assert settle(fake, settings, settle=0)["requeued"] == 1  # no report came: not delivered

    # A new worker; a short visibility timeout makes Redis hand it the killed worker's task too.
    second = world("-P", "solo", CELERY_VISIBILITY_TIMEOUT="1")
    tasks.messages_dispatch_due()
    assert wait_until(lambda: status_of(message) == Message.Status.SENT and fake.wait_for_reports(1), 30)
    (killed_task,) = task_ids(first)
    assert wait_until(lambda: killed_task in task_ids(second), 15), second.output()  # redelivered, harmless
    time.sleep(1)

    message.refresh_from_db()
    (received,) = fake.messages(touser=openid)  # once, whatever happened
    assert message.wechat_msgid == received["msgid"]
    assert message.attempts == (1 if wechat_took_it else 2)
