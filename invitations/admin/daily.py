"""Admin for seed 003's daily tables (SPEC INV-10): head office looks at the phone invitation log
and the assistants' daily targets.

* Invitation attempts are read-only: the assistant records them in the workbench, they are the log.
* Daily targets are written through ``invitations.daily.daily_targets_set`` (the morning meeting's
  service), so the admin refuses what the dashboard refuses: a past day, a number outside 0..500,
  someone who is not an active assistant of a store in scope. Assistant and day are fixed once
  saved; a row of a past day is history and can no longer be changed or deleted.
"""

from django import forms
from django.contrib import admin
from django.utils import timezone

from stores.admin_base import ReadOnlyScopedAdmin, ScopedModelAdmin
from stores.models import Role, Staff

from ..daily import daily_targets_check, daily_targets_set
from ..errors import InvitationError
from ..models import DailyTarget, InvitationAttempt


@admin.register(InvitationAttempt)
class InvitationAttemptAdmin(ReadOnlyScopedAdmin):
    list_display = ["at", "store", "assistant", "customer", "channel", "contact", "intent", "grade", "group_invited",
                    "note"]
    list_filter = ["at", "store__region", "store", ("assistant", admin.RelatedOnlyFieldListFilter), "grade", "contact",
                   "intent", "channel", "group_invited"]
    date_hierarchy = "at"
    search_fields = ["customer__name", "assistant__name", "note", "entry__task__title"]
    list_select_related = ["store", "assistant", "customer"]
    fields = ["entry", "customer", "assistant", "store", "at", "channel", "contact", "intent", "grade",
              "group_invited", "note"]
    readonly_fields = fields


class DailyTargetForm(forms.ModelForm):
    class Meta:
        model = DailyTarget
        fields = ["assistant", "day", "calls", "group_invitations"]

    def clean(self):
        data = super().clean()
        # assistant and day are fixed once saved (read-only on the change form)
        assistant = self.instance.assistant if self.instance.pk else data.get("assistant")
        day = self.instance.day if self.instance.pk else data.get("day")
        if assistant is None or day is None or self.errors:
            return data
        try:
            daily_targets_check(actor=self.request.user, store=assistant.store, day=day, targets={
                assistant.pk: {"calls": data.get("calls"), "group_invitations": data.get("group_invitations")}})
        except InvitationError as exc:
            raise forms.ValidationError(str(exc)) from None
        return data


@admin.register(DailyTarget)
class DailyTargetAdmin(ScopedModelAdmin):
    form = DailyTargetForm
    list_display = ["day", "store", "assistant", "calls", "group_invitations", "set_by", "updated_at"]
    list_filter = ["day", "store__region", "store"]
    date_hierarchy = "day"
    search_fields = ["assistant__name", "store__name"]
    list_select_related = ["store", "assistant", "set_by"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request = request
        return form

    def get_readonly_fields(self, request, obj=None):
        return ["assistant", "day", "set_by", "updated_at"] if obj is not None else ["set_by", "updated_at"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "assistant":
            kwargs["queryset"] = Staff.objects.visible_to(request.user).filter(
                role=Role.ASSISTANT, is_active=True, store__isnull=False).select_related("store").order_by(
                "store__code", "name")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.day >= timezone.localdate())

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or obj.day >= timezone.localdate())

    def save_model(self, request, obj, form, change):
        """Through the morning meeting's service (validated already by the form's ``clean``)."""
        daily_targets_set(actor=request.user, store=obj.assistant.store, day=obj.day, targets={
            obj.assistant_id: {"calls": obj.calls, "group_invitations": obj.group_invitations}})
        saved = DailyTarget.objects.get(assistant_id=obj.assistant_id, day=obj.day)
        obj.pk, obj.store, obj.set_by, obj.updated_at = saved.pk, saved.store, saved.set_by, saved.updated_at
