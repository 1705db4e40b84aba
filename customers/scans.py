"""Scans (QR-3): who scanned, find or create them, record the scan, let attribution decide.

The scan path is the hottest in the product. For a known customer it costs three queries: the
code (by token), the customer (by openid), and one INSERT of the scan; it never updates a
counter row, so one viral code scales like many codes.
"""

import time
from collections import OrderedDict

from django.utils import timezone

from stores.models import QRCode
from wechat.identity import Identity

from .attribution import attribution_on_scan
from .models import CodeTag, Customer, CustomerTag, PageType, ScanEvent
from .radar import radar_cache_clear, radar_enabled, radar_scan_record

PAGE_TYPES = frozenset(PageType.values)  # code targets that are pages the radar can name


# What the scan path reads of a customer: identity and attribution, nothing else.
SCAN_FIELDS = ("id", "openid", "unionid", "store_id", "owner_assistant_id", "bound_at", "created_at")


# The product's hottest read, as fixed SQL: compiling the ORM query cost about as much as running it.
_BY_OPENID = "SELECT {columns} FROM {table} WHERE openid = %s LIMIT 1".format(
    columns=", ".join(Customer._meta.get_field(f).column for f in SCAN_FIELDS), table=Customer._meta.db_table)


def customer_by_openid(openid: str) -> Customer | None:
    """The customer whose own openid this is: one indexed probe, the scan path's fixed SQL."""
    return next(iter(Customer.objects.raw(_BY_OPENID, [openid])), None)


def customer_for_identity(identity: Identity, *, source: str = Customer.Source.QR_SCAN) -> tuple[Customer, bool]:
    """The customer of this WeChat identity, created on first sight (``customers.identity``: the
    openid column first, then the customer's other identities and the unionid; two requests for
    the same new person at the same moment end with one customer)."""
    from .identity import identity_customer

    return identity_customer(identity, source=source)


CODE_CACHE_SECONDS = 60
CODE_CACHE_SIZE = 20_000
_codes: OrderedDict[str, tuple[float, QRCode | None]] = OrderedDict()


def code_by_token(token: str) -> QRCode | None:
    """The code of a token. Printed codes are read far more than they change, so each process
    keeps them for a minute: disabling a code or moving it takes effect within that time."""
    if not token or len(token) > 32:
        return None
    now = time.monotonic()
    hit = _codes.get(token)
    if hit is not None and hit[0] > now:
        return hit[1]
    code = next(iter(QRCode.objects.filter(token=token).select_related("staff", "store").order_by()[:1]), None)
    _codes[token] = (now + CODE_CACHE_SECONDS, code)
    _codes.move_to_end(token)
    while len(_codes) > CODE_CACHE_SIZE:
        _codes.popitem(last=False)
    return code


def code_cache_clear() -> None:
    _codes.clear()
    _code_tags.clear()
    radar_cache_clear()


# Which codes tag their scanners: one small map per process, read again once a minute, so that
# the scan path does not look for tags code by code.
_code_tags: dict = {}


def code_tag_ids(code_id: int) -> list[int]:
    now = time.monotonic()
    if _code_tags.get("expires", 0) <= now:
        mapping: dict[int, list[int]] = {}
        for qr_code_id, tag_id in CodeTag.objects.values_list("qr_code_id", "tag_id"):
            mapping.setdefault(qr_code_id, []).append(tag_id)
        _code_tags.update(expires=now + CODE_CACHE_SECONDS, mapping=mapping)
    return _code_tags["mapping"].get(code_id, [])


def _tag_scanner(customer: Customer, code: QRCode, now) -> None:
    tag_ids = code_tag_ids(code.pk)
    if tag_ids:
        CustomerTag.objects.bulk_create(
            [CustomerTag(customer=customer, tag_id=t, source=CustomerTag.Source.CODE, added_at=now) for t in tag_ids],
            ignore_conflicts=True,
        )


def scan_record(*, code: QRCode, identity: Identity | None = None, customer: Customer | None = None,
                channel: str, user_agent: str = "") -> ScanEvent:
    """Record one scan of an active code; bind the customer if attribution says so. The person is
    given as a WeChat ``identity`` (found or created here) or as an already known ``customer``."""
    now = timezone.now()
    bound = False
    if customer is None and identity is not None:
        # Creation and binding are each atomic on their own; a plain scan needs no transaction.
        customer, _created = customer_for_identity(identity)
    if customer is not None:
        bound = attribution_on_scan(customer=customer, code=code, now=now)
        _tag_scanner(customer, code, now)
    scan = ScanEvent(
        qr_code=code, customer=customer, target_type=code.target_type, target_id=code.target_id,
        store_id=code.store_id, staff_id=code.staff_id, channel=channel, user_agent=user_agent[:300],
        bound=bound, scanned_at=now,
    )
    if customer is None or customer.owner_assistant_id is None or not radar_enabled():
        scan.save(force_insert=True)
        return scan
    # An owned customer: the scan and the interaction radar's entry (QR-9, "王女士 正在看 <the code's
    # page>" for her assistant) are written together (one statement on PostgreSQL; measured: a
    # transaction of their own doubled the scan's time, bench/bench_radar.py).
    page = code.target_type in PAGE_TYPES
    radar_scan_record(scan=scan, customer=customer, page_type=code.target_type if page else None,
                      page_id=code.target_id if page else None, what=code.label)
    return scan
