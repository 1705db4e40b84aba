"""The manager's segment pages on the dashboard (INV-1..5): a store's segment cards, and a
segment's customers to tick and dispatch. Supervisors and HQ pick a store in their scope.
htmx: each view returns the whole page, or only its partial when htmx asks."""

from datetime import timedelta

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from stores.models import Store
from stores.scope import scope_of
from surfaces.access import dashboard_required
from surfaces.views import is_htmx

from .errors import InvitationError
from .segments import segment_customers, segment_not_selectable, segment_offered, segments_for_store

PAGE_SIZE = 50
EXAMPLES = 3


def _store(request) -> tuple[Store, list[Store]]:
    """The store asked for (``?store=``), else the viewer's own, else the first in scope; 404 when
    the asked one is out of scope or there is none."""
    stores = list(Store.objects.visible_to(request.user).order_by("name"))
    asked = request.GET.get("store") or request.POST.get("store") or ""
    if asked:
        store = next((s for s in stores if str(s.pk) == asked), None)
    else:
        own = scope_of(request.user).store_id
        store = next((s for s in stores if s.pk == own), stores[0] if stores else None)
    if store is None:
        raise Http404
    return store, stores


def _include_inviting(request) -> bool:
    return request.GET.get("include_inviting") in ("true", "1", "on")


@dashboard_required
def segments(request):
    """The segment cards of one store: name, count, not selectable, a few reasons as examples."""
    store, stores = _store(request)
    include_inviting = _include_inviting(request)
    cards = segments_for_store(store=store, viewer=request.user, include_inviting=include_inviting)
    for card in cards:
        reasons = (segment_customers(key=card["key"], store=store, viewer=request.user,
                                     include_inviting=include_inviting).values_list("reason", flat=True)[:EXAMPLES])
        card["examples"] = list(dict.fromkeys(reasons))  # a custom segment's reason is the same for all
    context = {"store": store, "stores": stores, "cards": cards, "include_inviting": include_inviting,
               "nav": "invitations"}
    template = "invitations/segments_cards.html" if is_htmx(request) else "invitations/segments.html"
    return render(request, template, context)


@dashboard_required
def segment_detail(request, key):
    """A segment's selectable customers with checkboxes, and the dispatch form (to I2's view)."""
    store, stores = _store(request)
    include_inviting = _include_inviting(request)
    segment = segment_offered(key, store)
    try:
        customers = segment_customers(key=key, store=store, viewer=request.user, include_inviting=include_inviting)
        apart = segment_not_selectable(key=key, store=store, viewer=request.user,
                                       include_inviting=include_inviting).count()
    except InvitationError:
        raise Http404 from None
    page = Paginator(customers.select_related("owner_assistant"), PAGE_SIZE).get_page(request.GET.get("page"))
    deadline = timezone.localtime(timezone.now() + timedelta(days=30))
    context = {
        "store": store, "stores": stores, "segment": segment, "page": page, "not_selectable": apart,
        "include_inviting": include_inviting, "deadline": deadline.strftime("%Y-%m-%dT%H:%M"),
        "nav": "invitations",
    }
    template = "invitations/segments_customers.html" if is_htmx(request) else "invitations/segments_detail.html"
    return render(request, template, context)
