"""Journey pages: the customer's tap on a journey message (``/h5/j/<token>/``, records the open and
goes on to the page), and the dashboard's journeys (``/dashboard/journeys/``): head office's
gallery of strategy templates, the journeys with their funnel (matched → reached → sent → opened →
ordered), and a journey's deliveries. Managers and supervisors see the journeys offered to their
stores and their stores' figures only (``visible_to``); out of scope is 404."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from stores.scope import Level, scope_of
from surfaces.access import dashboard_required

from .models import Journey
from .selectors import deliveries_seen_by, journeys_with_results
from .services import delivery_open, link_target
from .strategies import STRATEGIES

PAGE_SIZE = 50


def h5_open(request, token: str):
    """The link of a journey message: the first open is recorded, then the journey's page."""
    delivery = delivery_open(token=token[:32])
    if delivery is None:
        raise Http404
    return redirect(link_target(delivery.journey))


def _is_hq(user) -> bool:
    return scope_of(user).level is Level.ALL


@dashboard_required
def dashboard_journeys(request):
    hq = _is_hq(request.user)
    add_url = reverse("admin:automation_journey_add")
    templates = [{"strategy": s, "url": f"{add_url}?template={s.key}"} for s in STRATEGIES] if hq else []
    return render(request, "automation/journeys.html", {
        "journeys": journeys_with_results(request.user), "templates": templates, "hq": hq, "nav": "journeys"})


@dashboard_required
def dashboard_journey(request, pk: int):
    journey = get_object_or_404(Journey.objects.visible_to(request.user), pk=pk)
    (journey,) = journeys_with_results(request.user, [journey])
    deliveries = (deliveries_seen_by(request.user).filter(journey=journey)
                  .select_related("customer", "store", "message", "coupon").order_by("-created_at", "-pk"))
    page = Paginator(deliveries, PAGE_SIZE).get_page(request.GET.get("page"))
    runs = list(journey.runs.order_by("-day")[:7]) if _is_hq(request.user) else []
    return render(request, "automation/journey.html", {
        "journey": journey, "page": page, "runs": runs, "hq": _is_hq(request.user), "nav": "journeys"})
