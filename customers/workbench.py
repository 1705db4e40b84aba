"""The assistant's customer page in the workbench (``/m/customers/<pk>/...``): one header, then
tabs, each tab its own URL and view. A tab answers an htmx request with its fragment only and any
other request with the whole page, through the same view and the same scope check."""

from dataclasses import dataclass

from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _

from .models import Customer


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    url_name: str


TABS = [
    Tab("overview", _("Overview"), "workbench:customer"),
    Tab("profile", _("Profile"), "workbench:customer_profile"),
    Tab("follow_ups", _("Follow-ups"), "workbench:customer_follow_ups"),
    Tab("orders", _("Orders"), "workbench:customer_orders"),
    Tab("points", _("Points"), "workbench:customer_points"),
]


def customer_for_page(request, pk: int) -> Customer:
    """The customer, if the signed-in staff member may see them; 404 otherwise (ORG-3)."""
    return get_object_or_404(
        Customer.objects.visible_to(request.user).select_related("store", "owner_assistant"), pk=pk
    )


def render_customer_tab(request, customer: Customer, tab: str, partial: str, context: dict | None = None):
    """Render one tab. ``partial`` is the tab's fragment (``workbench/partials/customer_<tab>.html``):
    an htmx request gets it alone, any other request gets the whole page with it inside."""
    from surfaces.views import is_htmx

    context = {"customer": customer, "tabs": TABS, "active_tab": tab, "tab_partial": partial, "tab": "customers",
               **(context or {})}
    return render(request, partial if is_htmx(request) else "workbench/customer.html", context)
