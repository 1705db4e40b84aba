"""Pages of seed 003's tables (SPEC INV-10, ``invitations.daily``): the assistant's day in the
workbench, and on the dashboard the morning meeting's targets, the phone invitation log, the
successful invitations, the evening review with its one-tap reminder, and the operator's summary.

Thin views: figures come from ``invitations.daily``, writes go through its services; a refused
write is shown with its reason (400 for htmx and for the targets form), nothing changed. Managers
see their store; supervisors and HQ pick a store in their scope (``?store=``, out of scope: 404)."""

import re
from datetime import timedelta

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from stores.models import Region, Staff, Store
from stores.scope import Level, scope_of
from surfaces.access import dashboard_required, workbench_required
from surfaces.views import is_htmx

from . import daily
from .errors import InvitationError
from .models import InvitationAttempt
from .services import staff_of
from .store_picker import store_pick

TARGET_FIELD = re.compile(r"^(calls|group_invitations)_(\d+)$")


# --- Workbench: the assistant's day ----------------------------------------------------------------

@workbench_required
def my_day(request):
    """"My log today": the progress against today's targets and every attempt of the day, the
    assistant's own only (another day with ``?day=``, never a future one)."""
    staff = staff_of(request.user)
    today = timezone.localdate()
    day = min(daily.day_parse(request.GET.get("day")), today)
    attempts, progress = [], None
    if staff is not None:
        attempts = daily.attempt_log(InvitationAttempt.objects.filter(assistant=staff), day)
        progress = daily.day_progress(staff, day)
    return render(request, "invitations/workbench_day.html", {
        "day": day, "today": today, "attempts": attempts, "progress": progress, "tab": "home",
        "previous_day": day - timedelta(days=1), "next_day": day + timedelta(days=1) if day < today else None,
    })


# --- Dashboard: store and day from the query string ------------------------------------------------

def _stores(request):
    return list(Store.objects.visible_to(request.user).select_related("region").order_by("region__code", "code"))


def _context(request, page: str, store: Store | None, stores: list[Store], **extra) -> dict:
    return {"nav": "invitations", "page": page, "store": store, "stores": stores,
            "today": timezone.localdate(), **extra}


@dashboard_required
def daily_home(request):
    """The daily tables' landing: a store's evening review for a manager, the summary above."""
    if scope_of(request.user).level is Level.STORE:
        return redirect("invitations:daily_review")
    return redirect("invitations:daily_summary")


@dashboard_required
@require_http_methods(["GET", "POST"])
def targets(request):
    """The morning meeting (晨会): each assistant's calls and group invitations for the day,
    prefilled from the day's rows or head office's defaults, saved in one action."""
    stores = _stores(request)
    store = store_pick(request, stores)
    day = daily.day_parse(request.POST.get("day") or request.GET.get("day"))
    error, posted = "", {}
    if request.method == "POST":
        for key, value in request.POST.items():
            match = TARGET_FIELD.match(key)
            if match:
                posted.setdefault(match.group(2), {})[match.group(1)] = value
        try:
            saved = daily.daily_targets_set(actor=request.user, store=store, day=day, targets=posted)
        except InvitationError as exc:
            error = str(exc)
        else:
            messages.success(request, _("Targets saved for %(count)d assistants on %(day)s.")
                             % {"count": len(saved), "day": day.isoformat()})
            return redirect(reverse("invitations:daily_targets") + "?" + urlencode({"store": store.pk, "day": day}))
    rows = daily.morning_rows(store, day)
    for row in rows:
        mine = posted.get(str(row["assistant"].pk), {})
        row["calls"] = mine.get("calls", row["target"].calls)
        row["group_invitations"] = mine.get("group_invitations", row["target"].group_invitations)
    response = render(request, "invitations/daily_targets.html", _context(
        request, "targets", store, stores, day=day, rows=rows, error=error, editable=day >= timezone.localdate(),
        default=daily.default_target(), max_target=daily.MAX_TARGET))
    if error:
        response.status_code = 400
    return response


@dashboard_required
def log(request):
    """The phone invitation log (电话邀约记录表) of a store and day, filterable; htmx gets the table."""
    stores = _stores(request)
    store = store_pick(request, stores)
    day = daily.day_parse(request.GET.get("day"))
    attempts = InvitationAttempt.objects.visible_to(request.user).filter(store=store)
    filters = daily.AttemptFilter(request.GET, queryset=attempts, store=store)
    rows = daily.attempt_log(filters.qs, day) if filters.is_valid() else []
    template = "invitations/daily_log_table.html" if is_htmx(request) else "invitations/daily_log.html"
    return render(request, template, _context(request, "log", store, stores, day=day, filters=filters, rows=rows,
                                              limit=1000))


@dashboard_required
def successes(request):
    """Successful invitations (成功邀约记录表) of a date range, followed to whether they paid."""
    stores = _stores(request)
    store = store_pick(request, stores)
    start, end = daily.range_parse(request.GET.get("start"), request.GET.get("end"))
    assistants = list(daily.store_assistants(store))
    asked = request.GET.get("assistant") or ""
    assistant = next((a for a in assistants if str(a.pk) == asked), None)
    result = daily.successful_invitations(store=store, start=start, end=end, assistant=assistant)
    return render(request, "invitations/daily_successes.html", _context(
        request, "successes", store, stores, start=start, end=end, assistants=assistants, assistant=assistant,
        result=result, max_days=daily.MAX_RANGE_DAYS))


@dashboard_required
def review(request):
    """The evening review (夕会): per assistant, targets against what they did; print-friendly."""
    stores = _stores(request)
    store = store_pick(request, stores)
    day = min(daily.day_parse(request.GET.get("day")), timezone.localdate())
    return render(request, "invitations/daily_review.html", _context(
        request, "review", store, stores, day=day, review=daily.evening_review(store=store, day=day)))


@dashboard_required
@require_POST
def remind(request, pk):
    """One tap on the evening review: remind an assistant who is behind today's targets."""
    assistant = get_object_or_404(Staff.objects.visible_to(request.user), pk=pk)
    error, status = "", "sent"
    try:
        message = daily.daily_remind(actor=request.user, assistant=assistant)
        if message is None:
            status = "without_wechat"
    except InvitationError as exc:
        error = str(exc)
    if is_htmx(request):
        response = render(request, "invitations/daily_remind.html",
                          {"assistant": assistant, "error": error, "status": status})
        if error:
            response.status_code = 400
        return response
    if error:
        messages.error(request, error)
    elif status == "without_wechat":
        messages.warning(request, _("%(name)s has not bound WeChat; remind them in person.")
                         % {"name": assistant.name})
    else:
        messages.success(request, _("Reminded %(name)s.") % {"name": assistant.name})
    return redirect(reverse("invitations:daily_review") + "?" + urlencode({"store": assistant.store_id}))


@dashboard_required
def summary(request):
    """The operator's summary (操盘手汇总表): per day and store in scope, with a drill-down to the
    store's evening review of that day. Filter by region or store."""
    stores_in_scope = Store.objects.visible_to(request.user)
    regions = list(Region.objects.visible_to(request.user).order_by("code"))
    stores = _stores(request)
    chosen = stores_in_scope
    region = next((r for r in regions if str(r.pk) == request.GET.get("region", "")), None)
    if region is not None:
        chosen = chosen.filter(region=region)
    store = next((s for s in stores if str(s.pk) == request.GET.get("store", "")), None)
    if store is not None:
        chosen = chosen.filter(pk=store.pk)
    start, end = daily.range_parse(request.GET.get("start"), request.GET.get("end"))
    result = daily.daily_summary(stores=chosen, start=start, end=end)
    return render(request, "invitations/daily_summary.html", _context(
        request, "summary", store, stores, regions=regions, region=region, start=start, end=end, result=result,
        max_days=daily.MAX_RANGE_DAYS))
