"""The surfaces' pages: desktop dashboard, mobile workbench; sign-in. The customer H5 pages are in
``surfaces.h5``."""

from datetime import timedelta

from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.shortcuts import redirect, render
from django.utils import timezone

from customers.models import Customer, Order
from stores.filters import StaffFilter, StoreFilter
from stores.models import Staff, Store
from stores.scope import scope_of

from .access import dashboard_required, home_url_for, workbench_required


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


# --- Sign-in -----------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        from django.urls import reverse

        return reverse(home_url_for(self.request.user))


class WorkbenchLoginView(LoginView):
    template_name = "workbench/login.html"


def home(request):
    if not request.user.is_authenticated:
        return redirect("surfaces:login")
    return redirect(home_url_for(request.user))


def no_access(request):
    return render(request, "registration/no_access.html", status=403)


# --- Dashboard (desktop) -------------------------------------------------------------------------


@dashboard_required
def dashboard_home(request):
    user = request.user
    since = timezone.now() - timedelta(days=30)
    stores = Store.objects.visible_to(user)
    orders = Order.objects.visible_to(user).filter(placed_at__gte=since).exclude(status=Order.Status.CANCELLED)
    totals = orders.aggregate(count=Count("id"), amount=Sum("amount"))
    by_store = (
        orders.values("store__name").annotate(amount=Sum("amount"), count=Count("id")).order_by("-amount")[:15]
    )
    chart = {
        "stores": [row["store__name"] for row in by_store],
        "amounts": [float(row["amount"]) for row in by_store],
        "orders": [row["count"] for row in by_store],
    }
    from customers.households import people_and_households

    # Customers as people and as households (CUS-12: a family decides together).
    people = people_and_households(Customer.objects.visible_to(user))
    context = {
        "store_count": stores.count(),
        "staff_count": Staff.objects.visible_to(user).filter(is_active=True).count(),
        "customer_count": people["people"],
        "household_count": people["households"],
        "order_count": totals["count"],
        "order_amount": totals["amount"] or 0,
        "chart": chart,
        "nav": "home",
    }
    return render(request, "dashboard/home.html", context)


@dashboard_required
def dashboard_stores(request):
    base = Store.objects.visible_to(request.user).select_related("region")
    filterset = StoreFilter(request.GET, queryset=base, request=request)
    stores = filterset.qs.annotate(
        staff_count=Count("staff", filter=Q(staff__is_active=True), distinct=True),
    )
    template = "dashboard/partials/store_table.html" if is_htmx(request) else "dashboard/stores.html"
    return render(request, template, {"filter": filterset, "stores": stores, "nav": "stores"})


@dashboard_required
def dashboard_staff(request):
    base = Staff.objects.visible_to(request.user).select_related("store", "region", "user")
    filterset = StaffFilter(request.GET, queryset=base, request=request)
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    template = "dashboard/partials/staff_table.html" if is_htmx(request) else "dashboard/staff.html"
    return render(request, template, {"filter": filterset, "page": page, "nav": "staff"})


# --- Workbench (phone) ---------------------------------------------------------------------------


@workbench_required
def workbench_home(request):
    from customers.profiles import follow_ups_due

    customers = Customer.objects.visible_to(request.user)
    today = timezone.localdate()
    # Follow-ups planned for today or overdue (CUS-5): one count, one page of rows.
    due = follow_ups_due(user=request.user, today=today)
    context = {
        "customer_count": customers.count(),
        "new_today": customers.filter(created_at__date=today).count(),
        "due_count": due.count(),
        "due": list(due.select_related("owner_assistant").only(
            "id", "name", "mobile", "openid", "intent_grade", "community", "next_follow_up_on",
            "owner_assistant__name")[:30]),
        "today": today,
        "tab": "home",
    }
    return render(request, "workbench/home.html", context)


@workbench_required
def workbench_customers(request):
    """"My customers" (CUS-1, CUS-4, CUS-5): filter chips, search, sorting, and "load more" by
    keyset — the same few queries on the thousandth page of a million customers as on the first."""
    from django.http import HttpResponseBadRequest
    from django.utils.translation import gettext as _

    from customers.lists import SORTS, BadCursor, customer_page, query_without, workbench_chips
    from customers.models import Tag

    try:
        page = customer_page(request=request, size=20, sort=request.GET.get("sort", ""),
                             cursor=request.GET.get("after", ""))
    except BadCursor:
        return HttpResponseBadRequest(_("This list link is no longer valid; open the list again."))
    more = request.GET.copy()
    more["after"] = page.next_cursor
    context = {
        "page": page, "filter": page.filterset, "q": request.GET.get("q", "").strip(), "tab": "customers",
        "more_query": more.urlencode(), "today": timezone.localdate(),
    }
    if request.GET.get("after") and is_htmx(request):
        return render(request, "workbench/partials/customer_rows.html", context)
    context.update({
        "chips": workbench_chips(request.GET), "sorts": [
            (key, label, query_without(request.GET, "sort", "after") + f"&sort={key}") for key, label in SORTS.items()
        ],
        "tags": Tag.objects.order_by("name").values_list("pk", "name"),
        "chosen_tags": request.GET.getlist("tag"),
        "state": [(key, value) for key, values in request.GET.lists() if key not in ("q", "after", "tag")
                  for value in values],
    })
    template = "workbench/partials/customer_list.html" if is_htmx(request) else "workbench/customers.html"
    return render(request, template, context, status=400 if page.filterset.errors else 200)


@workbench_required
def workbench_me(request):
    return render(request, "workbench/me.html", {"tab": "me", "scope": scope_of(request.user)})


FAMILY_TRAIL = 10


@workbench_required
def workbench_customer(request, pk):
    """One customer's overview tab: why they are mine, what they scanned, viewed, kept and shared
    (CUS-6, QR-4, QR-6), and the household's. A constant number of queries however long the trail,
    plus one trail read per family member."""
    from customers.attribution import protection_days
    from customers.households import household_members
    from customers.models import OwnerChange
    from customers.trail import customer_trail
    from customers.workbench import customer_for_page, render_customer_tab

    customer = customer_for_page(request, pk)
    binding = (OwnerChange.objects.filter(customer=customer).select_related("qr_code", "to_assistant", "changed_by")
               .order_by("-changed_at", "-id").first())
    trail = customer_trail(customer=customer, viewer=request.user, limit=50)
    protected_until = None
    if customer.store_id:
        protected_until = (customer.bound_at or customer.created_at) + timedelta(days=protection_days())
    # The household's trail together (CUS-12): what each family member the viewer may see looked at
    # (a household is a few people, each one trail read).
    members = household_members(customer, viewer=request.user)
    family_trail = sorted(((member, entry) for member in members
                           for entry in customer_trail(customer=member, viewer=request.user, limit=FAMILY_TRAIL)),
                          key=lambda pair: pair[1].at, reverse=True)[:FAMILY_TRAIL * 2]
    return render_customer_tab(request, customer, "overview", "workbench/partials/customer_overview.html", {
        "binding": binding, "trail": trail, "protected_until": protected_until, "household": members,
        "family_trail": family_trail,
    })


@workbench_required
def workbench_my_code(request):
    """The assistant's own code: show it to a customer, or print the poster (QR-1)."""
    from stores.qr_render import code_url
    from stores.services import qr_code_for

    staff = getattr(request.user, "staff", None)
    if staff is None or staff.store_id is None:
        return render(request, "workbench/my_code.html", {"code": None, "tab": "me"})
    code = qr_code_for(staff, label=f"{staff.name}（{staff.get_role_display()}）")
    return render(request, "workbench/my_code.html", {"code": code, "url": code_url(code.token), "tab": "me"})


@workbench_required
def workbench_bind_wechat(request):
    """Open inside WeChat to receive reminders in the official account (WX-3)."""
    from stores.services import staff_bind_wechat
    from wechat.identity import needs_oauth, oauth_authorize_url, request_identity

    staff = getattr(request.user, "staff", None)
    if staff is None:
        return redirect("workbench:me")
    # The button posts; WeChat's OAuth comes back with a GET carrying ?bind=1. Binding needs the
    # signed identity cookie, so a forged link can only bind the visitor's own WeChat.
    if request.method == "POST" or request.GET.get("bind") == "1":
        if needs_oauth(request):
            return redirect(oauth_authorize_url(request, request.path + "?bind=1"))
        identity = request_identity(request)
        if identity is not None and identity.openid != staff.wechat_openid:
            staff_bind_wechat(staff=staff, openid=identity.openid)
            return redirect("workbench:bind_wechat")
    return render(request, "workbench/bind_wechat.html", {"staff": staff, "tab": "me"})
