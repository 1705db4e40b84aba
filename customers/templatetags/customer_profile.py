"""Template helpers of the workbench customer header and profile tabs (CUS-4, CUS-5)."""

from django import template
from django.utils import timezone

from ..models import CustomerTag

register = template.Library()


@register.simple_tag
def customer_tag_links(customer):
    """The customer's tag links with their tags, by name (one query, whichever tab is open)."""
    return list(CustomerTag.objects.filter(customer=customer).select_related("tag").order_by("tag__name"))


@register.filter
def follow_up_state(day) -> str:
    """``overdue``, ``today`` or ``planned`` for a next follow-up date ("" when none)."""
    if not day:
        return ""
    today = timezone.localdate()
    return "overdue" if day < today else "today" if day == today else "planned"
