"""The manager's "same person?" page (CUS-12): candidate duplicates in the viewer's scope to
confirm (merge, keeping the chosen record) or dismiss, and the merges made, which head office can
undo with a reason. Every write goes through ``customers.merges``; its refusals come back as
messages on the page."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stores.scope import Level, scope_of
from surfaces.access import dashboard_required

from .errors import CustomerError
from .merges import candidate_dismiss, customer_merge, merge_candidates, merge_undo
from .models import Customer, Order, ScanEvent
from .models.identity import CustomerMerge

RECENT_MERGES = 30


def _facts(customers) -> dict[int, dict]:
    """Per customer: scans and orders, two grouped queries for the whole page."""
    from django.db.models import Count

    ids = [c.pk for c in customers]
    scans = dict(ScanEvent.objects.filter(customer_id__in=ids).values("customer_id").order_by()
                 .annotate(n=Count("pk")).values_list("customer_id", "n"))
    orders = dict(Order.objects.filter(customer_id__in=ids).values("customer_id").order_by()
                  .annotate(n=Count("pk")).values_list("customer_id", "n"))
    return {pk: {"scans": scans.get(pk, 0), "orders": orders.get(pk, 0)} for pk in ids}


@dashboard_required
def dashboard_duplicates(request):
    viewer = request.user
    level = scope_of(viewer).level
    candidates = merge_candidates(actor=viewer) if level >= Level.STORE else []
    customers = [c for pair in candidates for c in (pair.first, pair.second)]
    facts = _facts(customers)
    for pair in candidates:
        pair.first.facts, pair.second.facts = facts[pair.first.pk], facts[pair.second.pk]
    merges = (CustomerMerge.objects.visible_to(viewer).select_related("survivor", "merged", "merged_by",
                                                                       "owner_before", "owner_after")
              [:RECENT_MERGES])
    return render(request, "dashboard/customer_duplicates.html", {
        "nav": "customers", "candidates": candidates, "merges": merges, "can_merge": level >= Level.STORE,
        "can_undo": level is Level.ALL,
    })


def _visible(request, pk) -> Customer:
    if not str(pk or "").isdigit():
        raise Http404
    return get_object_or_404(Customer.objects.visible_to(request.user), pk=int(pk))


@require_POST
@dashboard_required
def dashboard_duplicate_merge(request):
    keep, other = _visible(request, request.POST.get("keep")), _visible(request, request.POST.get("other"))
    try:
        customer_merge(survivor=keep, merged=other, reason=CustomerMerge.Reason.CONFIRMED, actor=request.user)
    except CustomerError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("Merged: %(name)s is one customer now.") % {"name": keep.display_name})
    return redirect("dashboard:customer_duplicates")


@require_POST
@dashboard_required
def dashboard_duplicate_dismiss(request):
    first, second = _visible(request, request.POST.get("first")), _visible(request, request.POST.get("second"))
    try:
        candidate_dismiss(actor=request.user, first=first, second=second)
    except CustomerError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("Noted: they are two people, and are not suggested again."))
    return redirect("dashboard:customer_duplicates")


@require_POST
@dashboard_required
def dashboard_merge_undo(request, pk):
    merge = get_object_or_404(CustomerMerge.objects.visible_to(request.user), pk=pk)
    try:
        merge_undo(merge=merge, actor=request.user, reason=request.POST.get("reason", ""))
    except CustomerError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("The merge was undone: they are two customers again."))
    return redirect("dashboard:customer_duplicates")
