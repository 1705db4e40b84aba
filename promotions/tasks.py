"""Celery tasks of promotions: take ids or nothing, call one service, harmless when rerun.
Scheduled by migration ``promotions/0002_coupon_schedules`` (django-celery-beat)."""

from celery import shared_task


@shared_task(name="promotions.coupons_expire", ignore_result=True, time_limit=600, soft_time_limit=540)
def coupons_expire() -> int:
    """Nightly: unused coupons past their last valid day become expired."""
    from .services import coupons_expire as expire

    return expire()


@shared_task(name="promotions.coupons_remind_expiring", ignore_result=True, time_limit=1800, soft_time_limit=1700)
def coupons_remind_expiring() -> dict[str, int]:
    """Every morning: "your coupon expires in N days" for coupons ending within 3 days, once each
    (``{"queued", "capped"}``: customers under the contact cap wait for a later morning)."""
    from .services import coupons_remind_expiring as remind

    return remind()
