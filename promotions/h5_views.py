"""The customer's H5 pages of promotions: an activity's page with its coupons and a claim button
(PRO-1, PRO-2), and "my coupons" with each coupon's code and QR picture.

The customer is whoever the signed WeChat identity cookie says (``wechat.identity``), as on the
other H5 pages; claiming needs it (an unknown visitor goes through WeChat's silent sign-in and
comes back). A refused claim answers 400 with the reason in Chinese, in place (htmx) or on the
page, and changes nothing.
"""

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from customers.scans import customer_for_identity
from stores.models import HeadOffice
from surfaces.h5 import h5_sign_in, visitor
from surfaces.views import is_htmx
from wechat.identity import request_identity

from . import draw_views, group_buy_views
from .errors import PromotionError
from .models import Activity, CouponDefinition
from .qr import coupon_qr_data_uri
from .group_buy import group_buy_claim
from .services import coupon_claim
from .selectors import TABS, activity_card, activity_cards, activity_public, my_coupon_counts, my_coupons


def _not_found(request):
    return render(request, "h5/message.html", {
        "office": HeadOffice.current(), "page_title": _("This page is not available"),
        "title": _("This page is not available"),
        "text": _("The activity may have been withdrawn. Our stores are still happy to see you."),
        "action_url": reverse("h5:home"), "action": _("See our stores"), "icon": "warn",
    }, status=404)


@never_cache
def h5_activity(request, pk, *, error: str = "", error_for: int | None = None, status: int = 200):
    activity = activity_public(pk)
    if activity is None:
        return _not_found(request)
    # Draws and community group-buys have pages of their own kind at the same address.
    if activity.is_draw:
        return draw_views.h5_draw(request, activity)
    if activity.kind == Activity.Kind.GROUP_BUY:
        return group_buy_views.h5_group_buy(request, activity, error=error, error_for=error_for, status=status)
    today = timezone.localdate()
    return render(request, "promotions/h5_activity.html", {
        "office": HeadOffice.current(), "page_title": activity.name, "activity": activity,
        "running": activity.is_running(today), "cards": activity_cards(activity, visitor(request), today=today),
        "visitor_known": request_identity(request) is not None, "today": today, "error": error,
        "error_for": error_for,
    }, status=status)


def _sign_in_first(request, activity):
    here = reverse("promotions_h5:activity", args=[activity.pk])
    sign_in = f"{reverse('h5:sign_in')}?{urlencode({'next': here})}"
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = sign_in
        return response
    return redirect(sign_in)


@require_POST
def h5_claim(request, pk, definition_pk):
    """Claim one coupon of the activity: htmx gets the coupon's card back, a plain form the page."""
    activity = activity_public(pk)
    definition = (CouponDefinition.objects.filter(pk=definition_pk, activity=activity).first()
                  if activity is not None else None)
    if definition is None:
        return _not_found(request)
    identity = request_identity(request)
    if identity is None:
        return _sign_in_first(request, activity)
    customer, _created = customer_for_identity(identity)
    error, claimed = "", None
    try:
        if activity.kind == Activity.Kind.GROUP_BUY:  # the neighbour's community goes on their profile
            claimed = group_buy_claim(activity=activity, definition=definition, customer=customer)
        else:
            claimed = coupon_claim(definition=definition, customer=customer)
    except PromotionError as exc:
        error = str(exc)
    if not is_htmx(request):
        if claimed is not None:
            return redirect(reverse("promotions_h5:my_coupons") + "?claimed=1")
        return h5_activity(request, pk, error=error, error_for=definition.pk, status=400)
    if activity.kind == Activity.Kind.GROUP_BUY:
        return group_buy_views.h5_group_buy_item(request, activity, definition, customer, error=error,
                                                 claimed=claimed)
    card = activity_card(activity, definition.pk, customer)
    if card is None:  # withdrawn meanwhile
        return HttpResponse(error or _("This coupon can no longer be claimed."), status=400)
    return render(request, "promotions/partials/h5_coupon_card.html", {
        "card": card, "activity": activity, "error": error, "just_claimed": claimed is not None,
        "running": activity.is_running(), "visitor_known": True,
    }, status=400 if error else 200)


@never_cache
def h5_my_coupons(request):
    """"My coupons": valid (with code and QR to show at the counter), used, expired."""
    if request_identity(request) is None:
        return h5_sign_in(request, next_url=request.get_full_path())
    customer = visitor(request)
    tab = request.GET.get("tab") if request.GET.get("tab") in TABS else "valid"
    today = timezone.localdate()
    coupons = my_coupons(customer, tab, today=today) if customer else []
    if tab == "valid":
        for coupon in coupons:
            coupon.qr = coupon_qr_data_uri(coupon.code)
    return render(request, "promotions/h5_my_coupons.html", {
        "office": HeadOffice.current(), "page_title": _("My coupons"), "tab": tab, "coupons": coupons,
        "counts": my_coupon_counts(customer, today=today) if customer else dict.fromkeys(TABS, 0),
        "claimed": request.GET.get("claimed") == "1", "today": today,
    })
