"""The pages a customer looks at, shares and keeps: stores, products, solutions, cases (ORG-4).

Shares, favourites and page views point to a page by ``(page_type, page_id)``; this module turns
such keys back into rows (one query per page type, whatever the number of keys), says which
pages are public, gives each page's H5 address, and records views (CUS-6 trail, QR-7 "recently
viewed").
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from stores.models import Case, Product, Solution, Store

from .models import Customer, PageType, PageView, RadarEvent

PAGE_MODELS: dict[str, type[models.Model]] = {
    PageType.STORE: Store,
    PageType.PRODUCT: Product,
    PageType.SOLUTION: Solution,
    PageType.CASE: Case,
}
# The largest id a PositiveBigIntegerField holds on every database we run on.
MAX_PAGE_ID = 2**63 - 1
# Reloads, style switches and coming back within this time are one view (and one share open).
VISIT_WINDOW = timedelta(minutes=30)

PageKey = tuple[str, int]


class PageNotFound(Exception):
    """The page does not exist or is not published: the visitor gets a friendly 404."""


def page_key(page_type: str, page_id) -> PageKey | None:
    """A clean key from request input, or None when the type is unknown or the id is not a
    positive integer the database can hold (so huge or odd input never reaches a query)."""
    if page_type not in PAGE_MODELS:
        return None
    text = str(page_id)
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    number = int(text)
    return (page_type, number) if 0 < number <= MAX_PAGE_ID else None


def public_pages(page_type: str) -> models.QuerySet:
    """The published rows of a page type: what a customer may open."""
    queryset = PAGE_MODELS[page_type].objects.filter(is_active=True)
    if page_type == PageType.CASE:
        queryset = queryset.filter(store__is_active=True)
    elif page_type == PageType.SOLUTION:
        queryset = queryset.filter(models.Q(store__isnull=True) | models.Q(store__is_active=True))
    return queryset


def page_object(page_type: str, page_id: int):
    """The published page, or None."""
    if page_key(page_type, page_id) is None:
        return None
    return public_pages(page_type).filter(pk=page_id).first()


def pages_by_key(keys: Iterable[PageKey], *, public_only: bool = True) -> dict[PageKey, models.Model]:
    """The rows behind ``keys``: one query per page type present. Missing (or, with
    ``public_only``, unpublished) pages are simply absent from the answer."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for page_type, page_id in keys:
        if page_type in PAGE_MODELS:
            wanted[page_type].add(page_id)
    found: dict[PageKey, models.Model] = {}
    for page_type, ids in wanted.items():
        queryset = public_pages(page_type) if public_only else PAGE_MODELS[page_type].objects.all()
        for row in queryset.filter(pk__in=ids):
            found[(page_type, row.pk)] = row
    return found


def page_url(page_type: str, page) -> str:
    """The H5 address of a page row."""
    if page_type == PageType.STORE:
        return reverse("h5:store", args=[page.code])
    if page_type == PageType.PRODUCT:
        return reverse("h5:product", args=[page.sku])
    if page_type == PageType.SOLUTION:
        return reverse("h5:solution", args=[page.pk])
    return reverse("h5:case", args=[page.pk])


@transaction.atomic
def page_view_record(*, customer: Customer, page_type: str, page_id: int,
                     now: datetime | None = None) -> PageView | None:
    """Record that ``customer`` looked at a page; None when they already did within the visit
    window (two simultaneous first loads may both write: harmless, it is a trail)."""
    now = now or timezone.now()
    last = (PageView.objects.filter(customer=customer, page_type=page_type, page_id=page_id)
            .order_by("-viewed_at").values_list("viewed_at", flat=True).first())
    if last is not None and last >= now - VISIT_WINDOW:
        return None
    view = PageView.objects.create(customer=customer, page_type=page_type, page_id=page_id, viewed_at=now)
    if last is not None:
        # Coming back to a page is the radar's "viewed again" (QR-9), for the customer's assistant.
        from .radar import radar_record

        radar_record(customer=customer, kind=RadarEvent.Kind.VIEWED_AGAIN, page_type=page_type, page_id=page_id,
                     at=now)
    return view


def recent_views(*, customer: Customer, limit: int = 20) -> list[tuple[str, models.Model, datetime]]:
    """The pages ``customer`` looked at, each once, last seen first, still published:
    (page type, row, last viewed). Two queries plus one per page type."""
    latest = (
        PageView.objects.filter(customer=customer).values("page_type", "page_id")
        .annotate(last=models.Max("viewed_at")).order_by("-last")[:limit]
    )
    rows = [(row["page_type"], row["page_id"], row["last"]) for row in latest]
    pages = pages_by_key((t, i) for t, i, _ in rows)
    return [(t, pages[(t, i)], last) for t, i, last in rows if (t, i) in pages]
