"""Figures of the invitation metrics as the page shows them: empty when zero (INV-7)."""

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import floatformat

from invitations.metrics import LIFT, MONEY, RATE, Column

register = template.Library()


@register.simple_tag
def figure(row: dict, column: Column) -> str:
    """``row``'s value of ``column``: ¥ amounts, rates in %, the lift in percentage points; "" when
    zero or when there is no control group to compare with."""
    value = column.value(row)
    if not value:
        return ""
    if column.kind == MONEY:
        return f"¥{intcomma(floatformat(value, 2))}"
    if column.kind == RATE:
        return f"{value * 100:.1f}%"
    if column.kind == LIFT:
        return f"{value * 100:+.1f} pp"
    return intcomma(value)
