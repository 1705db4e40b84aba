"""Admin for orders, ledgers, rewards, redemptions and reviews (CUS-7..9).

Rows with money or points are never edited in place: payments and logistics nodes added on an
order go through ``payment_record`` / ``logistics_record`` (so status, points and the customer's
message follow); ledger entries are read-only, and a correction is a new entry made by the
"Add an adjustment" form, through the ledger service."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from stores.admin_base import ScopedModelAdmin

from ..errors import CustomerError
from ..ledgers import (
    points_add,
    points_balance,
    points_redemption_reverse,
    points_spend,
    stored_value_adjust,
    stored_value_balance,
)
from ..models import (
    Customer,
    LogisticsEvent,
    Order,
    OrderItem,
    Payment,
    PointsEntry,
    PointsRedemption,
    PointsReward,
    Review,
    StoredValueEntry,
)
from ..orders import logistics_record, payment_record
from ..reviews import review_hide


class OrderItemInline(admin.TabularInline):
    model = OrderItem
    fields = ["product", "sku", "name", "category", "quantity", "unit_price", "amount"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # the items make the amount; an order is created with them (API, workbench, import)


class PaymentInline(admin.TabularInline):
    model = Payment
    fields = ["kind", "amount", "paid_at", "recorded_by"]
    readonly_fields = ["recorded_by"]
    extra = 0
    can_delete = False

    def has_change_permission(self, request, obj=None):
        return False  # new payments only (through payment_record)


class LogisticsEventInline(admin.TabularInline):
    model = LogisticsEvent
    fields = ["node", "happened_at", "location", "scheduled_for", "installer", "note", "recorded_by"]
    readonly_fields = ["recorded_by"]
    autocomplete_fields = ["installer"]
    extra = 0
    can_delete = False

    def has_change_permission(self, request, obj=None):
        return False  # new nodes only (through logistics_record, which messages the customer)


@admin.register(Order)
class OrderAdmin(ScopedModelAdmin):
    list_display = ["number", "customer", "store", "assistant", "channel", "amount", "status", "placed_at", "paid_at"]
    list_filter = ["status", "channel", "payment_type", "store"]
    search_fields = ["number", "customer__name", "=customer__mobile"]
    date_hierarchy = "placed_at"
    list_select_related = ["customer", "store", "assistant"]
    raw_id_fields = ["customer"]
    readonly_fields = ["number", "amount", "status", "paid_at"]
    inlines = [OrderItemInline, PaymentInline, LogisticsEventInline]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False  # orders are made with their items in the workbench, the API or an import

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields
        # Attribution decides commissions; it changes only through a reassignment, not here.
        return [*self.readonly_fields, "customer", "store", "assistant", "channel", "payment_type", "placed_at"]

    def save_formset(self, request, form, formset, change):
        if formset.model not in (Payment, LogisticsEvent):
            return super().save_formset(request, form, formset, change)
        staff = getattr(request.user, "staff", None)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.forms:
            if not inline_form.has_changed() or inline_form.instance.pk:
                continue
            data = inline_form.cleaned_data
            try:
                if formset.model is Payment:
                    created = payment_record(order=form.instance, kind=data["kind"], amount=data["amount"],
                                   paid_at=data.get("paid_at"), staff=staff)
                else:
                    created = logistics_record(order=form.instance, node=data["node"], actor=request.user,
                                     happened_at=data.get("happened_at"), location=data.get("location") or "",
                                     scheduled_for=data.get("scheduled_for"), installer=data.get("installer"),
                                     note=data.get("note") or "")
                formset.new_objects.append(created)
            except CustomerError as exc:
                messages.error(request, str(exc))


# --- ledgers: read-only; a correction is a new entry ---------------------------------------------


class PointsAdjustmentForm(forms.ModelForm):
    """A correction of a customer's points: a new entry, plus or minus, with the reason."""

    class Meta:
        model = PointsEntry
        fields = ["customer", "delta", "note"]
        help_texts = {"delta": _("Positive to add points, negative to take them away.")}

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("note") or "").strip():
            self.add_error("note", _("Say why the points are adjusted."))
        customer, delta = cleaned.get("customer"), cleaned.get("delta")
        if customer and delta and points_balance(customer) + delta < 0:
            self.add_error("delta", _("Not enough points: the balance is %(balance)s.")
                           % {"balance": points_balance(customer)})
        return cleaned


class StoredValueAdjustmentForm(forms.ModelForm):
    class Meta:
        model = StoredValueEntry
        fields = ["customer", "delta", "note"]
        help_texts = {"delta": _("Positive to add, negative to take away (CNY).")}

    def clean(self):
        cleaned = super().clean()
        customer, delta = cleaned.get("customer"), cleaned.get("delta")
        if customer and delta and stored_value_balance(customer) + delta < 0:
            self.add_error("delta", _("Not enough stored value: the balance is %(balance)s yuan.")
                           % {"balance": stored_value_balance(customer)})
        if not (cleaned.get("note") or "").strip():
            self.add_error("note", _("Say why the balance is adjusted."))
        return cleaned


class LedgerAdmin(ScopedModelAdmin):
    """Entries are viewed, never changed; "add" makes an adjustment entry through the service."""

    list_display = ["customer", "seq", "kind", "delta", "balance_after", "store", "staff", "note", "created_at"]
    list_filter = ["kind", "store"]
    search_fields = ["customer__name", "=customer__mobile", "note"]
    list_select_related = ["customer", "store", "staff"]
    raw_id_fields = ["customer"]
    date_hierarchy = "created_at"

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["customer", "delta", "note"]
        return [f.name for f in self.model._meta.fields if f.name != "id"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.get_fields(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "customer":
            kwargs["queryset"] = Customer.objects.visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        entry = self.adjust(request, form.cleaned_data)
        obj.pk = entry.pk  # the admin's "added" message and redirect point at the new entry
        obj.__dict__.update({k: v for k, v in entry.__dict__.items() if not k.startswith("_")})


@admin.register(PointsEntry)
class PointsEntryAdmin(LedgerAdmin):
    form = PointsAdjustmentForm

    def adjust(self, request, data):
        staff = getattr(request.user, "staff", None)
        delta = data["delta"]
        call = points_add if delta > 0 else points_spend
        return call(customer=data["customer"], points=abs(delta), kind=PointsEntry.Kind.ADJUST, staff=staff,
                    note=data["note"], actor=request.user)


@admin.register(StoredValueEntry)
class StoredValueEntryAdmin(LedgerAdmin):
    form = StoredValueAdjustmentForm

    def adjust(self, request, data):
        return stored_value_adjust(customer=data["customer"], amount=data["delta"], note=data["note"],
                                   staff=getattr(request.user, "staff", None), actor=request.user)


# --- rewards and redemptions ---------------------------------------------------------------------


@admin.register(PointsReward)
class PointsRewardAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "points_cost", "stock", "is_active"]
    list_filter = ["kind", "is_active"]
    list_editable = ["is_active"]
    search_fields = ["name"]


@admin.action(description=_("Reverse the selected redemptions (points and stock come back)"))
def reverse_redemptions(modeladmin, request, queryset):
    done = 0
    for redemption in queryset.filter(status=PointsRedemption.Status.REDEEMED):
        try:
            points_redemption_reverse(redemption=redemption, reason=str(_("Reversed by head office in the admin")),
                                      actor=request.user, staff=getattr(request.user, "staff", None))
            done += 1
        except CustomerError as exc:
            messages.error(request, f"{redemption}: {exc}")
    if done:
        messages.success(request, _("%(n)d redemption(s) reversed.") % {"n": done})


@admin.register(PointsRedemption)
class PointsRedemptionAdmin(ScopedModelAdmin):
    list_display = ["created_at", "customer", "reward", "quantity", "points", "status", "store", "staff",
                    "reversal_reason"]
    list_filter = ["status", "reward", "store"]
    search_fields = ["customer__name", "=customer__mobile"]
    list_select_related = ["customer", "reward", "store", "staff"]
    actions = [reverse_redemptions]

    def has_add_permission(self, request):
        return False  # redemptions are made with the customer (workbench, API)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- reviews -------------------------------------------------------------------------------------


@admin.action(description=_("Hide the selected reviews"))
def hide_reviews(modeladmin, request, queryset):
    _set_hidden(request, queryset, True)


@admin.action(description=_("Show the selected reviews again"))
def show_reviews(modeladmin, request, queryset):
    _set_hidden(request, queryset, False)


def _set_hidden(request, queryset, hidden: bool):
    try:
        for review in queryset:
            review_hide(review=review, actor=request.user, hidden=hidden)
    except CustomerError as exc:
        messages.error(request, str(exc))
        return
    messages.success(request, _("Done."))


@admin.register(Review)
class ReviewAdmin(ScopedModelAdmin):
    list_display = ["created_at", "customer", "subject", "store", "staff", "installation_team", "rating", "comment",
                    "is_hidden"]
    list_filter = ["is_hidden", "subject", "rating", "store", "installation_team"]
    search_fields = ["comment", "customer__name"]
    list_select_related = ["customer", "store", "staff", "installation_team"]
    actions = [hide_reviews, show_reviews]

    def has_add_permission(self, request):
        return False  # reviews are the customers' own words

    def has_change_permission(self, request, obj=None):
        return False  # hidden or shown by the actions, never rewritten
