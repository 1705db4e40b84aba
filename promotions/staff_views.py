"""Staff pages of promotions: the workbench's "redeem a coupon" (PRO-3) for the assistant at the
counter, and the dashboard's redemptions list where the store's manager reverses one with a
reason. Thin views: a service writes; htmx gets the fragment, a plain request the whole page; a
refusal answers 400 with the reason in place and changes nothing."""

import re
from urllib.parse import parse_qs, unquote, urlsplit

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from surfaces.access import dashboard_required, workbench_required
from surfaces.views import is_htmx

from .codes import CODE_LENGTH, code_display, code_normalise
from .errors import PromotionError
from .filters import RedemptionFilter
from .selectors import redemptions_today, redemptions_visible
from .services import (
    coupon_redeem,
    coupon_verify,
    holder_text,
    may_redeem,
    may_reverse,
    redemption_reverse,
    verified_of,
)

PAGE_SIZE = 50


# --- Workbench: redeem --------------------------------------------------------------------------

# WeChat's scanner answers a barcode as "<FORMAT>,<text>" (e.g. "CODE_128,7KQM4XR2P9TA").
_SCANNER_FORMAT = re.compile(r"^[A-Z][A-Z0-9_]{1,19},")
_QUERY_KEYS = ("code", "c", "coupon")
SCAN_MAX = 500


def code_from_scan(text: str) -> str:
    """What a scanner (or a typing assistant) gave, as the coupon code to check: the code itself
    (coupons' QR pictures carry just the code, ``promotions.qr``), a link carrying it
    (``...?code=<code>`` or as the last path segment), a scanner's ``QR_CODE,<code>`` or a
    ``prefix:<code>`` label. Anything else comes back normalised, for the code check to refuse."""
    text = (text or "").strip()[:SCAN_MAX]
    text = _SCANNER_FORMAT.sub("", text, count=1)
    if "://" in text:
        parts = urlsplit(text)
        query = parse_qs(parts.query)
        found = next((query[key][0] for key in _QUERY_KEYS if query.get(key)), None)
        if found is None:
            segments = [unquote(segment) for segment in parts.path.split("/") if segment]
            found = segments[-1] if segments else ""
        text = found
    elif ":" in text and len(code_normalise(text)) > CODE_LENGTH:
        text = text.rsplit(":", 1)[1]
    return code_normalise(text)


def _redeem_page(request, context: dict, status: int = 200):
    context.update({"tab": "home", "can_redeem": may_redeem(request.user), "jssdk_url": reverse("wechat:jssdk"),
                    "today_list": list(redemptions_today(request.user)[:20])})
    return render(request, "promotions/workbench_redeem.html", context, status=status)


@workbench_required
def workbench_redeem(request):
    """Type (or scan) a code → verify: what the customer gets and whose it is → one tap redeems."""
    if request.method == "GET":
        return _redeem_page(request, {"code": code_display(code_from_scan(request.GET.get("code", "")))})
    code = code_from_scan(request.POST.get("code", ""))
    step = request.POST.get("step", "verify")
    context = {"code": code, "code_display": code_display(code)}
    try:
        if step == "redeem":
            context["redemption"] = coupon_redeem(code=code, actor=request.user)
            context["verified"] = verified_of(context["redemption"].coupon)
        else:
            context["verified"] = coupon_verify(code=code, actor=request.user)
        status = 200
    except PromotionError as exc:
        context["error"] = str(exc)
        status = 400
    if is_htmx(request):
        context["today_list"] = list(redemptions_today(request.user)[:20]) if status == 200 else []
        return render(request, "promotions/partials/redeem_result.html", context, status=status)
    return _redeem_page(request, context, status=status)


# --- Dashboard: redemptions, reversal -----------------------------------------------------------


@dashboard_required
def dashboard_redemptions(request):
    filterset = RedemptionFilter(request.GET, queryset=redemptions_visible(request.user), request=request)
    page = Paginator(filterset.qs.order_by("-redeemed_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    for redemption in page:
        redemption.reversible = may_reverse(request.user, redemption)
        redemption.holder = holder_text(redemption.coupon.customer)
    context = {"filter": filterset, "page": page, "nav": "promotions"}
    template = ("promotions/partials/redemption_table.html" if is_htmx(request)
                else "promotions/dashboard_redemptions.html")
    return render(request, template, context, status=400 if filterset.errors else 200)


@dashboard_required
@require_POST
def dashboard_redemption_reverse(request, pk):
    """The store's manager takes a redemption back, with a reason (htmx: the row comes back)."""
    redemption = get_object_or_404(redemptions_visible(request.user), pk=pk)
    error = ""
    try:
        redemption = redemption_reverse(redemption=redemption, actor=request.user,
                                        reason=request.POST.get("reason", ""))
        redemption = redemptions_visible(request.user).get(pk=pk)
    except PromotionError as exc:
        error = str(exc)
    if not is_htmx(request):  # a plain form: back to the list, with what happened on top
        messages.add_message(request, messages.ERROR if error else messages.SUCCESS, error or _("Reversed."))
        return redirect("promotions:redemptions")
    redemption.reversible = may_reverse(request.user, redemption)
    redemption.holder = holder_text(redemption.coupon.customer)
    return render(request, "promotions/partials/redemption_row.html",
                  {"r": redemption, "error": error, "open": bool(error), "message": "" if error else _("Reversed.")},
                  status=400 if error else 200)
