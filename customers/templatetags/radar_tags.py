"""The interaction radar's tile on the workbench home (QR-9): today's count and the newest entry."""

from django import template

from common.days import day_start
from customers.models import RadarEvent
from customers.radar import radar_feed
from stores.scope import Level, scope_of

register = template.Library()


@register.inclusion_tag("customers/radar/tile.html", takes_context=True)
def radar_tile(context):
    """Two queries (today's count, the newest entry) plus one for its page; nothing for partners."""
    from django.utils import timezone

    user = context["request"].user
    if scope_of(user).level in (Level.NONE, Level.PARTNER):
        return {"show": False}
    today = RadarEvent.objects.visible_to(user).filter(occurred_at__gte=day_start(timezone.localdate())).count()
    newest = radar_feed(viewer=user, limit=1)
    return {"show": True, "today": today, "newest": newest[0] if newest else None}
