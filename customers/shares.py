"""Share with family (家人商量, QR-6): share links that carry the sharer, and their opens.

A customer who is about to leave the store "to discuss it with the family" sends the product,
solution, case or store page home. The link ``/s/<token>`` names the sharer; whoever opens it is
recorded ("shared by X, opened by Y"), and a person no store has yet becomes the customer of the
sharer's store and assistant (``attribution.attribution_on_share_open``).

Counting: a *share* is a link (one per sharer and page, reused when they share again; visitors
we cannot identify reuse a link without a sharer); an *open* is a ``ShareOpen`` row (the
sharer's own opens and reloads within the visit window are not counted).
"""

import string
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from wechat.identity import Identity

from .attribution import attribution_on_share_open
from .models import Customer, RadarEvent, Share, ShareOpen
from .pages import VISIT_WINDOW, PageNotFound, page_object
from .radar import radar_record
from .scans import customer_for_identity

TOKEN_MAX_LENGTH = 32
TOKEN_CHARACTERS = frozenset(string.ascii_letters + string.digits + "-_")  # secrets.token_urlsafe's alphabet


def share_by_token(token: str) -> Share | None:
    """The share of a token; None for anything that cannot be one (without asking the database)."""
    if not token or len(token) > TOKEN_MAX_LENGTH or not TOKEN_CHARACTERS.issuperset(token):
        return None
    return Share.objects.select_related("sharer").filter(token=token).first()


@transaction.atomic
def share_create(*, sharer: Customer | None, page_type: str, page_id: int) -> Share:
    """The sharer's link to a published page, made on first use and reused afterwards."""
    if page_object(page_type, page_id) is None:
        raise PageNotFound(f"{page_type}:{page_id}")
    lookup = {"sharer": sharer, "page_type": page_type, "page_id": page_id}
    existing = Share.objects.filter(**lookup).order_by("pk").first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Share.objects.create(**lookup)
    except IntegrityError:  # the same person shared the same page twice at once
        return Share.objects.get(**lookup)
    # Two anonymous visitors sharing a page at the same moment may make two links: both work.


@transaction.atomic
def share_open_record(*, share: Share, identity: Identity | None, user_agent: str = "",
                      now: datetime | None = None) -> ShareOpen | None:
    """Someone opened ``share``: find or create them, bind them through the sharer when they are
    nobody's customer yet, record the open. One transaction: an open is recorded whole or not at
    all. Returns None for the sharer's own open; the earlier row for a reload within the window."""
    now = now or timezone.now()
    customer, created = None, False
    if identity is not None:
        customer, created = customer_for_identity(identity, source=Customer.Source.REFERRAL)
        if customer.pk == share.sharer_id:
            return None
        if not created:
            recent = (ShareOpen.objects.filter(share=share, customer=customer, opened_at__gte=now - VISIT_WINDOW)
                      .order_by("-opened_at").first())
            if recent is not None:
                return recent
    bound = attribution_on_share_open(customer=customer, share=share, now=now) if customer else False
    opened = ShareOpen.objects.create(share=share, customer=customer, is_new_customer=created, bound=bound,
                                      user_agent=user_agent[:300], opened_at=now)
    _radar_share_open(share=share, opener=customer, now=now)
    return opened


def _radar_share_open(*, share: Share, opener: Customer | None, now: datetime) -> None:
    """The interaction radar (QR-9): the opener's assistant sees who opened what, shared by whom;
    the sharer's assistant (when another one) sees that the family is looking at what was shared."""
    sharer = share.sharer
    page = {"page_type": share.page_type, "page_id": share.page_id, "at": now}
    opener_owner = None
    if opener is not None:
        entry = radar_record(customer=opener, kind=RadarEvent.Kind.OPENED_SHARE, related_customer=sharer, **page)
        opener_owner = entry.assistant_id if entry is not None else None
    if sharer is not None and sharer.owner_assistant_id is not None and sharer.owner_assistant_id != opener_owner:
        radar_record(customer=sharer, kind=RadarEvent.Kind.FAMILY_OPENED, related_customer=opener, **page)


def share_stats(*, page_type: str, page_id: int) -> dict[str, int]:
    """How often a page was shared and opened (KPI-2's touchpoint shares): links, opens, and
    people who opened (identified ones, each counted once). One query."""
    counts = Share.objects.filter(page_type=page_type, page_id=page_id).aggregate(
        n_shares=Count("id", distinct=True), n_opens=Count("opens", distinct=True),
        n_people=Count("opens__customer", distinct=True),
    )
    return {"shares": counts["n_shares"], "opens": counts["n_opens"], "people": counts["n_people"]}
