"""Who is this WeChat identity? (CUS-12: one person, one customer.)

The resolver every page and callback uses (``customers.scans.customer_for_identity`` calls it):

1. ``Customer.openid`` — one indexed probe (the scan path's fixed SQL); almost every request ends
   here.
2. ``CustomerIdentity`` ``(openid, value)`` — an openid that came with a merge or a second app of
   the brand. One more indexed probe, only when 1 missed.
3. The unionid, when WeChat gave one (OAuth ``snsapi_userinfo``, the subscribe event's user info, a
   WeCom contact's detail): the customer with that unionid (column or identity) is this person;
   the new openid is attached to them (the column when it is empty, else an identity row).
4. Nobody: a new customer.

Concurrency: two requests of one new person at the same moment (the subscribe event and the OAuth
page open) both try to insert; the unique openid / unionid (and ``(kind, value)``) let one win and
the other read the winner on its next round, so they end as one customer. Attaching never
overwrites an identity a customer already has.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from wechat.identity import Identity

from .models import Customer
from .models.identity import CustomerIdentity

ROUNDS = 3


def _by_identity(kind: str, value: str) -> Customer | None:
    """The customer holding identity ``(kind, value)``: one indexed probe of the unique
    ``(kind, value)`` joined to the customer, as fixed SQL like the scan path's openid lookup."""
    from .scans import SCAN_FIELDS

    global _BY_IDENTITY  # noqa: PLW0603 - built once, on first use (the models are ready by then)
    if _BY_IDENTITY is None:
        columns = ", ".join(f"c.{Customer._meta.get_field(f).column}" for f in SCAN_FIELDS)
        _BY_IDENTITY = (f"SELECT {columns} FROM {Customer._meta.db_table} c "  # noqa: S608 (names from models)
                        f"JOIN {CustomerIdentity._meta.db_table} i ON i.customer_id = c.id "
                        f"WHERE i.kind = %s AND i.value = %s LIMIT 1")
    return next(iter(Customer.objects.raw(_BY_IDENTITY, [kind, value])), None)


_BY_IDENTITY: str | None = None


def customer_by_unionid(unionid: str) -> Customer | None:
    return Customer.objects.filter(unionid=unionid).first() or _by_identity(CustomerIdentity.Kind.UNIONID, unionid)


_COLUMNS = {CustomerIdentity.Kind.OPENID: "openid", CustomerIdentity.Kind.UNIONID: "unionid"}


def identity_taken(kind: str, value: str) -> bool:
    column = _COLUMNS.get(kind)
    if column and Customer.objects.filter(**{column: value}).exists():
        return True
    return CustomerIdentity.objects.filter(kind=kind, value=value).exists()


def identity_attach(*, customer: Customer, kind: str, value: str, merge=None) -> bool:
    """Record that ``customer`` is also known by ``(kind, value)``: in its column (openid, unionid)
    while that is empty, else as an identity row. False when the identity already belongs to
    someone (this customer or another: the caller decides what that means); never overwrites."""
    if identity_taken(kind, value):
        return False
    column = _COLUMNS.get(kind)
    try:
        with transaction.atomic():
            if column and getattr(customer, column) is None and Customer.objects.filter(
                    pk=customer.pk, **{f"{column}__isnull": True}).update(**{column: value}):
                setattr(customer, column, value)
                return True
            CustomerIdentity.objects.create(customer=customer, kind=kind, value=value, merge=merge)
    except IntegrityError:  # attached by a simultaneous request
        return False
    return True


def customer_of_openid(openid: str) -> Customer | None:
    """The customer of an openid, without creating one: the column, else the identity table."""
    from .scans import customer_by_openid

    return customer_by_openid(openid) or _by_identity(CustomerIdentity.Kind.OPENID, openid)


def customer_of_identity(identity: Identity | None) -> Customer | None:
    """The customer behind a WeChat identity if we know them (pages that must not create one)."""
    if identity is None:
        return None
    customer = customer_of_openid(identity.openid)
    if customer is None and identity.unionid:
        customer = customer_by_unionid(identity.unionid)
    return customer


def identity_customer(identity: Identity, *, source: str = Customer.Source.QR_SCAN) -> tuple[Customer, bool]:
    """The customer of this WeChat identity, created on first sight; ``(customer, created)``."""
    from .scans import customer_by_openid

    for _round in range(ROUNDS):
        customer = customer_by_openid(identity.openid) or _by_identity(CustomerIdentity.Kind.OPENID, identity.openid)
        if customer is not None:
            return customer, False
        if identity.unionid:
            customer = customer_by_unionid(identity.unionid)
            if customer is not None:
                identity_attach(customer=customer, kind=CustomerIdentity.Kind.OPENID, value=identity.openid)
                return customer, False
        try:
            with transaction.atomic():
                return Customer.objects.create(openid=identity.openid, unionid=identity.unionid or None,
                                               source=source), True
        except IntegrityError:
            continue  # another request made them at this moment: read theirs
    raise RuntimeError(f"could not resolve WeChat identity {identity.openid[-6:]}")


def customer_for_wecom(*, external_userid: str, unionid: str | None,
                       source: str = Customer.Source.WECHAT) -> Customer:
    """The customer of a WeCom external contact (WX-4): the one already known by that contact id,
    else the one with its unionid (the same person as a WeChat follower), else a new one. The
    contact id is recorded as the customer's identity; concurrent arrivals end as one customer."""
    for _round in range(ROUNDS):
        customer = _by_identity(CustomerIdentity.Kind.WECOM, external_userid)
        if customer is None and unionid:
            customer = customer_by_unionid(unionid)
        if customer is None:
            try:
                with transaction.atomic():
                    customer = Customer.objects.create(unionid=unionid or None, source=source)
            except IntegrityError:
                continue  # the same unionid arrived through another door at this moment
        if identity_attach(customer=customer, kind=CustomerIdentity.Kind.WECOM, value=external_userid) \
                or _by_identity(CustomerIdentity.Kind.WECOM, external_userid) == customer:
            return customer
    raise RuntimeError(f"could not resolve WeCom contact {external_userid[-6:]}")
