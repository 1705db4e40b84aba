"""Redis down while coupons are claimed and redeemed (a real Redis of our own, killed and started
again, and a real Celery worker): the claim and the redemption commit at once; the claim's
message waits as a committed outbox row and goes out through the worker once Redis is back."""

import socket
import subprocess
import time
import uuid

import pytest

from promotions.models import Coupon, Redemption
from promotions.services import coupon_claim, coupon_redeem
from tests import workers
from tests.factories import CustomerFactory
from tests.workers import Worker, wait_until
from wechat import outbox, tasks
from wechat.models import Message

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


class OwnRedis:
    """A redis-server on a free port that this test may kill (the shared one stays up)."""

    def __init__(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert wait_until(self.up, 10), "redis-server did not start"

    def up(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def kill(self):
        self.process.kill()
        self.process.wait(10)
        assert not self.up()


@pytest.fixture
def own_redis():
    server = OwnRedis()
    server.start()
    yield server
    if server.process.poll() is None:
        server.process.kill()
        server.process.wait(10)


@pytest.fixture
def publishing_to(own_redis):
    """This process publishes the outbox's tasks to our Redis, on a queue only this test's worker reads."""
    with workers.publishing_to(f"test-coupons-{uuid.uuid4().hex[:8]}", "wechat.", broker_url=own_redis.url) as name:
        outbox.broker_backoff_reset()
        yield name
    outbox.broker_backoff_reset()


def test_with_redis_down_claims_and_redemptions_commit_and_messages_go_out_when_it_is_back(
        org, definition, own_redis, publishing_to, wechat_settings, fake):
    worker = Worker(fake, publishing_to, "-P", "solo", REDIS_URL=own_redis.url)
    try:
        holder = CustomerFactory(store=org.store_a1, openid=fake.add_user(openid="o-redis-down")["openid"],
                                 mobile="")
        own_redis.kill()

        started = time.monotonic()
        coupon = coupon_claim(definition=definition, customer=holder)
        redemption = coupon_redeem(code=coupon.code, actor=org.assistant.user)
        assert time.monotonic() - started < 5  # the request is not held up by the dead broker

        # Committed, whatever the broker: the coupon, the stock, the redemption, the queued message.
        assert Coupon.objects.get(pk=coupon.pk).status == Coupon.Status.REDEEMED
        assert Redemption.objects.filter(pk=redemption.pk).exists()
        message = Message.objects.get(key=f"coupon_claimed:{coupon.pk}")
        assert message.status == Message.Status.PENDING and not fake.messages(touser=holder.openid)

        own_redis.start()
        outbox.broker_backoff_reset()
        tasks.messages_dispatch_due()  # the beat job, once a minute in production

        assert wait_until(lambda: Message.objects.get(pk=message.pk).status == Message.Status.SENT, 60), \
            worker.output()
        (received,) = fake.messages(touser=holder.openid)
        assert received["data"]["thing1"]["value"] == definition.name
    finally:
        worker.stop()
