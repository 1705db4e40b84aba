"""Store days: a day is an Asia/Shanghai day (``settings.TIME_ZONE``, ``timezone.localdate()``),
never a UTC one. Filters on datetimes use these bounds so that they stay index-friendly."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone


def day_start(day: date) -> datetime:
    """The first moment of the store day ``day`` (local midnight), an aware datetime."""
    return timezone.make_aware(datetime.combine(day, time.min))


def day_range(day: date) -> tuple[datetime, datetime]:
    """[start, end) of the store day ``day`` as aware datetimes."""
    return day_start(day), day_start(day + timedelta(days=1))
