"""Admin for profiles (CUS-1..5): on the customer's page the profile (stages 2-3), the grade
history, follow-ups and after-sales; tag rules with validated conditions and "run now"; the
after-sales list. Writes go through ``customers.profiles`` and ``customers.rules``.

``CustomerProfileAdminMixin`` is mixed into ``CustomerAdmin`` (core.py); this module imports
nothing from core, so core can import it."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from stores.admin_base import ScopedModelAdmin
from stores.models import Product, Room

from .. import profiles
from ..errors import CustomerError
from ..models import AfterSalesRecord, CustomerProfile, FollowUp, IntentGradeChange, TagRule
from ..rules import RuleError, conditions_validate, field_catalogue, tag_rule_apply



def rule_fields_table():
    """The rule engine's fields as an HTML table, for admin forms where head office writes
    conditions (tag rules, custom invitation segments)."""
    from django.utils.html import format_html, format_html_join

    rows = format_html_join(
        "", "<tr><td><code>{}</code></td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
        ((f["field"], f["label"], ", ".join(op["op"] for op in f["ops"]),
          gettext("yes") if f["takes_days"] else "") for f in field_catalogue()))
    return format_html('<table><tr><th>field</th><th></th><th>op</th><th>days</th></tr>{}</table>', rows)

class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class CustomerProfileForm(forms.ModelForm):
    rooms = forms.MultipleChoiceField(label=_("rooms"), choices=Room.choices, required=False,
                                      widget=forms.CheckboxSelectMultiple)
    categories = forms.MultipleChoiceField(label=_("product categories of interest"), choices=Product.Category.choices,
                                           required=False, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = CustomerProfile
        fields = "__all__"


class CustomerProfileInline(admin.StackedInline):
    """Stages 2-3. Saved through ``customer_profile_update`` (see the mixin's ``save_formset``)."""

    model = CustomerProfile
    form = CustomerProfileForm
    can_delete = False
    extra = 0
    max_num = 1
    fieldsets = [
        (_("Needs"), {"fields": ["budget", "style", ("rooms", "categories"), ("house_area", "toilet_rough_in"),
                                 "measurements", "accepts_home_measurement", "intent_products", "notes"]}),
        (_("Personal"), {"fields": ["preferences", "household_size", "family_notes", ("updated_at", "updated_by")]}),
    ]
    readonly_fields = ["updated_at", "updated_by"]
    filter_horizontal = ["intent_products"]


class IntentGradeChangeInline(_ReadOnlyInline):
    model = IntentGradeChange
    fields = ["changed_at", "from_grade", "to_grade", "note", "changed_by"]
    readonly_fields = fields
    ordering = ["-changed_at", "-id"]
    verbose_name_plural = _("intent grade history")


class FollowUpInline(_ReadOnlyInline):
    model = FollowUp
    fields = ["created_at", "staff", "kind", "outcome", "note", "next_follow_up_on"]
    readonly_fields = fields
    ordering = ["-created_at", "-id"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("staff")


class AfterSalesInline(_ReadOnlyInline):
    model = AfterSalesRecord
    fields = ["created_at", "kind", "status", "description", "order", "created_by", "resolved_at"]
    readonly_fields = fields
    show_change_link = True


class CustomerProfileAdminMixin:
    """Mixed into ``CustomerAdmin``: the profile inlines, and the intent grade changed through
    ``intent_grade_set`` so head office's changes land in the history too."""

    profile_inlines = [CustomerProfileInline, IntentGradeChangeInline, FollowUpInline, AfterSalesInline]

    def get_inline_instances(self, request, obj=None):
        instances = list(super().get_inline_instances(request, obj))
        if obj is None:
            return instances
        for inline_class in self.profile_inlines:
            # The same permission rules Django applies to ``inlines``.
            inline = inline_class(self.model, self.admin_site)
            if not (inline.has_view_or_change_permission(request, obj) or inline.has_add_permission(request, obj)):
                continue
            if not inline.has_add_permission(request, obj):
                inline.max_num = 0
            instances.append(inline)
        return instances

    def save_model(self, request, obj, form, change):
        new_grade = obj.intent_grade
        grade_changed = change and "intent_grade" in form.changed_data
        if grade_changed:
            obj.intent_grade = form.initial.get("intent_grade", "")
        super().save_model(request, obj, form, change)
        if grade_changed:
            try:
                profiles.intent_grade_set(customer=obj, actor=request.user, grade=new_grade,
                                          note=gettext("changed in the admin"))
            except CustomerError as error:
                self.message_user(request, str(error), messages.ERROR)

    def save_formset(self, request, form, formset, change):
        if formset.model is not CustomerProfile:
            return super().save_formset(request, form, formset, change)
        # What the admin's change message reads; the rows themselves are written by the service.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.forms:
            if not inline_form.has_changed():
                continue
            data = {name: inline_form.cleaned_data[name] for name in inline_form.changed_data
                    if name in profiles.PROFILE_FIELDS}
            products = inline_form.cleaned_data.get("intent_products") if "intent_products" in (
                inline_form.changed_data) else None
            is_new = inline_form.instance._state.adding
            try:
                profile = profiles.customer_profile_update(customer=form.instance, actor=request.user,
                                                           intent_products=products, **data)
            except CustomerError as error:
                self.message_user(request, str(error), messages.ERROR)
                continue
            if is_new:
                formset.new_objects.append(profile)
            else:
                formset.changed_objects.append((profile, inline_form.changed_data))


# --- Tag rules ------------------------------------------------------------------------------------


class TagRuleForm(forms.ModelForm):
    conditions = forms.JSONField(
        label=_("conditions"),
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80, "style": "font-family: monospace"}),
        help_text=_('A list of {"field", "op", "value"} objects (plus "days" for orders); all must hold. '
                    'Example: [{"field": "orders_amount", "op": "gte", "value": 20000, "days": 90}]'),
    )

    class Meta:
        model = TagRule
        fields = ["name", "tag", "conditions", "is_active"]

    def clean_conditions(self):
        try:
            return conditions_validate(self.cleaned_data["conditions"])
        except RuleError as error:
            raise forms.ValidationError(str(error)) from None


@admin.register(TagRule)
class TagRuleAdmin(admin.ModelAdmin):
    form = TagRuleForm
    list_display = ["name", "tag", "is_active", "matched_count", "last_run_at"]
    list_filter = ["is_active", "tag"]
    search_fields = ["name", "tag__name"]
    list_select_related = ["tag"]
    readonly_fields = ["field_reference", "matched_count", "last_run_at"]
    actions = ["run_now"]

    @admin.display(description=_("fields you can use"))
    def field_reference(self, obj):
        return rule_fields_table()

    @admin.action(description=_("Run the selected rules now"))
    def run_now(self, request, queryset):
        for rule in queryset.order_by("pk"):
            try:
                run = tag_rule_apply(rule=rule)
            except RuleError as error:
                self.message_user(request, f"{rule}: {error}", messages.ERROR)
                continue
            self.message_user(request, gettext("%(rule)s: %(matched)s customers match; %(added)s tagged, "
                                               "%(removed)s untagged.") % {
                "rule": rule, "matched": run.matched, "added": run.added, "removed": run.removed}, messages.SUCCESS)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("conditions", [{"field": "intent_grade", "op": "in", "value": ["A"]}])
        return initial


# --- After-sales ------------------------------------------------------------------------------------


class AfterSalesRecordForm(forms.ModelForm):
    class Meta:
        model = AfterSalesRecord
        fields = ["customer", "order", "kind", "description"]

    def clean(self):
        data = super().clean()
        customer, order = data.get("customer"), data.get("order")
        if customer is not None and customer.erased_at is not None:
            raise forms.ValidationError(
                gettext("This customer's data was erased on request; it can no longer be edited."))
        if customer is not None and order is not None and order.customer_id != customer.pk:
            self.add_error("order", gettext("That order is not this customer's."))
        return data


@admin.register(AfterSalesRecord)
class AfterSalesRecordAdmin(ScopedModelAdmin):
    form = AfterSalesRecordForm
    list_display = ["created_at", "customer", "kind", "status", "order", "created_by", "resolved_at"]
    list_filter = ["status", "kind", "customer__store"]
    list_select_related = ["customer", "order", "created_by"]
    search_fields = ["customer__name", "description", "order__number"]
    raw_id_fields = ["customer", "order"]
    readonly_fields = ["status", "created_by", "created_at", "resolved_at"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    actions = ["resolve"]

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        # Only adding reaches here (records are not edited): through the service.
        record = profiles.after_sales_record_create(customer=obj.customer, actor=request.user, kind=obj.kind,
                                                    description=obj.description, order=obj.order)
        obj.pk, obj.created_by, obj.created_at = record.pk, record.created_by, record.created_at

    @admin.action(description=_("Mark the selected cases resolved"))
    def resolve(self, request, queryset):
        done = 0
        for record in queryset.select_related("customer").order_by("pk"):
            try:
                profiles.after_sales_record_resolve(record=record, actor=request.user)
                done += 1
            except CustomerError as error:
                self.message_user(request, f"{record}: {error}", messages.WARNING)
        if done:
            self.message_user(request, gettext("%(n)s cases resolved.") % {"n": done}, messages.SUCCESS)

