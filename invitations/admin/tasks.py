"""Admin for invitation tasks (SPEC INV-4..9): head office looks at tasks and entries as history.

Tasks and entries are read-only here: tasks are dispatched on the dashboard (the manager picks the
customers), feedback is the assistant's in the workbench. The one write is the "End selected
tasks" action, through ``invitation_task_end`` (scope and idempotence as on the dashboard)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from stores.admin_base import ReadOnlyScopedAdmin

from ..errors import InvitationError
from ..models import GroupSend, InvitationEntry, InvitationTask
from ..selectors import METRICS, task_results
from ..services import invitation_task_end


class EntryInline(admin.TabularInline):
    model = InvitationEntry
    fields = ["customer", "assistant", "is_control", "channel", "reason", "contact", "intent", "note", "feedback_at",
              "active"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    max_num = 0

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(InvitationTask)
class InvitationTaskAdmin(ReadOnlyScopedAdmin):
    list_display = ["title", "store", "method", "status", "deadline", "created_by", "created_at", "ended_at"]
    list_filter = ["status", "method", "store__region", "store"]
    search_fields = ["title", "store__name"]
    date_hierarchy = "created_at"
    readonly_fields = ["store", "title", "segment", "method", "status", "deadline", "control_share", "created_by",
                       "created_at", "ended_at", "ended_by", "results"]
    fields = readonly_fields
    inlines = [EntryInline]
    actions = ["end_tasks"]
    list_select_related = ["store", "created_by"]

    @admin.display(description=_("results"))
    def results(self, task):
        totals = task_results(task)["totals"]
        from ..metrics import METRIC_LABELS

        return " · ".join(f"{METRIC_LABELS[k]} {totals[k]}" for k in METRICS if totals[k]) or "—"

    @admin.action(description=_("End selected tasks (customers return to the segments)"))
    def end_tasks(self, request, queryset):
        ended = 0
        for task in queryset.filter(status=InvitationTask.Status.RUNNING).order_by("pk"):
            try:
                invitation_task_end(actor=request.user, task=task)
                ended += 1
            except InvitationError as exc:
                self.message_user(request, f"{task}: {exc}", messages.ERROR)
        self.message_user(request, _("%(count)d tasks ended.") % {"count": ended}, messages.SUCCESS)


@admin.register(InvitationEntry)
class InvitationEntryAdmin(ReadOnlyScopedAdmin):
    list_display = ["task", "customer", "assistant", "store", "channel", "is_control", "contact", "intent",
                    "feedback_at", "active"]
    list_filter = ["active", "is_control", "contact", "intent", "channel", "store"]
    search_fields = ["task__title", "customer__name", "assistant__name"]
    list_select_related = ["task", "customer", "assistant", "store"]
    readonly_fields = ["task", "customer", "assistant", "store", "active", "is_control", "reason", "channel",
                       "contact", "intent", "note", "feedback_at"]
    fields = readonly_fields


@admin.register(GroupSend)
class GroupSendAdmin(ReadOnlyScopedAdmin):
    """One WeCom group message per task and assistant (INV-6), so head office sees stuck sends:
    ``last_error`` says why one retries or fell back; the dispatcher job moves them, not the admin."""

    list_display = ["task", "assistant", "status", "attempts", "checks", "next_attempt_at", "last_error", "updated_at"]
    list_filter = ["status", "task__store__region", "task__store"]
    search_fields = ["task__title", "assistant__name", "msgid"]
    list_select_related = ["task", "assistant"]
    readonly_fields = ["task", "assistant", "status", "msgid", "attempts", "checks", "next_attempt_at", "last_error",
                       "created_at", "updated_at"]
    fields = readonly_fields
