"""The manager's pages for picking customers to invite on the dashboard (INV-1..5, INV-11): a
store's segment cards, a segment's customers, and the customers of a manual filter from the
customer list; both lists tick customers for one dispatch form (``task_views.dispatch``), mark
those that cannot be ticked with the reason (``invitations.candidates``) and offer "select all N
matching". Supervisors and HQ pick a store in their scope. htmx: each view returns the whole
page, or only its partial when htmx asks."""

from datetime import timedelta
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from customers.contacts import contact_cap
from customers.exports import filter_in_words
from stores.models import Store
from stores.scope import Level, scope_of
from surfaces.access import dashboard_required
from surfaces.views import is_htmx

from .candidates import candidates_annotate, candidates_mark, filter_candidates, filter_figures, matching_of
from .errors import InvitationError
from .segments import segment_counts, segment_customers, segment_invitable, segment_offered, segments_for_store
from .store_picker import store_pick

PAGE_SIZE = 50
EXAMPLES = 3
CONTROL_SHARES = ("0", "0.05", "0.1", "0.2", "0.3", "0.5")


def _store(request) -> tuple[Store, list[Store]]:
    """The store asked for (``?store=``), else the viewer's own, else the first in scope; 404 when
    the asked one is out of scope or there is none."""
    stores = list(Store.objects.visible_to(request.user).order_by("name"))
    return store_pick(request, stores), stores


def _include_inviting(request) -> bool:
    return request.GET.get("include_inviting") in ("true", "1", "on")


def _dispatch_form() -> dict:
    """What the shared dispatch form (``invitations/dispatch_form.html``) needs besides the list."""
    deadline = timezone.localtime(timezone.now() + timedelta(days=30))
    return {"deadline": deadline.strftime("%Y-%m-%dT%H:%M"), "control_shares": CONTROL_SHARES, "nav": "invitations"}


@dashboard_required
def segments(request):
    """The segment cards of one store: name, count, not selectable, capped, a few reasons."""
    store, stores = _store(request)
    include_inviting = _include_inviting(request)
    cap = contact_cap()
    cards = segments_for_store(store=store, viewer=request.user, include_inviting=include_inviting, cap=cap)
    for card in cards:
        reasons = (segment_customers(key=card["key"], store=store, viewer=request.user,
                                     include_inviting=include_inviting).values_list("reason", flat=True)[:EXAMPLES])
        card["examples"] = list(dict.fromkeys(reasons))  # a custom segment's reason is the same for all
    context = {"store": store, "stores": stores, "cards": cards, "include_inviting": include_inviting,
               "cap": cap, "nav": "invitations"}
    template = "invitations/segments_cards.html" if is_htmx(request) else "invitations/segments.html"
    return render(request, template, context)


@dashboard_required
def segment_detail(request, key):
    """A segment's selectable customers with checkboxes (none for the capped or inviting ones), the
    figures, and the dispatch form with "select all N matching"."""
    store, stores = _store(request)
    include_inviting = _include_inviting(request)
    segment = segment_offered(key, store)
    if segment is None:
        raise Http404
    cap = contact_cap()
    try:
        customers = segment_customers(key=key, store=store, viewer=request.user, include_inviting=include_inviting)
        figures = segment_counts(segment, store=store, viewer=request.user, include_inviting=include_inviting,
                                 cap=cap)
        matching = matching_of(segment_invitable(key=key, store=store, viewer=request.user, cap=cap))
    except InvitationError:
        raise Http404 from None
    page = Paginator(customers.select_related("owner_assistant"), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = candidates_mark(page.object_list, cap=cap)
    context = {
        "store": store, "stores": stores, "segment": segment, "page": page, "figures": figures,
        "not_selectable": figures["not_selectable"], "include_inviting": include_inviting, "cap": cap,
        "matching": matching, **_dispatch_form(),
        "pager_query": urlencode({"store": store.pk, **({"include_inviting": "true"} if include_inviting else {})}),
    }
    template = "invitations/segments_customers.html" if is_htmx(request) else "invitations/segments_detail.html"
    return render(request, template, context)


@dashboard_required
def filter_dispatch(request):
    """Invite the customers of a manual filter (INV-4): the customer list's filter (``?<filter>``)
    over ONE store's customers, each marked selectable or not with the reason, and the dispatch
    form. A supervisor or HQ operator chooses the store first; a manager invites their own."""
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("after", None)
    hidden = [(key, value) for key, values in params.lists() if key != "store" for value in values]
    if not params.get("store") and scope_of(request.user).level is not Level.STORE:
        stores = list(Store.objects.visible_to(request.user).order_by("name"))
        return render(request, "invitations/dispatch_filter.html", {
            "stores": stores, "store": None, "hidden_params": hidden, "list_query": params.urlencode(),
            "nav": "invitations"})
    store, stores = _store(request)
    params["store"] = str(store.pk)
    filterset = filter_candidates(store=store, viewer=request.user, params=params, request=request)
    cap = contact_cap()
    context = {"store": store, "stores": stores, "filter": filterset, "cap": cap, "hidden_params": hidden,
               "filter_query": params.urlencode(), "list_query": params.urlencode(),
               **_dispatch_form()}
    template = "invitations/dispatch_filter_customers.html" if is_htmx(request) else "invitations/dispatch_filter.html"
    if not filterset.is_valid():
        return render(request, template, {**context, "page": None, "figures": None}, status=400)
    customers = candidates_annotate(filterset.qs, store=store).select_related("owner_assistant")
    page = Paginator(customers.order_by("-created_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = candidates_mark(page.object_list, cap=cap)
    figures = filter_figures(filterset.qs, store=store, cap=cap)
    context.update({"page": page, "figures": figures, "matching": figures["matching"],
                    "summary": filter_in_words(filterset, leave_out=("store",))})
    return render(request, template, context)
