"""The store a dashboard page of invitations is about (segments, the manual filter, the daily
tables): managers see their store, supervisors and HQ pick one in their scope with ``?store=``."""

from __future__ import annotations

from django.http import Http404

from stores.models import Store
from stores.scope import scope_of


def store_pick(request, stores: list[Store]) -> Store:
    """The store asked for (``?store=``, GET or POST) among ``stores`` (the viewer's, in the page's
    order), else the viewer's own, else the first; 404 when the asked one is not among them or
    there is none."""
    asked = request.GET.get("store") or request.POST.get("store") or ""
    if asked:
        store = next((s for s in stores if str(s.pk) == asked), None)
    else:
        own = scope_of(request.user).store_id
        store = next((s for s in stores if s.pk == own), stores[0] if stores else None)
    if store is None:
        raise Http404
    return store
