"""Simultaneous events of one customer send ONE radar reminder (PostgreSQL, real threads)."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from customers import radar
from customers.models import RadarEvent
from customers.scans import scan_record
from stores.models import HeadOffice, Staff
from stores.services import qr_code_for
from tests.factories import CustomerFactory
from tests.threads import run_together
from wechat.models import Message

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def setup(org, monkeypatch):
    # No quiet hours, whatever the time of the run; and no per-process memory, so that only the
    # database decides (the threads share one process).
    HeadOffice.objects.create(name="测试品牌", radar_quiet_from=time(0), radar_quiet_until=time(0))
    radar.radar_cache_clear()
    monkeypatch.setattr(radar, "_memo", lambda *args, **kwargs: None)
    Staff.objects.filter(pk=org.assistant.pk).update(wechat_openid="o-staff-assistant")
    codes = [qr_code_for(org.store_a1, label=f"海报{n}") for n in range(6)]
    return codes


@pytest.mark.parametrize("round_", range(3))
def test_simultaneous_scans_of_one_customer_send_one_reminder(org, setup, round_):
    customer = CustomerFactory(openid=f"o-race-{round_}", store=org.store_a1, owner_assistant=org.assistant)
    run_together(*[(lambda code=code: scan_record(code=code, customer=customer, channel="oauth")) for code in setup])
    assert RadarEvent.objects.filter(customer=customer).count() == 6  # every scan is in the feed
    assert RadarEvent.objects.filter(customer=customer, reminder__isnull=False).count() == 1
    assert Message.objects.filter(key__startswith=f"radar:{customer.pk}:").count() == 1


def test_simultaneous_events_after_the_interval_send_one_more(org, setup):
    customer = CustomerFactory(openid="o-race-later", store=org.store_a1, owner_assistant=org.assistant)
    start = timezone.make_aware(datetime.combine(timezone.localdate(), time(10)))
    radar.radar_record(customer=customer, kind=RadarEvent.Kind.SCANNED, what="a", at=start)
    later = start + timedelta(minutes=31)
    run_together(*[(lambda n=n: radar.radar_record(customer=customer, kind=RadarEvent.Kind.SCANNED, what=f"b{n}",
                                                   at=later)) for n in range(6)])
    assert Message.objects.filter(key__startswith=f"radar:{customer.pk}:").count() == 2
    assert RadarEvent.objects.filter(customer=customer, reminder__isnull=False).count() == 2
