"""The contact-frequency cap (SPEC INV-11, seed 004's "smart revisit"): nobody invites or messages
a customer more often than head office's interval, across every invitation task and automation.

``Customer.last_contacted_at`` is the one fact the cap reads. Whatever reaches a customer for the
brand records it here (an invitation call or chat the assistant marks as reached, a WeCom group
send, a marketing message the outbox sent); whatever starts a new contact (a dispatch, a journey)
asks the cap first and shows the capped customers as such instead of dropping them.

A list or a dispatch reads head office's interval once (:func:`contact_cap`, one query) and asks
the returned :class:`ContactCap` about each customer, in SQL (``capped_q``) or in Python
(``allowed_from``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from common.days import day_start
from stores.models import HeadOffice

from .models import Customer


def contact_interval_days() -> int:
    """Head office's minimum number of store days between two contacts of one customer; 0: no cap."""
    return HeadOffice.current().contact_interval_days


@dataclass(frozen=True)
class ContactCap:
    """Head office's cap at one moment, counted in store days (Asia/Shanghai): a customer contacted
    on day D may be contacted again from the start of day D + ``days``, whatever the hour, so
    "can be invited from 12-05" holds from the morning of 12-05. ``days`` 0: no cap."""

    days: int
    now: datetime

    @property
    def on(self) -> bool:
        return self.days > 0

    def _capped_since(self) -> datetime:
        """Contacts at or after this moment still cap the customer ``now``."""
        return day_start(timezone.localdate(self.now) - timedelta(days=self.days - 1))

    def capped_q(self) -> Q:
        """Customers contacted too recently to be contacted ``now`` (never matches when off)."""
        if not self.on:
            return Q(pk__isnull=True)  # always false; an empty IN would drop a whole aggregate query
        return Q(last_contacted_at__gte=self._capped_since())

    def allowed_from(self, last_contacted_at: datetime | None) -> datetime | None:
        """When a customer last contacted at ``last_contacted_at`` may be contacted again; None: now."""
        if not self.on or last_contacted_at is None:
            return None
        allowed = day_start(timezone.localdate(last_contacted_at) + timedelta(days=self.days))
        return allowed if allowed > self.now else None


def contact_cap(*, now: datetime | None = None) -> ContactCap:
    """The cap as head office sets it now (one query)."""
    return ContactCap(days=contact_interval_days(), now=now or timezone.now())


def contacts_record(*, customer_ids: Iterable[int], at: datetime | None = None) -> int:
    """The customers were reached at ``at`` (now), never moving the date backwards."""
    at = at or timezone.now()
    ids = list(customer_ids)
    if not ids:
        return 0
    older = Q(last_contacted_at__isnull=True) | Q(last_contacted_at__lt=at)
    with transaction.atomic():
        # Lock in pk order first, as a dispatch does, so a group send's batch and a dispatch of
        # overlapping customers wait for each other instead of deadlocking.
        locked = list(Customer.objects.select_for_update().filter(older, pk__in=ids).order_by("pk")
                      .values_list("pk", flat=True))
        return Customer.objects.filter(pk__in=locked).update(last_contacted_at=at) if locked else 0
