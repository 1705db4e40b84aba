"""The group-send state of a task, per assistant, for the task detail page (INV-6)."""

from django import template

from invitations.group_send import group_send_summary

register = template.Library()


@register.simple_tag
def task_group_send_summary(task) -> list[dict]:
    """Rows of ``invitations.group_send.group_send_summary`` (empty unless a group-send task)."""
    return group_send_summary(task)
