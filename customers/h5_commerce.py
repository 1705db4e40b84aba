"""The customer's own H5 pages for orders and points (CUS-7..9): "my orders" with each order's
logistics progress and a review form (store, assistant, installation team), and "my points".

The customer is whoever the signed WeChat identity cookie says (``wechat.identity``); a page
shows only that customer's rows, and another customer's order answers 404 like a missing one."""

from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from stores.models import HeadOffice, InstallationTeam
from wechat.identity import request_identity

from .errors import CustomerError
from .ledgers import points_balance, rewards_available, stored_value_balance
from .models import LogisticsEvent, Order, PointsEntry, Review
from .reviews import review_create

NODES = LogisticsEvent.Node.choices


def _customer(request):
    from surfaces.h5 import visitor

    return visitor(request)


def _sign_in(request):
    from surfaces.h5 import h5_sign_in

    return h5_sign_in(request, next_url=request.get_full_path())


def _review_targets(order: Order, reviews: list[Review]) -> list[dict]:
    """What this order's customer can still review: the store, the assistant, the teams."""
    done = {(r.subject, r.staff_id or r.installation_team_id or r.store_id) for r in reviews}
    targets = [{"subject": Review.Subject.STORE, "id": order.store_id, "label": _("Store"), "name": order.store.name}]
    if order.assistant_id:
        targets.append({"subject": Review.Subject.STAFF, "id": order.assistant_id, "label": _("Your assistant"),
                        "name": order.assistant.name})
    # The teams of the order's installers (logistics prefetched with them: no query per order).
    teams = {event.installer.installation_team for event in order.logistics.all()
             if event.installer is not None and event.installer.installation_team is not None}
    for team in sorted(teams, key=lambda t: t.pk):
        targets.append({"subject": Review.Subject.INSTALLATION_TEAM, "id": team.pk, "label": _("Installation team"),
                        "name": team.name})
    return [t for t in targets if (t["subject"], t["id"]) not in done]


def _orders_page(request, customer, *, status=200, error="", error_for=None, thanks_for=None):
    orders = list(Order.objects.filter(customer=customer).exclude(status=Order.Status.CANCELLED)
                  .select_related("store", "assistant")
                  .prefetch_related("items", "reviews", Prefetch(
                      "logistics", queryset=LogisticsEvent.objects.select_related("installer__installation_team")))[:30])
    for order in orders:
        done = {event.node: event for event in order.logistics.all()}
        order.steps = [{"label": label, "event": done.get(value)} for value, label in NODES]
        order.my_reviews = [r for r in order.reviews.all() if r.customer_id == customer.pk]
        order.review_targets = _review_targets(order, order.my_reviews)
    return render(request, "h5/my_orders.html", {
        "office": HeadOffice.current(), "page_title": _("My orders"), "orders": orders, "error": error,
        "error_for": error_for, "thanks_for": thanks_for, "stars": range(5, 0, -1),
    }, status=status)


@never_cache
def h5_my_orders(request):
    if request_identity(request) is None:
        return _sign_in(request)
    customer = _customer(request)
    if customer is None:
        return render(request, "h5/my_orders.html", {"office": HeadOffice.current(), "page_title": _("My orders"),
                                                     "orders": []})
    thanks = request.GET.get("thanks", "")
    return _orders_page(request, customer, thanks_for=int(thanks) if thanks.isdigit() else None)


@require_POST
def h5_review(request, order_pk: int):
    """Rate the store, the assistant or the installation team of one of my orders."""
    customer = _customer(request) if request_identity(request) else None
    if customer is None:
        raise Http404
    order = get_object_or_404(Order.objects.select_related("store", "assistant"), pk=order_pk, customer=customer)
    subject = request.POST.get("subject", "")
    target = request.POST.get("target", "")
    kwargs = {}
    try:
        if subject == Review.Subject.STAFF:
            if not target.isdigit() or int(target) != order.assistant_id:
                raise CustomerError(_("Say what the review is about."))
            kwargs["staff"] = order.assistant
        elif subject == Review.Subject.INSTALLATION_TEAM:
            team = InstallationTeam.objects.filter(pk=int(target)).first() if target.isdigit() else None
            if team is None:
                raise CustomerError(_("Say what the review is about."))
            kwargs["installation_team"] = team
        review_create(customer=customer, order=order, subject=subject, rating=request.POST.get("rating"),
                      comment=request.POST.get("comment", ""), **kwargs)
    except CustomerError as exc:
        return _orders_page(request, customer, status=400, error=str(exc), error_for=order.pk)
    return redirect(reverse("h5:my_orders") + f"?thanks={order.pk}#order-{order.pk}")


@never_cache
def h5_my_points(request):
    if request_identity(request) is None:
        return _sign_in(request)
    customer = _customer(request)
    context = {"office": HeadOffice.current(), "page_title": _("My points"), "rewards": rewards_available()}
    if customer is not None:
        context.update(points=points_balance(customer), stored_value=stored_value_balance(customer),
                       entries=PointsEntry.objects.filter(customer=customer)[:30])
    return render(request, "h5/my_points.html", context)
