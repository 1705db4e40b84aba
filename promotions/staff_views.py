"""Staff pages of promotions: the workbench's "redeem a coupon" (PRO-3) for the assistant at the
counter, and the dashboard's redemptions list where the store's manager reverses one with a
reason. Thin views: a service writes; htmx gets the fragment, a plain request the whole page; a
refusal answers 400 with the reason in place and changes nothing."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from surfaces.access import dashboard_required, workbench_required
from surfaces.views import is_htmx

from .codes import code_display, code_normalise
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


def _redeem_page(request, context: dict, status: int = 200):
    context.update({"tab": "home", "can_redeem": may_redeem(request.user),
                    "today_list": list(redemptions_today(request.user)[:20])})
    return render(request, "promotions/workbench_redeem.html", context, status=status)


@workbench_required
def workbench_redeem(request):
    """Type (or scan) a code → verify: what the customer gets and whose it is → one tap redeems."""
    if request.method == "GET":
        return _redeem_page(request, {"code": request.GET.get("code", "")})
    code = code_normalise(request.POST.get("code", ""))
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
