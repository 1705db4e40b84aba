"""Community group-buy pages (PRO-5).

* H5 (the neighbour, in WeChat): the community's page — items at the group price against the usual
  price, "N neighbours joined", the claim window and the redemption window, the stores with their
  address — and the claim (``coupon_claim``; the claimant's community is recorded when unknown).
  Inside WeChat the page sets its share card through the JS-SDK (``/wechat/jssdk/``), with a link
  through the store's code of the activity, so whoever opens it is attributed like any scan.
* Dashboard (manager and up): the group-buys in scope with their figures (claimed, redeemed, per
  coupon, per store, by community), and a poster with the store's code to print or save.
* Workbench (the assistant): the assistant's own poster and link for the owners' group, with a code
  of their own (attributed to them).

Refusals answer 400 with the reason in Chinese and change nothing; out of scope is 404.
"""

import base64

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from customers.models import Customer
from stores.models import HeadOffice, Store
from stores.qr_render import svg_bytes
from surfaces.access import dashboard_required, workbench_required
from surfaces.h5 import visitor
from wechat.identity import request_identity

from .display import yuan
from .group_buy import (
    assistant_share_code,
    group_buy_figures,
    group_buy_totals,
    group_buy_page,
    group_buys_visible,
    share_link,
    store_share_code,
)
from .models import Activity


def _qr_data_uri(text: str) -> str:
    """The QR picture of ``text``, inline (SVG), like the coupons' on "my coupons"."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg_bytes(text)).decode("ascii")


def _share_data(request, activity: Activity, page) -> dict:
    """The WeChat share card (``wx.updateAppMessageShareData``): title, text, link, picture."""
    customer = visitor(request)
    store = None
    if customer is not None:  # the visitor's own store, when the group-buy is redeemed there
        store_id = Customer.objects.filter(pk=customer.pk).values_list("store_id", flat=True).first()
        store = next((s for s in page.stores if s.pk == store_id), None)
    code = store_share_code(activity, store) or store_share_code(activity)
    office = HeadOffice.current()
    lowest = min((item.card.definition.group_price for item in page.items
                  if item.card.definition.group_price is not None), default=None)
    if page.neighbours:
        desc = _("%(n)d neighbours have joined. Claim in WeChat, redeem in store.") % {"n": page.neighbours}
    else:
        desc = _("Be the first neighbour to join") + _(". Claim in WeChat, redeem in store.")
    if lowest is not None:
        desc = _("Group-buy prices from ¥%(price)s. ") % {"price": yuan(lowest)} + desc
    picture = ""
    if activity.cover:
        picture = settings.PUBLIC_BASE_URL + activity.cover.url
    elif office is not None and office.logo:
        picture = settings.PUBLIC_BASE_URL + office.logo.url
    return {"title": f"{activity.community} · {activity.name}"[:64], "desc": desc[:120],
            "link": share_link(code, activity), "imgUrl": picture}


@never_cache
def h5_group_buy(request, activity, *, error: str = "", error_for: int | None = None, status: int = 200):
    """The community's group-buy page (dispatched here by ``h5_views.h5_activity``)."""
    today = timezone.localdate()
    page = group_buy_page(activity, visitor(request), today=today)
    return render(request, "promotions/h5_group_buy.html", {
        "office": HeadOffice.current(), "page_title": f"{activity.community} · {activity.name}",
        "activity": activity, "page": page, "running": page.running, "today": today,
        "visitor_known": request_identity(request) is not None, "error": error, "error_for": error_for,
        "share": _share_data(request, activity, page), "jssdk_url": reverse("wechat:jssdk"),
    }, status=status)


def h5_group_buy_item(request, activity, definition, customer, *, error: str, claimed) -> HttpResponse:
    """What htmx gets back after a neighbour's claim on the page (``h5_views.h5_claim``): the item's
    card with the neighbour count swapped too."""
    page = group_buy_page(activity, customer)
    item = next((i for i in page.items if i.card.definition.pk == definition.pk), None)
    if item is None:  # withdrawn meanwhile
        return HttpResponse(error or _("This coupon can no longer be claimed."), status=400)
    return render(request, "promotions/partials/h5_group_buy_item.html", {
        "item": item, "activity": activity, "error": error, "just_claimed": claimed is not None,
        "running": page.running, "visitor_known": True, "page": page, "oob_count": True,
    }, status=400 if error else 200)


h5_urlpatterns = [
]


# --- Dashboard: figures and the store's poster --------------------------------------------------


def _visible_group_buy(request, pk) -> Activity:
    return get_object_or_404(group_buys_visible(request.user), pk=pk)


@dashboard_required
def dashboard_group_buys(request):
    activities = list(group_buys_visible(request.user)[:100])
    figures = group_buy_totals(activities, request.user)
    rows = [(activity, figures[activity.pk]) for activity in activities]
    return render(request, "promotions/dashboard_group_buys.html", {"rows": rows, "nav": "group_buys",
                                                                     "today": timezone.localdate()})


@dashboard_required
def dashboard_group_buy(request, pk):
    activity = _visible_group_buy(request, pk)
    mine = set(Store.objects.visible_to(request.user).values_list("pk", flat=True))
    stores = [store for store in group_buy_page(activity, None).stores if store.pk in mine]
    return render(request, "promotions/dashboard_group_buy.html", {
        "activity": activity, "figures": group_buy_figures(activity, request.user), "stores": stores,
        "nav": "group_buys", "today": timezone.localdate()})


def _poster(request, activity: Activity, code, *, who: str, back_url: str):
    page = group_buy_page(activity, None)
    link = share_link(code, activity)
    return render(request, "promotions/group_buy_poster.html", {
        "office": HeadOffice.current(), "activity": activity, "page": page, "code": code, "link": link,
        "qr": _qr_data_uri(link), "who": who, "back_url": back_url})


@dashboard_required
def dashboard_group_buy_poster(request, pk):
    """The store's poster: the store's code of the activity (``?store=<id>``, a store in scope)."""
    activity = _visible_group_buy(request, pk)
    stores = Store.objects.visible_to(request.user)
    store = stores.filter(pk=request.GET.get("store")).first() if str(request.GET.get("store", "")).isdigit() else None
    staff = getattr(request.user, "staff", None)
    if store is None and staff is not None and staff.store_id:
        store = stores.filter(pk=staff.store_id).first()
    code = store_share_code(activity, store) if store is not None else None
    if code is None:
        raise Http404(_("This store has no code of the activity yet."))
    return _poster(request, activity, code, who=store.name,
                   back_url=reverse("promotions:group_buy", args=[activity.pk]))


# Added to promotions.urls.dashboard_urlpatterns (/dashboard/promotions/...).
dashboard_urlpatterns = [
    path("group-buys/", dashboard_group_buys, name="group_buys"),
    path("group-buys/<int:pk>/", dashboard_group_buy, name="group_buy"),
    path("group-buys/<int:pk>/poster/", dashboard_group_buy_poster, name="group_buy_poster"),
]


# --- Workbench: the assistant's own poster ------------------------------------------------------


@workbench_required
def workbench_group_buy_poster(request, pk):
    """The assistant's poster and link: a code of their own, so neighbours are attributed to them."""
    staff = getattr(request.user, "staff", None)
    activity = get_object_or_404(group_buys_visible(request.user), pk=pk)
    if staff is None or not staff.store_id:
        raise Http404
    if not activity.is_running() and activity.ends_on < timezone.localdate():
        raise Http404(_("The activity has ended."))
    code = assistant_share_code(activity=activity, staff=staff)
    return _poster(request, activity, code, who=f"{staff.get_role_display()} {staff.name}",
                   back_url=reverse("promotions_workbench:group_buys"))


@workbench_required
def workbench_group_buys(request):
    """The group-buys running in the assistant's store, each with "my poster"."""
    today = timezone.localdate()
    activities = [a for a in group_buys_visible(request.user).filter(ends_on__gte=today)[:20]]
    return render(request, "promotions/workbench_group_buys.html", {"activities": activities, "tab": "home",
                                                                     "today": today})


# Added to promotions.urls.workbench_urlpatterns (/m/coupons/...).
workbench_urlpatterns = [
    path("group-buys/", workbench_group_buys, name="group_buys"),
    path("group-buys/<int:pk>/poster/", workbench_group_buy_poster, name="group_buy_poster"),
]
