"""The dashboard's customer pages for managers, supervisors and head office (CUS-1..5): the list
with the shared ``CustomerFilter`` (an htmx request gets only the table) and a read-only detail
page. Managers read here; the owner assistant edits on the phone."""

from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _

from stores.scope import Level, scope_of
from surfaces.access import dashboard_required

from .lists import SORTS, BadCursor, customer_page, list_queryset, query_without, tag_prefetch, with_summary
from .models import AfterSalesRecord, CustomerProfile, FollowUp, IntentGradeChange, Order, OwnerChange
from .trail import customer_trail

PAGE_SIZE = 50


@dashboard_required
def dashboard_customers(request):
    from surfaces.views import is_htmx

    try:
        page = customer_page(request=request, size=PAGE_SIZE, sort=request.GET.get("sort", ""),
                             cursor=request.GET.get("after", ""), with_activity=False)
    except BadCursor:
        return HttpResponseBadRequest(_("This list link is no longer valid; open the list again."))
    more = request.GET.copy()
    more["after"] = page.next_cursor
    level = scope_of(request.user).level
    context = {
        "page": page, "filter": page.filterset, "nav": "customers", "today": timezone.localdate(),
        "next_query": more.urlencode(), "first_query": query_without(request.GET, "after"),
        "export_query": query_without(request.GET, "after", "sort"),
        "is_later_page": bool(request.GET.get("after")),
        "sorts": SORTS, "shows_store": level >= Level.REGION, "shows_region": level is Level.ALL,
        # Managers and up with a staff record dispatch invitations (invitations.services.manager_required).
        "can_invite": getattr(request.user, "staff", None) is not None,
        "can_merge": level >= Level.STORE,  # managers and head office confirm duplicates (CUS-12)
    }
    template = "dashboard/partials/customer_table.html" if is_htmx(request) else "dashboard/customers.html"
    return render(request, template, context, status=400 if page.filterset.errors else 200)


@dashboard_required
def dashboard_customer(request, pk):
    """Read-only: stages 1-3 of the profile, grade history, tags, follow-ups, orders, after-sales,
    attribution and the browse trail. A constant number of queries, however long each history."""
    viewer = request.user
    queryset = with_summary(
        list_queryset(viewer).select_related("profile__style").prefetch_related(tag_prefetch(),
                                                                                "profile__intent_products"),
        viewer,
    )
    customer = get_object_or_404(queryset, pk=pk)
    try:
        profile = customer.profile
    except CustomerProfile.DoesNotExist:
        profile = None
    context = {
        "customer": customer,
        "profile": profile,
        "grade_changes": list(IntentGradeChange.objects.visible_to(viewer).filter(customer=customer)
                              .select_related("changed_by")[:20]),
        "follow_ups": list(FollowUp.objects.visible_to(viewer).filter(customer=customer)
                           .select_related("staff")[:20]),
        "orders": list(Order.objects.visible_to(viewer).filter(customer=customer)
                       .select_related("store", "assistant").order_by("-placed_at")[:10]),
        "after_sales": list(AfterSalesRecord.objects.visible_to(viewer).filter(customer=customer)
                            .select_related("order")[:10]),
        "owner_changes": list(OwnerChange.objects.visible_to(viewer).filter(customer=customer)
                              .select_related("from_assistant", "to_assistant", "to_store")[:10]),
        "trail": customer_trail(customer=customer, viewer=viewer, limit=30),
        "today": timezone.localdate(),
        "nav": "customers",
    }
    return render(request, "dashboard/customer.html", context)
