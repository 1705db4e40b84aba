"""A customer's browse trail for their assistant (CUS-6): scans, page views, favourites, shares,
and the opens of shares — "shared by X, opened by Y" — newest first.

Read with a constant number of queries whatever the trail's length: one per kind of event, one to
learn which other people the viewer may see by name, and one per page type to name the pages.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count

from .models import Customer, Favourite, PageView, ScanEvent, Share, ShareOpen
from .pages import page_url, pages_by_key


@dataclass(frozen=True)
class TrailEntry:
    """One line of the trail. ``kind`` is one of: scan, view, favourite, share (they shared a
    page; ``count`` opens so far), share_opened (someone opened their share; ``other`` is who),
    opened_share (they opened someone's share; ``other`` is the sharer)."""

    at: datetime
    kind: str
    title: str
    url: str = ""
    detail: str = ""
    other: str = ""
    other_id: int | None = None
    count: int = 0
    is_new: bool = False
    bound: bool = False


def customer_trail(*, customer: Customer, viewer, limit: int = 50) -> list[TrailEntry]:
    """The trail of ``customer`` as ``viewer`` may see it. The caller has already found the
    customer through ``Customer.objects.visible_to(viewer)``; the events are read through the
    viewer's scope too, and the other person of a share is named only when the viewer may see
    them (else "a visitor")."""
    scans = list(ScanEvent.objects.filter(customer=customer).select_related("qr_code").order_by("-scanned_at")[:limit])
    views = list(PageView.objects.visible_to(viewer).filter(customer=customer).order_by("-viewed_at")[:limit])
    favourites = list(Favourite.objects.visible_to(viewer).filter(customer=customer).order_by("-created_at")[:limit])
    shares = list(Share.objects.visible_to(viewer).filter(sharer=customer).annotate(open_count=Count("opens"))
                  .order_by("-created_at")[:limit])
    opened_by_others = list(
        ShareOpen.objects.visible_to(viewer).filter(share__sharer=customer).select_related("share", "customer")
        .order_by("-opened_at")[:limit]
    )
    opened_by_them = list(
        ShareOpen.objects.visible_to(viewer).filter(customer=customer).select_related("share__sharer")
        .order_by("-opened_at")[:limit]
    )

    others = {o.customer_id for o in opened_by_others if o.customer_id} | {
        o.share.sharer_id for o in opened_by_them if o.share.sharer_id}
    nameable = set(
        Customer.objects.visible_to(viewer).filter(pk__in=others).order_by().values_list("pk", flat=True)
    ) if others else set()
    keys = [(v.page_type, v.page_id) for v in views] + [(f.page_type, f.page_id) for f in favourites] + [
        (s.page_type, s.page_id) for s in shares] + [(o.share.page_type, o.share.page_id)
                                                     for o in (*opened_by_others, *opened_by_them)]
    pages = pages_by_key(keys, public_only=False)

    def page(page_type, page_id) -> tuple[str, str]:
        row = pages.get((page_type, page_id))
        return (str(row), page_url(page_type, row)) if row is not None else ("—", "")

    def person(other: Customer | None) -> tuple[str, int | None]:
        if other is None or other.pk not in nameable:
            return "", None
        return str(other.display_name), other.pk

    entries = [TrailEntry(at=s.scanned_at, kind="scan", title=s.qr_code.label, detail=s.get_channel_display())
               for s in scans]
    entries += [TrailEntry(s.viewed_at, "view", *page(s.page_type, s.page_id)) for s in views]
    entries += [TrailEntry(f.created_at, "favourite", *page(f.page_type, f.page_id)) for f in favourites]
    entries += [TrailEntry(s.created_at, "share", *page(s.page_type, s.page_id), count=s.open_count)
                for s in shares]
    for o in opened_by_others:
        name, pk = person(o.customer)
        entries.append(TrailEntry(o.opened_at, "share_opened", *page(o.share.page_type, o.share.page_id),
                                  other=name, other_id=pk, is_new=o.is_new_customer, bound=o.bound))
    for o in opened_by_them:
        name, pk = person(o.share.sharer)
        entries.append(TrailEntry(o.opened_at, "opened_share", *page(o.share.page_type, o.share.page_id),
                                  other=name, other_id=pk, is_new=o.is_new_customer, bound=o.bound))
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]
