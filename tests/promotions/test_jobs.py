"""The coupon jobs (beat): expiry at night, "expires in N days" each morning once per coupon."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from customers.contacts import contacts_record
from promotions import tasks
from promotions.models import Coupon
from promotions.services import coupon_claim, coupons_remind_expiring
from stores.models import HeadOffice
from tests.factories import CustomerFactory
from wechat.models import Message

pytestmark = pytest.mark.django_db


def _coupon(definition, org, last_day_in: int, **customer):
    holder = CustomerFactory(store=org.store_a1, mobile="", **customer)
    coupon = coupon_claim(definition=definition, customer=holder)
    today = timezone.localdate()
    Coupon.objects.filter(pk=coupon.pk).update(valid_from=today - timedelta(days=10),
                                               valid_until=today + timedelta(days=last_day_in))
    return coupon


def _reminders():
    return Message.objects.filter(purpose="coupon_expiry")


def test_coupons_ending_within_3_days_are_reminded_once(definition, org):
    due = [_coupon(definition, org, days, openid=f"o-due-{days}") for days in (0, 1, 3)]
    later = _coupon(definition, org, 4, openid="o-later")
    without_wechat = _coupon(definition, org, 2, openid=None)

    assert tasks.coupons_remind_expiring() == {"queued": 3, "capped": 0}
    assert tasks.coupons_remind_expiring() == {"queued": 0, "capped": 0}  # rerun: nothing new

    assert sorted(_reminders().values_list("key", flat=True)) == sorted(f"coupon_expiry:{c.pk}" for c in due)
    reminder = _reminders().get(key=f"coupon_expiry:{due[2].pk}")
    assert reminder.is_marketing and reminder.data["number3"]["value"] == "3"
    assert not _reminders().filter(customer__in=[later.customer, without_wechat.customer]).exists()


def test_a_customer_who_opted_out_of_marketing_is_not_sent_a_reminder(definition, org):
    coupon = _coupon(definition, org, 1, openid="o-opted-out", marketing_opt_out=True)
    coupons_remind_expiring()
    assert _reminders().get(customer=coupon.customer).status == Message.Status.SKIPPED


def test_used_coupons_get_no_reminder_and_expired_ones_are_marked(definition, org):
    from promotions.services import coupon_redeem

    used = _coupon(definition, org, 1, openid="o-used")
    coupon_redeem(code=used.code, actor=org.assistant.user)
    stale = _coupon(definition, org, -1, openid="o-stale")

    assert coupons_remind_expiring()["queued"] == 0
    assert tasks.coupons_expire() == 1
    assert Coupon.objects.get(pk=stale.pk).status == Coupon.Status.EXPIRED
    assert Coupon.objects.get(pk=used.pk).status == Coupon.Status.REDEEMED


@pytest.mark.parametrize(("interval_days", "reminded"), [(7, False), (0, True)])
def test_a_customer_reached_yesterday_by_an_invitation_gets_no_reminder_under_the_cap(definition, org,
                                                                                    interval_days, reminded):
    """INV-11: the cap holds across every task and automation, this job included; 0 turns it off."""
    HeadOffice.objects.create(name="品牌", contact_interval_days=interval_days)
    reached = _coupon(definition, org, 1, openid="o-reached")
    free = _coupon(definition, org, 1, openid="o-free")
    # what an invitation call marked "reached" records (invitations.services, INV-11)
    contacts_record(customer_ids=[reached.customer_id], at=timezone.now() - timedelta(days=1))

    result = coupons_remind_expiring()

    assert result == {"queued": 2 if reminded else 1, "capped": 0 if reminded else 1}
    assert _reminders().filter(customer=reached.customer).exists() is reminded
    assert _reminders().filter(customer=free.customer).exists()
    if not reminded:  # left out, not lost: still due, so a run the cap allows reminds it
        HeadOffice.objects.update(contact_interval_days=1)
        assert coupons_remind_expiring() == {"queued": 1, "capped": 0}


def test_both_jobs_are_scheduled_in_shanghai_time():
    expire = PeriodicTask.objects.get(task="promotions.coupons_expire")
    remind = PeriodicTask.objects.get(task="promotions.coupons_remind_expiring")
    assert (expire.crontab.hour, remind.crontab.hour) == ("0", "10")
    assert str(remind.crontab.timezone) == "Asia/Shanghai" and expire.enabled and remind.enabled
