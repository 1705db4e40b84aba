"""Template helpers of the privacy slot in the workbench customer header (CUS-11)."""

from django import template

from ..privacy import consent_state, may_reveal

register = template.Library()


@register.simple_tag
def customer_consents(customer):
    """Every consent purpose with the customer's current choice."""
    return consent_state(customer=customer)


@register.simple_tag
def may_contact(user):
    """Whether the user may reveal numbers and call through the relay (staff, not partners)."""
    return bool(getattr(user, "is_authenticated", False)) and may_reveal(user)
