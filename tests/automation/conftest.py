from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from automation.models import Journey

TODAY = timezone.localdate()
# Every run of these tests happens at 10:30 store time today, within the send hours.
NOW = timezone.make_aware(datetime.combine(TODAY, time(10, 30)))


def at(days_ago: float, hour: int = 12):
    """A moment ``days_ago`` store days before today, at ``hour``."""
    return timezone.make_aware(datetime.combine(TODAY - timedelta(days=days_ago), time(hour, 0)))


def make_journey(**values) -> Journey:
    defaults = {"name": "测试旅程", "trigger": Journey.Trigger.DORMANT, "trigger_days": 90,
                "action": Journey.Action.TEMPLATE_MESSAGE, "title": "好久不见", "body": "老客福利等你来领",
                "status": Journey.Status.ACTIVE, "send_hour": 10}
    stores = values.pop("stores", None)
    journey = Journey.objects.create(**{**defaults, **values})
    if stores:
        journey.all_stores = False
        journey.save(update_fields=["all_stores"])
        journey.stores.set(stores)
    return journey


@pytest.fixture
def builtin_reminder(db):
    """The "优惠券到期提醒" journey the data migration made (coupons ending within 3 days)."""
    return Journey.objects.get(template="coupon_expiry")
