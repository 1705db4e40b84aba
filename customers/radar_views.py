"""The interaction radar's pages (QR-9): the feed on the workbench (``/m/radar/``) and on the
dashboard (``/dashboard/radar/``). Both read ``customers.radar.radar_feed`` (the viewer's scope:
an assistant their own customers, a manager the store, a supervisor the region, head office all)
and poll every few seconds for entries newer than the newest shown (``?after=<id>``): an htmx
poll gets only those, or 204 when there are none."""

from django.http import HttpResponse
from django.shortcuts import render

from surfaces.access import dashboard_required, workbench_required
from surfaces.views import is_htmx

from .radar import radar_feed

POLL_SECONDS = 5


def _after(request) -> int | None:
    text = request.GET.get("after", "")
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def _feed(request, *, template: str, partial: str, context: dict):
    after = _after(request)
    lines = radar_feed(viewer=request.user, after=after)
    newest = max((line.event.pk for line in lines), default=after or 0)
    context.update({"lines": lines, "newest": newest, "poll_seconds": POLL_SECONDS})
    if after is not None and is_htmx(request):
        if not lines:
            return HttpResponse(status=204)  # nothing new: htmx leaves the page as it is
        return render(request, partial, context)
    return render(request, template, context)


@workbench_required
def workbench_radar(request):
    """The assistant's feed on the phone: "王女士 正在看 岛台厨房方案 · 2分钟前", newest first."""
    return _feed(request, template="customers/radar/workbench.html", partial="customers/radar/workbench_new.html",
                 context={"tab": "home"})


@dashboard_required
def dashboard_radar(request):
    """The store's (region's, brand's) feed for managers and up."""
    return _feed(request, template="customers/radar/dashboard.html", partial="customers/radar/dashboard_new.html",
                 context={"nav": "radar"})
