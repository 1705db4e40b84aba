"""Pages for orders, points and reviews (CUS-7..9): the workbench Orders and Points tabs (the
assistant at the counter), and the dashboard's installation-team reputation page (managers).

Thin views: a form reads the input, a service in ``customers.orders`` / ``customers.ledgers``
writes, and the same view answers htmx with the tab fragment or a plain request with the whole
page. A refused write answers 400 with the message in the form; nothing is stored."""

import uuid

from django import forms
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from stores.models import Product, Staff
from surfaces.access import dashboard_required, workbench_required
from surfaces.views import is_htmx

from .errors import CustomerError
from .ledgers import (
    may_reverse_redemptions,
    points_balance,
    points_redeem,
    points_redemption_reverse,
    rewards_available,
    stored_value_balance,
)
from .models import LogisticsEvent, Order, PointsEntry, PointsRedemption, PointsReward, StoredValueEntry
from .orders import (
    CANCELLABLE,
    ItemInput,
    installers_for,
    logistics_record,
    order_cancel,
    order_create,
    payment_record,
)
from .reviews import staff_reputation, store_reputation, team_reputation, visible_reviews
from .workbench import customer_for_page, render_customer_tab

ENTRIES_SHOWN = 30


def _staff(request) -> Staff | None:
    return getattr(request.user, "staff", None)


# --- forms ---------------------------------------------------------------------------------------


class PaymentForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Payment type"), choices=Order.PaymentType.choices)
    amount = forms.DecimalField(label=gettext_lazy("Amount (CNY)"), max_digits=12, decimal_places=2, min_value=0.01)


class LogisticsForm(forms.Form):
    node = forms.ChoiceField(label=gettext_lazy("Node"), choices=LogisticsEvent.Node.choices)
    location = forms.CharField(label=gettext_lazy("Where"), max_length=100, required=False)
    scheduled_for = forms.DateTimeField(label=gettext_lazy("Appointment"), required=False,
                                        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    installer = forms.ModelChoiceField(label=gettext_lazy("Installer"), queryset=Staff.objects.none(), required=False)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)

    def __init__(self, *args, order: Order, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["installer"].queryset = installers_for(order)


class NewOrderForm(forms.Form):
    product = forms.ModelChoiceField(label=gettext_lazy("Product"), queryset=Product.objects.filter(is_active=True))
    quantity = forms.IntegerField(label=gettext_lazy("Quantity"), min_value=1, max_value=9999, initial=1)
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), choices=Order.Channel.choices,
                                initial=Order.Channel.IN_STORE)


class CancelForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=150)


class RedeemForm(forms.Form):
    reward = forms.ModelChoiceField(label=gettext_lazy("Reward"), queryset=PointsReward.objects.none())
    quantity = forms.IntegerField(label=gettext_lazy("Quantity"), min_value=1, max_value=99, initial=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reward"].queryset = rewards_available()


class ReverseForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200)


def _form_error(form) -> str:
    return " ".join(f"{form.fields[name].label if name in form.fields else ''}: {' '.join(errors)}".lstrip(": ")
                    for name, errors in form.errors.items())


# --- workbench: Orders tab -----------------------------------------------------------------------


def _orders_context(request, customer, *, error_for=None, error="", created=None):
    orders = (Order.objects.visible_to(request.user).filter(customer=customer)
              .select_related("store", "assistant")
              .prefetch_related("items", "payments",
                                Prefetch("logistics", queryset=LogisticsEvent.objects.select_related("installer"))))
    orders = list(orders[:50])
    installers: dict[int, list] = {}  # per store, one query each (a customer's orders are in one or two)
    for order in orders:
        order.paid_total = sum((p.amount for p in order.payments.all()), 0)
        order.due = order.amount - order.paid_total
        done = {event.node for event in order.logistics.all()}
        order.next_nodes = [(value, label) for value, label in LogisticsEvent.Node.choices if value not in done]
        if order.status != Order.Status.CANCELLED and order.next_nodes:
            if order.store_id not in installers:
                installers[order.store_id] = list(installers_for(order))
            order.installer_choices = installers[order.store_id]
        else:
            order.installer_choices = []
        order.cancellable = order.status in CANCELLABLE
    return {
        "orders": orders, "payment_kinds": Order.PaymentType.choices, "error_for": error_for, "error": error,
        "products": Product.objects.filter(is_active=True).only("id", "name", "price"),
        "channels": Order.Channel.choices, "created": created,
    }


def _orders_tab(request, customer, status=200, **kwargs):
    response = render_customer_tab(request, customer, "orders", "workbench/partials/customer_orders.html",
                                   _orders_context(request, customer, **kwargs))
    response.status_code = status
    return response


@workbench_required
def workbench_customer_orders(request, pk):
    """The customer's orders: items, money received, logistics timeline; record the next step."""
    customer = customer_for_page(request, pk)
    return _orders_tab(request, customer)


def _order_in_scope(request, customer, order_pk) -> Order:
    return get_object_or_404(Order.objects.visible_to(request.user), pk=order_pk, customer=customer)


def _after_write(request, customer, url_name):
    if is_htmx(request):
        return None
    return redirect(url_name, customer.pk)


@require_POST
@workbench_required
def workbench_order_create(request, pk):
    customer = customer_for_page(request, pk)
    form = NewOrderForm(request.POST)
    if not form.is_valid():
        return _orders_tab(request, customer, 400, error_for="new", error=_form_error(form))
    try:
        order = order_create(customer=customer, channel=form.cleaned_data["channel"], staff=_staff(request),
                             items=[ItemInput(product=form.cleaned_data["product"],
                                              quantity=form.cleaned_data["quantity"])])
    except CustomerError as exc:
        return _orders_tab(request, customer, 400, error_for="new", error=str(exc))
    return _after_write(request, customer, "workbench:customer_orders") or _orders_tab(request, customer,
                                                                                      created=order.pk)


@require_POST
@workbench_required
def workbench_order_payment(request, pk, order_pk):
    customer = customer_for_page(request, pk)
    order = _order_in_scope(request, customer, order_pk)
    form = PaymentForm(request.POST)
    if not form.is_valid():
        return _orders_tab(request, customer, 400, error_for=order.pk, error=_form_error(form))
    try:
        payment_record(order=order, kind=form.cleaned_data["kind"], amount=form.cleaned_data["amount"],
                       staff=_staff(request))
    except CustomerError as exc:
        return _orders_tab(request, customer, 400, error_for=order.pk, error=str(exc))
    return _after_write(request, customer, "workbench:customer_orders") or _orders_tab(request, customer)


@require_POST
@workbench_required
def workbench_order_logistics(request, pk, order_pk):
    customer = customer_for_page(request, pk)
    order = _order_in_scope(request, customer, order_pk)
    form = LogisticsForm(request.POST, order=order)
    if not form.is_valid():
        return _orders_tab(request, customer, 400, error_for=order.pk, error=_form_error(form))
    try:
        logistics_record(order=order, actor=request.user, **form.cleaned_data)
    except CustomerError as exc:
        return _orders_tab(request, customer, 400, error_for=order.pk, error=str(exc))
    return _after_write(request, customer, "workbench:customer_orders") or _orders_tab(request, customer)


@require_POST
@workbench_required
def workbench_order_cancel(request, pk, order_pk):
    """Cancel an order that has not left the warehouse (the customer changed their mind)."""
    customer = customer_for_page(request, pk)
    order = _order_in_scope(request, customer, order_pk)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _orders_tab(request, customer, 400, error_for=order.pk, error=_form_error(form))
    try:
        order_cancel(order=order, staff=_staff(request), reason=form.cleaned_data["reason"])
    except CustomerError as exc:
        return _orders_tab(request, customer, 400, error_for=order.pk, error=str(exc))
    return _after_write(request, customer, "workbench:customer_orders") or _orders_tab(request, customer)


# --- workbench: Points tab -----------------------------------------------------------------------


def _points_tab(request, customer, status=200, *, error="", error_for=None, done=""):
    redemptions = (PointsRedemption.objects.visible_to(request.user).filter(customer=customer)
                   .select_related("reward", "staff")[:ENTRIES_SHOWN])
    context = {
        "points": points_balance(customer), "stored_value": stored_value_balance(customer),
        "points_entries": PointsEntry.objects.visible_to(request.user).filter(customer=customer)
        .select_related("staff")[:ENTRIES_SHOWN],
        "stored_value_entries": StoredValueEntry.objects.visible_to(request.user).filter(customer=customer)
        .select_related("staff")[:ENTRIES_SHOWN],
        "rewards": rewards_available(), "redemptions": redemptions,
        "may_reverse": may_reverse_redemptions(request.user), "error": error, "error_for": error_for, "done": done,
        # One key per rendered form: a double tap redeems once, two staff on one customer twice.
        "redeem_key": uuid.uuid4().hex,
    }
    response = render_customer_tab(request, customer, "points", "workbench/partials/customer_points.html", context)
    response.status_code = status
    return response


@workbench_required
def workbench_customer_points(request, pk):
    """Points and stored value (balances and entries); redeem a reward; managers reverse one."""
    return _points_tab(request, customer_for_page(request, pk))


@require_POST
@workbench_required
def workbench_points_redeem(request, pk):
    customer = customer_for_page(request, pk)
    form = RedeemForm(request.POST)
    if not form.is_valid():
        return _points_tab(request, customer, 400, error=_form_error(form), error_for="redeem")
    key = request.POST.get("once", "").strip()[:60]
    try:
        redemption = points_redeem(customer=customer, reward=form.cleaned_data["reward"],
                                   quantity=form.cleaned_data["quantity"], staff=_staff(request), actor=request.user,
                                   idempotency_key=f"redeem:{customer.pk}:{key}" if key else None)
    except CustomerError as exc:
        return _points_tab(request, customer, 400, error=str(exc), error_for="redeem")
    return _after_write(request, customer, "workbench:customer_points") or _points_tab(
        request, customer, done=_("Redeemed: %(what)s") % {"what": redemption})


@require_POST
@workbench_required
def workbench_redemption_reverse(request, pk, redemption_pk):
    customer = customer_for_page(request, pk)
    redemption = get_object_or_404(PointsRedemption.objects.visible_to(request.user), pk=redemption_pk,
                                   customer=customer)
    form = ReverseForm(request.POST)
    if not form.is_valid():
        return _points_tab(request, customer, 400, error=_form_error(form), error_for=redemption.pk)
    try:
        points_redemption_reverse(redemption=redemption, reason=form.cleaned_data["reason"], actor=request.user,
                                  staff=_staff(request))
    except CustomerError as exc:
        return _points_tab(request, customer, 400, error=str(exc), error_for=redemption.pk)
    return _after_write(request, customer, "workbench:customer_points") or _points_tab(
        request, customer, done=_("The redemption was reversed; the points are back."))


# --- dashboard: reputation -----------------------------------------------------------------------


@dashboard_required
def dashboard_installation_teams(request):
    """Installation teams' reputation from the reviews in the user's scope (seed 001), with the
    stores and staff members reviewed."""
    reviews = visible_reviews(request.user)
    context = {
        "teams": team_reputation(reviews=reviews, recent=5),
        "stores": store_reputation(reviews=reviews, recent=0),
        "staff": staff_reputation(reviews=reviews, recent=0)[:20],
        "nav": "installation_teams",
    }
    return render(request, "dashboard/installation_teams.html", context)
