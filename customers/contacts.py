"""The contact-frequency cap (SPEC INV-11, seed 004's "smart revisit"): nobody invites or messages
a customer more often than head office's interval, across every invitation task and automation.

``Customer.last_contacted_at`` is the one fact the cap reads. Whatever reaches a customer for the
brand records it here (an invitation call or chat the assistant marks as reached, a WeCom group
send, a marketing message); whatever starts a new contact (a dispatch, a journey) asks
``contact_capped`` first and shows the capped customers as such instead of dropping them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from stores.models import HeadOffice

from .models import Customer


def contact_interval() -> timedelta | None:
    """Head office's minimum time between two contacts of one customer; None when the cap is off."""
    days = HeadOffice.current().contact_interval_days
    return timedelta(days=days) if days else None


def contacts_record(*, customer_ids: Iterable[int], at: datetime | None = None) -> int:
    """The customers were reached at ``at`` (now): one UPDATE, never moving the date backwards."""
    at = at or timezone.now()
    ids = list(customer_ids)
    if not ids:
        return 0
    return (Customer.objects.filter(pk__in=ids)
            .filter(Q(last_contacted_at__isnull=True) | Q(last_contacted_at__lt=at))
            .update(last_contacted_at=at))


def contact_allowed_from(last_contacted_at: datetime | None, *, interval: timedelta | None = None) -> datetime | None:
    """When the customer may be contacted again; None when they may be now."""
    interval = contact_interval() if interval is None else interval
    if not interval or last_contacted_at is None:
        return None
    allowed = last_contacted_at + interval
    return allowed if allowed > timezone.now() else None


def contact_capped(customers: QuerySet[Customer], *, now: datetime | None = None,
                   interval: timedelta | None = None) -> QuerySet[Customer]:
    """Those of ``customers`` that were contacted within the interval (may not be contacted now)."""
    interval = contact_interval() if interval is None else interval
    if not interval:
        return customers.none()
    return customers.filter(last_contacted_at__gt=(now or timezone.now()) - interval)
