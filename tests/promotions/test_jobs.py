"""The nightly coupon job: unused coupons past their last day are expired. (The "expires in N
days" reminder is the built-in marketing journey now: tests/automation/test_run.py.)"""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from promotions import tasks
from promotions.models import Coupon
from promotions.services import coupon_claim, coupon_redeem
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _coupon(definition, org, last_day_in: int, **customer):
    holder = CustomerFactory(store=org.store_a1, mobile="", **customer)
    coupon = coupon_claim(definition=definition, customer=holder)
    today = timezone.localdate()
    Coupon.objects.filter(pk=coupon.pk).update(valid_from=today - timedelta(days=10),
                                               valid_until=today + timedelta(days=last_day_in))
    return coupon


def test_expired_coupons_are_marked_and_used_ones_stay_used(definition, org):
    used = _coupon(definition, org, 1, openid="o-used")
    coupon_redeem(code=used.code, actor=org.assistant.user)
    stale = _coupon(definition, org, -1, openid="o-stale")
    current = _coupon(definition, org, 0, openid="o-current")

    assert tasks.coupons_expire() == 1
    assert tasks.coupons_expire() == 0  # rerun: nothing new
    assert Coupon.objects.get(pk=stale.pk).status == Coupon.Status.EXPIRED
    assert Coupon.objects.get(pk=used.pk).status == Coupon.Status.REDEEMED
    assert Coupon.objects.get(pk=current.pk).status == Coupon.Status.CLAIMED  # its last day is today


def test_the_expiry_job_is_scheduled_in_shanghai_time_and_the_old_reminder_job_is_gone():
    expire = PeriodicTask.objects.get(task="promotions.coupons_expire")
    assert expire.crontab.hour == "0" and str(expire.crontab.timezone) == "Asia/Shanghai" and expire.enabled
    # automation/0002 replaced it with the "优惠券到期提醒" journey: nobody gets two reminders.
    assert not PeriodicTask.objects.filter(task="promotions.coupons_remind_expiring").exists()
