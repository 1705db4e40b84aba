"""Celery tasks of promotions: take ids or nothing, call one service, harmless when rerun.
Scheduled by migration ``promotions/0002_coupon_schedules`` (django-celery-beat). The coupon-expiry
reminder is a marketing journey now (``automation``; its migration removed the old schedule)."""

from celery import shared_task


@shared_task(name="promotions.coupons_expire", ignore_result=True, time_limit=600, soft_time_limit=540)
def coupons_expire() -> int:
    """Nightly: unused coupons past their last valid day become expired."""
    from .services import coupons_expire as expire

    return expire()
