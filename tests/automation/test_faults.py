"""A journey run twice for the same day through a real Celery worker on Redis (two processes, at
the same moment) sends each customer's message exactly once to the fake WeChat server."""

import re
import uuid

import pytest

from automation import tasks
from automation.models import JourneyDelivery, JourneyRun
from tests.factories import CustomerFactory, OrderFactory
from tests.workers import Worker, publishing_to, redis_clean, wait_until  # noqa: F401  (fixture)
from wechat import outbox
from wechat.models import Message

from .conftest import NOW, at, make_journey

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def queue():
    """Journeys' and the outbox's tasks go to Redis, on a queue only this test's worker reads; the
    worker's own nudges (the messages a run queued) go to the default queue, which it reads too,
    emptied first of anything an earlier run left in this Redis database."""
    import redis

    from tests.conftest import REDIS_URL

    with publishing_to(f"test-journeys-{uuid.uuid4().hex[:8]}", "automation.", "wechat.") as name:
        outbox.broker_backoff_reset()
        outbox.gate.reset()
        redis.Redis.from_url(REDIS_URL).delete("celery")
        yield f"{name},celery"
    outbox.broker_backoff_reset()


def test_a_journey_run_twice_the_same_day_through_the_worker_sends_each_message_once(
        org, wechat_settings, fake, queue, redis_clean):
    journey = make_journey()
    openids = [fake.add_user(openid=f"o-j-{uuid.uuid4().hex[:10]}")["openid"] for _ in range(6)]
    for openid in openids:
        OrderFactory(customer=CustomerFactory(store=org.store_a1, openid=openid, mobile=""), placed_at=at(120))
    worker = Worker(fake, queue, "-c", "2")  # two worker processes: both runs at the same moment
    try:
        tasks.journey_run.delay(journey.pk, NOW.isoformat())
        tasks.journey_run.delay(journey.pk, NOW.isoformat())

        def both_done():
            return len(re.findall(r"Task automation\.journey_run\[[0-9a-f-]+\] succeeded", worker.output())) == 2

        assert wait_until(both_done, 60), worker.output()
        sent = Message.objects.filter(purpose="journey", status=Message.Status.SENT)
        assert wait_until(lambda: sent.count() == len(openids), 60), worker.output()
        for openid in openids:
            assert len(fake.messages(touser=openid)) == 1
        assert JourneyDelivery.objects.filter(journey=journey).count() == len(openids)
        assert Message.objects.filter(purpose="journey").count() == len(openids)
        run = JourneyRun.objects.get(journey=journey)
        assert run.acted == len(openids) and run.finished_at is not None
    finally:
        worker.stop()
