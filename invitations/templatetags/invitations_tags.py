"""Template helpers of the invitation workflow."""

from django import template

from invitations.selectors import todo_count

register = template.Library()


@register.simple_tag
def invitation_todo_count(staff) -> int:
    """How many customers ``staff`` still has to invite in running tasks (the workbench home link)."""
    return todo_count(staff)
