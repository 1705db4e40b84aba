"""Pages of invitation tasks (SPEC INV-4..9): the manager's dispatch, task list and task detail on
the dashboard, the assistant's to-do with one-tap feedback in the workbench. Thin views: writes go
through ``invitations.services``; refusals are shown as messages, nothing changed."""

from datetime import datetime, time

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stores.models import Store
from surfaces.access import dashboard_required, workbench_required
from surfaces.views import is_htmx

from . import daily
from .errors import InvitationError
from .metrics import METRIC_LABELS
from .models import InvitationEntry, InvitationTask
from .selectors import METRICS, task_results, tasks_visible, todo_for
from .services import (
    DispatchRefused,
    invitation_feedback_record,
    invitation_task_dispatch,
    invitation_task_end,
    invitation_task_urge,
)


def _deadline(value: str):
    """A deadline from a form: a date (end of that day) or a date and time; None when blank."""
    value = (value or "").strip()
    if not value:
        return None
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        if day is None:
            raise InvitationError(_("The deadline is not a valid date."))
        moment = datetime.combine(day, time(23, 59))
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _back(request, fallback: str):
    target = request.POST.get("next") or ""
    return redirect(target if target.startswith("/dashboard/") else fallback)


def _all_matching(request, store):
    """"Select all N matching": the invitable customers of the page's segment or filter, as a
    queryset the dispatch reads under its transaction; None when customers were ticked."""
    from customers.contacts import contact_cap
    from django.http import QueryDict

    from .candidates import filter_invitable
    from .segments import segment_invitable

    if request.POST.get("all_matching") not in ("1", "true", "on"):
        return None
    if request.POST.get("segment"):
        return segment_invitable(key=request.POST["segment"], store=store, viewer=request.user, cap=contact_cap())
    if "filter" in request.POST:
        params = QueryDict(request.POST["filter"], mutable=True)
        params["store"] = str(store.pk)
        return filter_invitable(store=store, viewer=request.user, params=params, cap=contact_cap(), request=request)
    raise InvitationError(_("There is no list to select all customers from."))


@dashboard_required
@require_POST
def dispatch(request):
    """Dispatch a task from the customers ticked on a segment page or a manual filter's page, or
    from all the customers they match (``all_matching`` with the ``expected_count`` shown) (INV-4)."""
    store = get_object_or_404(Store.objects.visible_to(request.user), pk=request.POST.get("store") or 0)
    ids = request.POST.getlist("customers") or request.POST.getlist("customer")
    if len(ids) == 1 and "," in ids[0]:
        ids = [v for v in ids[0].split(",") if v.strip()]
    try:
        task = invitation_task_dispatch(
            actor=request.user, store=store, customer_ids=ids, matching=_all_matching(request, store),
            expected_count=request.POST.get("expected_count"),
            expected_fingerprint=request.POST.get("fingerprint", ""),
            method=request.POST.get("method") or InvitationTask.Method.ONE_TO_ONE,
            deadline=_deadline(request.POST.get("deadline")), segment_key=request.POST.get("segment") or None,
            title=request.POST.get("title", ""), control_share=request.POST.get("control_share") or 0,
        )
    except DispatchRefused as exc:
        messages.error(request, str(exc) + " " + "；".join(
            f"#{r['customer']} {r['reason']}" for r in exc.refusals[:20]))
        return _back(request, "invitations:tasks")
    except InvitationError as exc:
        messages.error(request, str(exc))
        return _back(request, "invitations:tasks")
    messages.success(request, _("Task dispatched to %(count)d customers.") % {"count": task.entries.count()})
    return redirect("invitations:task", pk=task.pk)


@dashboard_required
def task_list(request):
    store_id = request.GET.get("store") or None
    status = request.GET.get("status") or None
    stores = Store.objects.visible_to(request.user).order_by("name")
    tasks = tasks_visible(request.user, store=store_id if store_id and store_id.isdigit() else None, status=status)
    context = {"tasks": tasks[:200], "stores": stores, "store_id": store_id, "status": status,
               "statuses": InvitationTask.Status.choices, "nav": "invitations"}
    template = "invitations/tasks_table.html" if is_htmx(request) else "invitations/tasks.html"
    return render(request, template, context)


def _task_for(request, pk) -> InvitationTask:
    return get_object_or_404(tasks_visible(request.user), pk=pk)


@dashboard_required
def task_detail(request, pk):
    task = _task_for(request, pk)
    results = task_results(task)
    # Figures are shown only when non-zero (seed 002).
    figures = [(METRIC_LABELS[key], results["totals"][key], key) for key in METRICS if results["totals"][key]]
    return render(request, "invitations/tasks_detail.html", {"task": task, "results": results, "figures": figures,
                                                            "nav": "invitations"})


@dashboard_required
@require_POST
def task_end(request, pk):
    task = _task_for(request, pk)
    try:
        invitation_task_end(actor=request.user, task=task)
        messages.success(request, _("Task ended; its customers are back in the segments."))
    except InvitationError as exc:
        messages.error(request, str(exc))
    return redirect("invitations:task", pk=task.pk)


@dashboard_required
@require_POST
def task_urge(request, pk):
    task = _task_for(request, pk)
    try:
        result = invitation_task_urge(actor=request.user, task=task)
    except InvitationError as exc:
        messages.error(request, str(exc))
        return redirect("invitations:task", pk=task.pk)
    if result.reminded:
        messages.success(request, _("Reminded: %(names)s.") % {"names": "、".join(s.name for s in result.reminded)})
    if result.without_wechat:
        messages.warning(request, _("Not bound to WeChat, remind them in person: %(names)s.")
                         % {"names": "、".join(s.name for s in result.without_wechat)})
    if not result.reminded and not result.without_wechat:
        messages.info(request, _("Nobody has customers awaiting feedback."))
    return redirect("invitations:task", pk=task.pk)


# --- Workbench: the assistant's to-do -----------------------------------------------------------

@workbench_required
def todo(request):
    """The to-do with today's progress against the targets (seed 003) and, on each customer, the
    feedback form: channel, result, intent, grade A-D, WeChat group, note."""
    staff = getattr(request.user, "staff", None)
    groups, done = todo_for(staff) if staff is not None else ([], [])
    done = done[:50]
    daily.entries_with_attempts([e for g in groups for e in g["entries"]] + done)
    return render(request, "invitations/workbench_todo.html", {
        "groups": groups, "done": done, "awaiting": sum(len(g["entries"]) for g in groups), "tab": "home",
        "progress": daily.day_progress(staff) if staff is not None else None, "grade_choices": daily.GRADE_HINTS})


@workbench_required
@require_POST
def feedback(request, pk):
    staff = getattr(request.user, "staff", None)
    entry = InvitationEntry.objects.visible_to(request.user).filter(pk=pk, is_control=False).select_related(
        "task", "customer").first()
    if entry is None or staff is None:
        raise Http404
    error = ""
    contact = request.POST.get("contact", "")
    try:
        entry = invitation_feedback_record(
            actor=request.user, entry=entry, contact=contact, note=request.POST.get("note", ""),
            # The intent chips sit above both result buttons: they mean something only with "reached".
            intent=request.POST.get("intent", "") if contact == InvitationEntry.Contact.REACHED else "",
            channel=request.POST.get("channel", ""), grade=request.POST.get("grade", ""),
            group_invited=request.POST.get("group_invited") in ("1", "on", "true"))
        entry = InvitationEntry.objects.select_related("task", "customer").get(pk=entry.pk)
    except InvitationError as exc:
        error = str(exc)
    if is_htmx(request):
        daily.entries_with_attempts([entry])
        response = render(request, "invitations/workbench_entry.html", {
            "entry": entry, "error": error, "grade_choices": daily.GRADE_HINTS,
            # the progress header above the list follows (out of band)
            "progress": None if error else daily.day_progress(staff), "progress_oob": not error})
        if error:
            response.status_code = 400
        return response
    if error:
        messages.error(request, error)
    return redirect("invitations_workbench:todo")
