"""Admin for invitation segments (SPEC §5, INV-1/INV-2): head office's segment strategy.

* Segments: the six recommended ones (computed live from their key) and custom ones whose
  conditions are ``customers.rules`` conditions, validated on save, with the field catalogue
  shown; "compute now" refreshes a custom segment's members at once (otherwise nightly).
* Segments for stores: offer a segment to one store or to every store (store empty), or stop
  offering it (untick "offered" or delete): removal takes effect at once. A store's own row
  overrides the all-stores row, so a segment can be removed for one store only. Recommended
  segments are visible at once, custom ones from the next day (after the nightly run).
* Members: read-only, as the nightly job computed them.
"""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from customers.admin.profile import rule_fields_table
from customers.rules import RuleError, conditions_validate

from ..models import Segment, SegmentAssignment, SegmentMember
from ..segments import BUILDERS, DEFAULT_KEYS, assignment_visible_from, custom_segment_compute


class SegmentForm(forms.ModelForm):
    conditions = forms.JSONField(
        label=_("conditions"), required=False,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80, "style": "font-family: monospace"}),
        help_text=_('Custom segments only: a list of {"field", "op", "value"} objects (plus "days" for '
                    'orders and scans); all must hold. Example: [{"field": "intent_grade", "op": "in", '
                    '"value": ["A", "B"]}, {"field": "last_order", "op": "older_than_days", "value": 60}]'),
    )

    class Meta:
        model = Segment
        fields = ["key", "name", "kind", "description", "conditions", "is_default", "position"]

    def clean(self):
        data = super().clean()
        kind, conditions = data.get("kind"), data.get("conditions")
        if kind == Segment.Kind.CUSTOM:
            try:
                data["conditions"] = conditions_validate(conditions)
            except RuleError as error:
                self.add_error("conditions", str(error))
        elif kind == Segment.Kind.RECOMMENDED:
            if conditions:
                self.add_error("conditions", gettext("A recommended segment is computed from its key; "
                                                     "leave the conditions empty or make it a custom segment."))
            data["conditions"] = []
            key = data.get("key")
            if key and key not in BUILDERS and key not in DEFAULT_KEYS:
                self.add_error("key", gettext("No recommended segment has the key “%(key)s”. Known keys: %(keys)s.")
                               % {"key": key, "keys": ", ".join(sorted(set(BUILDERS) | set(DEFAULT_KEYS)))})
        return data


class SegmentAssignmentInlineForm(forms.ModelForm):
    class Meta:
        model = SegmentAssignment
        fields = ["store", "is_active"]

    def has_changed(self):
        # The inline shows no blank rows (extra = 0): a new row was added on purpose, even when it
        # keeps the defaults ("every store", offered), so it is saved.
        return self.instance.pk is None or super().has_changed()


class SegmentAssignmentInline(admin.TabularInline):
    model = SegmentAssignment
    form = SegmentAssignmentInlineForm
    extra = 0
    fields = ["store", "is_active", "visible_from"]
    readonly_fields = ["visible_from"]
    autocomplete_fields = ["store"]


def _stamp(assignment: SegmentAssignment, segment: Segment, *, created: bool, reactivated: bool) -> None:
    """Recommended: visible at once; custom: from the next day (INV-2)."""
    if created or reactivated:
        assignment.visible_from = assignment_visible_from(segment)


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    form = SegmentForm
    list_display = ["name", "key", "kind", "is_default", "position", "offered_to", "member_count",
                    "last_computed_at"]
    list_filter = ["kind", "is_default"]
    search_fields = ["name", "key"]
    readonly_fields = ["field_reference", "member_count", "last_computed_at"]
    inlines = [SegmentAssignmentInline]
    actions = ["compute_now"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_members=Count("members", distinct=True))

    @admin.display(description=_("members"))
    def member_count(self, obj):
        if obj.kind != Segment.Kind.CUSTOM:
            return gettext("computed live")
        count = getattr(obj, "_members", None)
        count = obj.members.count() if count is None else count
        url = reverse("admin:invitations_segmentmember_changelist") + f"?segment__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, count)

    @admin.display(description=_("offered to"))
    def offered_to(self, obj):
        rows = [str(a.store or gettext("every store")) + ("" if a.is_active else " ✕")
                for a in obj.assignments.select_related("store")]
        return ", ".join(rows) or "—"

    @admin.display(description=_("fields you can use"))
    def field_reference(self, obj):
        return rule_fields_table()

    @admin.action(description=_("Compute the selected custom segments now"))
    def compute_now(self, request, queryset):
        for segment in queryset.filter(kind=Segment.Kind.CUSTOM).order_by("pk"):
            try:
                count = custom_segment_compute(segment=segment)
            except RuleError as error:
                self.message_user(request, f"{segment}: {error}", messages.ERROR)
                continue
            self.message_user(request, gettext("%(segment)s: %(count)s members.") % {
                "segment": segment, "count": count}, messages.SUCCESS)

    def save_formset(self, request, form, formset, change):
        if formset.model is not SegmentAssignment:
            return super().save_formset(request, form, formset, change)
        for assignment in formset.save(commit=False):
            previous = SegmentAssignment.objects.filter(pk=assignment.pk).values_list("is_active", flat=True).first()
            _stamp(assignment, form.instance, created=assignment.pk is None,
                   reactivated=previous is False and assignment.is_active)
            assignment.save()
        for gone in formset.deleted_objects:
            gone.delete()

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("kind", Segment.Kind.CUSTOM)
        initial.setdefault("conditions", [{"field": "intent_grade", "op": "in", "value": ["A", "B"]}])
        return initial


@admin.register(SegmentAssignment)
class SegmentAssignmentAdmin(admin.ModelAdmin):
    list_display = ["segment", "store_or_all", "is_active", "visible_from", "created_at"]
    list_filter = ["is_active", "segment__kind", "segment"]
    list_editable = ["is_active"]
    list_select_related = ["segment", "store"]
    fields = ["segment", "store", "is_active", "visible_from"]
    readonly_fields = ["visible_from"]
    autocomplete_fields = ["store"]

    @admin.display(description=_("store"), ordering="store__name")
    def store_or_all(self, obj):
        return obj.store or gettext("every store")

    def save_model(self, request, obj, form, change):
        previous = SegmentAssignment.objects.filter(pk=obj.pk).values_list("is_active", flat=True).first()
        _stamp(obj, obj.segment, created=not change, reactivated=previous is False and obj.is_active)
        super().save_model(request, obj, form, change)


@admin.register(SegmentMember)
class SegmentMemberAdmin(admin.ModelAdmin):
    list_display = ["segment", "customer", "store", "reason", "computed_on"]
    list_filter = ["segment", "store"]
    list_select_related = ["segment", "customer", "store"]
    search_fields = ["customer__name"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
