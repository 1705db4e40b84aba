"""The relay for masked calls (隐号通讯, CUS-11), behind one adapter.

A relay provider binds a staff member's phone and a customer's phone to a virtual number for a
while: each side dials the virtual number and reaches the other, and neither sees the other's
real number. Carriers and cloud vendors sell this as "privacy numbers" (AXB binding). The product
talks to the provider only through :func:`provider` and the :class:`RelayProvider` interface;
``RELAY_PROVIDER`` names the class (dotted path) and ``RELAY_SESSION_MINUTES`` how long a binding
lives. The embedded default and the tests use :class:`FakeRelayProvider`, which keeps bindings
in memory and hands out numbers from the 170 range (virtual operators).
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


class RelayUnavailable(Exception):
    """The provider could not make a binding (no free number, provider down)."""


@dataclass(frozen=True)
class RelayBinding:
    virtual_number: str
    provider_ref: str
    expires_at: datetime


class RelayProvider(Protocol):
    def bind(self, *, staff_phone: str, customer_phone: str, minutes: int) -> RelayBinding:
        """Bind both phones to one virtual number for ``minutes``; raise RelayUnavailable if not."""

    def unbind(self, *, provider_ref: str) -> None:
        """End a binding early (the customer was erased). Unknown references are ignored."""


class FakeRelayProvider:
    """In-memory provider: the same pair of phones gets the same virtual number while bound."""

    def __init__(self):
        self._lock = threading.Lock()
        self.bindings: dict[str, tuple[str, str, str, datetime]] = {}

    def bind(self, *, staff_phone: str, customer_phone: str, minutes: int) -> RelayBinding:
        if not staff_phone or not customer_phone:
            raise RelayUnavailable("both phones are needed")
        digest = hashlib.sha256(f"{staff_phone}:{customer_phone}".encode()).hexdigest()
        virtual_number = "170" + str(int(digest[:12], 16))[-8:].rjust(8, "0")
        expires_at = timezone.now() + timedelta(minutes=minutes)
        ref = f"fake-{uuid.uuid4().hex[:16]}"
        with self._lock:
            self.bindings[ref] = (staff_phone, customer_phone, virtual_number, expires_at)
        return RelayBinding(virtual_number=virtual_number, provider_ref=ref, expires_at=expires_at)

    def unbind(self, *, provider_ref: str) -> None:
        with self._lock:
            self.bindings.pop(provider_ref, None)


@lru_cache(maxsize=4)
def _provider_for(path: str) -> RelayProvider:
    return import_string(path)()


def provider() -> RelayProvider:
    """The configured provider (one instance per process)."""
    return _provider_for(settings.RELAY_PROVIDER)


def session_minutes() -> int:
    return max(1, int(getattr(settings, "RELAY_SESSION_MINUTES", 30)))
