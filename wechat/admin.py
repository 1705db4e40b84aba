from django.contrib import admin, messages
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stores.admin_base import ScopedModelAdmin

from .models import Message


@admin.register(Message)
class MessageAdmin(ScopedModelAdmin):
    """Head office sees every message's status (WX-3) and can send an uncertain or dead one again.

    "Send again" is a person's decision: for an uncertain message WeChat may have delivered it.
    Skipped messages (marketing to a customer who opted out) cannot be sent again.
    """

    list_display = ["created_at", "purpose", "openid", "customer", "staff", "status", "attempts", "last_error_code",
                    "next_attempt_at", "sent_at", "delivery"]
    list_filter = ["status", "purpose", "kind", "is_marketing"]
    search_fields = ["key", "openid", "customer__name", "staff__name"]
    list_select_related = ["customer", "staff"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    readonly_fields = [f.name for f in Message._meta.fields]
    actions = ["send_again"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Send again (uncertain, dead or failed messages)"))
    @transaction.atomic
    def send_again(self, request, queryset):
        from .outbox import message_nudge

        again = [Message.Status.UNCERTAIN, Message.Status.DEAD, Message.Status.FAILED]
        ids = list(queryset.filter(status__in=again).values_list("pk", flat=True))
        Message.objects.filter(pk__in=ids, status__in=again).update(
            status=Message.Status.PENDING, next_attempt_at=timezone.now(), attempts=0)
        transaction.on_commit(lambda: [message_nudge(message_id) for message_id in ids])
        self.message_user(request, _("%(n)d messages queued again.") % {"n": len(ids)}, messages.SUCCESS)
