"""Template helpers of seed 003's daily tables (``invitations.daily``)."""

from django import template

from invitations.daily import day_progress
from stores.models import Role

register = template.Library()


@register.inclusion_tag("invitations/workbench_home_progress.html", takes_context=True)
def invitation_day_progress(context, staff):
    """The assistant's calls and group invitations today against their targets, linking to their
    log of the day (the workbench home). Nothing for staff without daily targets."""
    if staff is None or staff.role != Role.ASSISTANT or not staff.is_active:
        return {"progress": None}
    return {"progress": day_progress(staff), "link": True, "today": context.get("today")}
