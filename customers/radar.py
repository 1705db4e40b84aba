"""The interaction radar (互动雷达, QR-9): "王女士 正在看 岛台厨房方案", for the assistant who owns her.

When an owned customer scans a code, opens a shared page (or their family opens what they
shared), looks at a page again, keeps a page or claims a coupon, ``radar_record`` writes one
``RadarEvent`` for the customer's owner assistant and store; the workbench shows the feed newest
first (``customers.radar_views``). Nothing is written for customers nobody owns, nor when a member
of staff looks at their own pages (their WeChat openid is a staff openid).

It sits on the scan path, so it is cheap. The rules it needs (reminder interval, quiet hours from
``HeadOffice``; which openids are staff) are read once a minute per process, like the scan path's
codes. When no reminder can be due for the customer (quiet hours, reminders off, or the process
knows their turn is not back yet) PostgreSQL writes the scan and its entry in ONE statement
(``radar_scan_record``: a data-modifying CTE), so an owned customer's scan keeps its two round trips
and one commit; otherwise the scan, the entry and the reminder are one transaction.

Reminders. The assistant gets at most one reminder about the same customer per
``HeadOffice.radar_remind_minutes`` (0: none), never in the quiet hours (``radar_quiet_from`` ..
``radar_quiet_until``, store time; the feed still gets the entry), through
``wechat.outbox.staff_remind`` (needs the assistant's bound WeChat; otherwise the feed alone).
The one fact is ``RadarReminder.reminded_at``: a conditional UPDATE (``reminded_at <= now -
interval``) or the INSERT of the first row takes the turn, so of simultaneous events exactly one
reminds (the others wait on the row lock or the primary key and then find it taken). The message
is queued in the same transaction as the entry, keyed ``radar:<customer>:<interval slot>``. Each
process remembers, for a minute at most, until when a customer's next reminder cannot be due, so
a busy customer's scans do not ask the database again and again.

Lock order: the ``RadarReminder`` row only (the customer row is never locked here).
``RADAR_ENABLED`` (settings, default on) switches the whole radar off, e.g. for the benchmark.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, time as clock, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from stores.models import HeadOffice, Staff

from .models import Customer, RadarEvent, RadarReminder

Kind = RadarEvent.Kind

CACHE_SECONDS = 60
MEMO_SIZE = 50_000
# A view of the page a scan or a share open just led to is that scan or open, not a "view again".
ECHO_WINDOW = timedelta(minutes=2)
WHAT_MAX_LENGTH = RadarEvent._meta.get_field("what").max_length


@dataclass(frozen=True)
class RadarRules:
    remind_minutes: int
    quiet_from: clock
    quiet_until: clock

    def in_quiet_hours(self, at: datetime) -> bool:
        now = timezone.localtime(at).time()
        if self.quiet_from == self.quiet_until:
            return False
        if self.quiet_from < self.quiet_until:
            return self.quiet_from <= now < self.quiet_until
        return now >= self.quiet_from or now < self.quiet_until  # over midnight: 21:00 .. 08:00


_rules: dict = {}
_staff_openids: dict = {}
# customer id -> (event time before which no reminder is due, monotonic time this memory expires)
_not_due: dict[int, tuple[datetime, float]] = {}


def radar_cache_clear() -> None:
    _rules.clear()
    _staff_openids.clear()
    _not_due.clear()


def radar_enabled() -> bool:
    return bool(getattr(settings, "RADAR_ENABLED", True))


def radar_rules() -> RadarRules:
    """Head office's reminder rules, read once a minute per process."""
    now = time.monotonic()
    if _rules.get("expires", 0) <= now:
        office = HeadOffice.current()
        _rules.update(expires=now + CACHE_SECONDS, rules=RadarRules(
            office.radar_remind_minutes, office.radar_quiet_from, office.radar_quiet_until))
    return _rules["rules"]


def _is_staff_openid(openid: str | None) -> bool:
    if not openid:
        return False
    now = time.monotonic()
    if _staff_openids.get("expires", 0) <= now:
        openids = frozenset(Staff.objects.exclude(wechat_openid="").values_list("wechat_openid", flat=True))
        _staff_openids.update(expires=now + CACHE_SECONDS, openids=openids)
    return openid in _staff_openids["openids"]


_OWNER_FIELDS = ("owner_assistant_id", "store_id", "openid")


def _owner_fields(customer: Customer) -> tuple[int | None, int | None, str | None]:
    """Owner, store and openid of ``customer``; one query only when the caller loaded less
    (the H5 pages load a visitor's id and openid only)."""
    if customer.get_deferred_fields() & set(_OWNER_FIELDS):
        row = Customer.objects.filter(pk=customer.pk).values_list(*_OWNER_FIELDS).first()
        if row is None:
            return None, None, None
        customer.owner_assistant_id, customer.store_id, customer.openid = row
    return customer.owner_assistant_id, customer.store_id, customer.openid


def radar_record(*, customer: Customer | None, kind: str, page_type: str | None = None, page_id: int | None = None,
                 what: str = "", related_customer: Customer | None = None,
                 at: datetime | None = None) -> RadarEvent | None:
    """Write one radar entry for ``customer``'s owner assistant (and remind them, rate-limited).
    None when there is nothing to write: the radar is off, nobody owns the customer, the visitor
    is staff, or a "view again" merely follows the scan or share open of the same page."""
    if customer is None or customer.pk is None or not radar_enabled():
        return None
    owner_id, store_id, openid = _owner_fields(customer)
    if owner_id is None or _is_staff_openid(openid):
        return None
    return _record(customer_id=customer.pk, owner_id=owner_id, store_id=store_id, kind=kind,
                   page_type=page_type or "", page_id=page_id, what=(what or "")[:WHAT_MAX_LENGTH],
                   related_id=related_customer.pk if related_customer is not None else None,
                   at=at or timezone.now())


@transaction.atomic(savepoint=False)
def _record(*, customer_id, owner_id, store_id, kind, page_type, page_id, what, related_id, at) -> RadarEvent | None:
    if kind == Kind.VIEWED_AGAIN and RadarEvent.objects.filter(
            customer_id=customer_id, page_type=page_type, page_id=page_id,
            occurred_at__gte=at - ECHO_WINDOW, occurred_at__lte=at).exists():
        return None
    event = RadarEvent(customer_id=customer_id, assistant_id=owner_id, store_id=store_id, kind=kind,
                       page_type=page_type, page_id=page_id, what=what, related_customer_id=related_id,
                       occurred_at=at)
    event.reminder = _remind(event)
    event.save(force_insert=True)
    return event


def _memo(customer_id: int, not_before: datetime, rules_interval: timedelta) -> None:
    if len(_not_due) >= MEMO_SIZE:
        _not_due.clear()  # it only saves queries: forgetting is always safe
    _not_due[customer_id] = (not_before, time.monotonic() + min(CACHE_SECONDS, rules_interval.total_seconds()))


def _turn_taken(customer_id: int, at: datetime, interval: timedelta) -> bool:
    """Whether this event takes the customer's reminder turn (the conditional UPDATE, or the
    first row). Remembers, for a while, until when the next turn cannot come."""
    memo = _not_due.get(customer_id)
    if memo is not None and at < memo[0] and time.monotonic() < memo[1]:
        return False
    if RadarReminder.objects.filter(customer_id=customer_id, reminded_at__lte=at - interval).update(reminded_at=at):
        _memo(customer_id, at + interval, interval)
        return True
    last = RadarReminder.objects.filter(customer_id=customer_id).values_list("reminded_at", flat=True).first()
    if last is None:
        try:
            with transaction.atomic():
                RadarReminder.objects.create(customer_id=customer_id, reminded_at=at)
        except IntegrityError:  # a simultaneous event took the first turn
            _memo(customer_id, at + interval, interval)
            return False
        _memo(customer_id, at + interval, interval)
        return True
    _memo(customer_id, last + interval, interval)
    return False


def _remind(event: RadarEvent):
    rules = radar_rules()
    if rules.remind_minutes <= 0 or rules.in_quiet_hours(event.occurred_at):
        return None
    interval = timedelta(minutes=rules.remind_minutes)
    if not _turn_taken(event.customer_id, event.occurred_at, interval):
        return None
    staff = Staff.objects.select_related("store").filter(pk=event.assistant_id, is_active=True).first()
    if staff is None or not staff.wechat_openid:
        return None  # the feed alone: they have not bound their WeChat (or have left)
    from wechat.outbox import staff_remind

    slot = int(event.occurred_at.timestamp() // interval.total_seconds())
    with translation.override(settings.LANGUAGE_CODE):
        customer = Customer.objects.only("id", "name", "mobile", "openid").get(pk=event.customer_id)
        line = f"{customer.display_name} {radar_action(event, what=radar_what(event, radar_pages([event])))}"
        return staff_remind(
            staff=staff, key=f"radar:{event.customer_id}:{slot}", title=_("Customer activity"), body=line,
            url=settings.PUBLIC_BASE_URL + reverse("workbench:customer", args=[event.customer_id]),
        )


# --- The scan path ---------------------------------------------------------------------------------


def _reminder_cannot_be_due(customer_id: int, at: datetime) -> bool:
    """True when, without asking the database, no reminder can be due for this event."""
    rules = radar_rules()
    if rules.remind_minutes <= 0 or rules.in_quiet_hours(at):
        return True
    memo = _not_due.get(customer_id)
    return memo is not None and at < memo[0] and time.monotonic() < memo[1]


_SCAN_COLUMNS = ("qr_code_id", "customer_id", "target_type", "target_id", "store_id", "staff_id", "channel",
                 "user_agent", "bound", "scanned_at")
_ENTRY_COLUMNS = ("customer_id", "assistant_id", "store_id", "kind", "page_type", "page_id", "what", "occurred_at")
_SCAN_AND_ENTRY_SQL = None


def _scan_and_entry_sql() -> str:
    """One statement for both rows (PostgreSQL): the scan's INSERT and the entry's INSERT in a
    data-modifying CTE, so an owned customer's scan is still one round trip and one commit."""
    global _SCAN_AND_ENTRY_SQL
    if _SCAN_AND_ENTRY_SQL is None:
        from .models import ScanEvent

        def columns(model, names):
            return ", ".join(model._meta.get_field(name).column for name in names)  # attnames are found too

        _SCAN_AND_ENTRY_SQL = (
            f"WITH scan AS (INSERT INTO {ScanEvent._meta.db_table} ({columns(ScanEvent, _SCAN_COLUMNS)}) "
            f"VALUES ({', '.join(['%s'] * len(_SCAN_COLUMNS))}) RETURNING id) "
            f"INSERT INTO {RadarEvent._meta.db_table} ({columns(RadarEvent, _ENTRY_COLUMNS)}) "
            f"SELECT {', '.join(['%s'] * len(_ENTRY_COLUMNS))} FROM scan RETURNING (SELECT id FROM scan), id"
        )
    return _SCAN_AND_ENTRY_SQL


def radar_scan_record(*, scan, customer: Customer, page_type: str | None, page_id: int | None,
                      what: str) -> RadarEvent | None:
    """Save ``scan`` (a ``ScanEvent`` not saved yet) of an owned ``customer`` and write its
    "scanned" entry. When no reminder can be due (the usual case on a busy code: the process knows
    the customer's turn is not back yet), PostgreSQL writes both rows in one statement; otherwise
    both rows and the reminder are one transaction."""
    at = scan.scanned_at
    owner_id, store_id, openid = _owner_fields(customer)
    if owner_id is None or _is_staff_openid(openid) or not radar_enabled():
        scan.save(force_insert=True)
        return None
    what = (what or "")[:WHAT_MAX_LENGTH]
    if connection.vendor == "postgresql" and _reminder_cannot_be_due(customer.pk, at):
        with connection.cursor() as cursor:
            cursor.execute(_scan_and_entry_sql(), [
                scan.qr_code_id, scan.customer_id, scan.target_type, scan.target_id, scan.store_id, scan.staff_id,
                scan.channel, scan.user_agent, scan.bound, at,
                customer.pk, owner_id, store_id, Kind.SCANNED, page_type or "", page_id, what, at])
            scan.pk, entry_id = cursor.fetchone()
        scan._state.adding, scan._state.db = False, connection.alias
        return RadarEvent(pk=entry_id, customer_id=customer.pk, assistant_id=owner_id, store_id=store_id,
                          kind=Kind.SCANNED, page_type=page_type or "", page_id=page_id, what=what, occurred_at=at)
    with transaction.atomic():
        scan.save(force_insert=True)
        return _record(customer_id=customer.pk, owner_id=owner_id, store_id=store_id, kind=Kind.SCANNED,
                       page_type=page_type or "", page_id=page_id, what=what, related_id=None, at=at)


# --- Reading the feed -------------------------------------------------------------------------


def radar_pages(events) -> dict:
    """The pages the entries point at (withdrawn ones too: the entry happened): one query per type."""
    from .pages import pages_by_key

    return pages_by_key(((e.page_type, e.page_id) for e in events if e.page_type and e.page_id), public_only=False)


def radar_what(event: RadarEvent, pages: dict) -> str:
    page = pages.get((event.page_type, event.page_id)) if event.page_type else None
    return str(page) if page is not None else (event.what or _("a page"))


def radar_action(event: RadarEvent, *, what: str, other: str = "") -> str:
    """What the customer did, after their name: "正在看 岛台厨房方案"."""
    values = {"what": what, "other": other}
    if event.kind == Kind.SCANNED:
        return _("is looking at %(what)s") % values
    if event.kind == Kind.VIEWED_AGAIN:
        return _("is looking at %(what)s again") % values
    if event.kind == Kind.OPENED_SHARE:
        return (_("opened %(what)s shared by %(other)s") if other else _("opened the shared %(what)s")) % values
    if event.kind == Kind.FAMILY_OPENED:
        return (_("shared %(what)s; %(other)s opened it") if other else _("shared %(what)s; family opened it")) % values
    if event.kind == Kind.FAVOURITED:
        return _("saved %(what)s") % values
    if event.kind == Kind.CLAIMED_COUPON:
        return _("claimed the coupon %(what)s") % values
    return f"{event.get_kind_display()} · {what}"


@dataclass
class FeedLine:
    event: RadarEvent
    action: str


def radar_feed(*, viewer, after: int | None = None, limit: int = 30) -> list[FeedLine]:
    """The entries ``viewer`` may see, newest first (an assistant: their own; a manager: the
    store's; a supervisor: the region's; head office: all), only those after id ``after`` when
    given (the page's polling). Two queries plus one per page type."""
    queryset = (RadarEvent.objects.visible_to(viewer)
                .select_related("customer", "related_customer", "assistant", "store")
                .order_by("-occurred_at", "-id"))
    if after is not None:
        queryset = queryset.filter(id__gt=after)
    events = list(queryset[:limit])
    pages = radar_pages(events)
    nameable = radar_nameable(events, viewer)
    lines = []
    for event in events:
        other = event.related_customer.display_name if event.related_customer_id in nameable else ""
        lines.append(FeedLine(event, radar_action(event, what=radar_what(event, pages), other=str(other))))
    return lines


def radar_nameable(events, viewer) -> set[int]:
    """The other customers of these entries (the sharer, the family member who opened) that
    ``viewer`` may see: only they are named; anyone else is "family" / no name (ORG-3). One query."""
    others = {event.related_customer_id for event in events if event.related_customer_id}
    if not others:
        return set()
    return set(Customer.objects.visible_to(viewer).filter(pk__in=others).values_list("pk", flat=True))
