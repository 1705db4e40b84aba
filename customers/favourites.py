"""Favourites (收藏, QR-7): "take the store home in your pocket"."""

from datetime import datetime

from django.db import models, transaction

from .models import Customer, Favourite, RadarEvent
from .pages import PageNotFound, page_object, pages_by_key
from .radar import radar_record


@transaction.atomic
def favourite_set(*, customer: Customer, page_type: str, page_id: int, on: bool) -> bool:
    """Keep (``on``) or drop a page. Saying the same twice changes nothing, so a double tap or a
    retried request cannot flip it back. Only a published page can be kept; any page, even one
    withdrawn since, can be dropped. Returns the new state."""
    if on:
        if page_object(page_type, page_id) is None:
            raise PageNotFound(f"{page_type}:{page_id}")
        _favourite, created = Favourite.objects.get_or_create(customer=customer, page_type=page_type, page_id=page_id)
        if created:  # the interaction radar (QR-9): the assistant sees what the customer keeps
            radar_record(customer=customer, kind=RadarEvent.Kind.FAVOURITED, page_type=page_type, page_id=page_id)
    else:
        Favourite.objects.filter(customer=customer, page_type=page_type, page_id=page_id).delete()
    return on


def is_favourite(*, customer: Customer | None, page_type: str, page_id: int) -> bool:
    if customer is None:
        return False
    return Favourite.objects.filter(customer=customer, page_type=page_type, page_id=page_id).exists()


def favourites_list(*, customer: Customer, limit: int = 100) -> list[tuple[str, models.Model, datetime]]:
    """The customer's kept pages that are still published, newest first: (type, row, kept at).
    One query plus one per page type."""
    rows = list(Favourite.objects.filter(customer=customer).values_list("page_type", "page_id", "created_at")[:limit])
    pages = pages_by_key((t, i) for t, i, _ in rows)
    return [(t, pages[(t, i)], at) for t, i, at in rows if (t, i) in pages]
