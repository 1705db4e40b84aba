"""Head office's admin for promotions: activities (with their store codes), coupon definitions,
and read-only lists of coupons and redemptions. Every list goes through the data scope."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from stores.admin_base import ScopedModelAdmin

from .codes import code_masked, code_normalise
from .errors import PromotionError
from .models import Activity, Coupon, CouponDefinition, Redemption
from .services import activity_codes_make, coupon_definition_save, coupons_issued


@admin.register(Activity)
class ActivityAdmin(ScopedModelAdmin):
    list_display = ["name", "kind", "status", "starts_on", "ends_on", "all_stores"]
    list_filter = ["status", "kind", "all_stores"]
    search_fields = ["name", "community"]
    filter_horizontal = ["stores"]
    date_hierarchy = "starts_on"
    actions = ["make_codes"]
    fields = ["name", "kind", "status", "summary", "description", "cover", "starts_on", "ends_on", "all_stores",
              "stores", "community"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Make QR codes for the activity's stores"))
    def make_codes(self, request, queryset):
        made = sum(activity_codes_make(activity=activity) for activity in queryset)
        self.message_user(request, _("%(n)d new codes; stores that had one keep it. They are under “QR codes”.")
                          % {"n": made})


class CouponDefinitionForm(forms.ModelForm):
    class Meta:
        model = CouponDefinition
        fields = "__all__"

    def clean_stock_total(self):
        total = self.cleaned_data.get("stock_total")
        issued = coupons_issued(self.instance)
        if total is not None and total < issued:
            raise forms.ValidationError(_("%(n)d coupons were already claimed: the stock cannot be lower.")
                                        % {"n": issued})
        return total


@admin.register(CouponDefinition)
class CouponDefinitionAdmin(ScopedModelAdmin):
    form = CouponDefinitionForm
    list_display = ["name", "kind", "activity", "validity", "stock_total", "stock_remaining", "per_customer_limit",
                    "all_stores", "is_active"]
    list_filter = ["kind", "is_active", "validity", "activity"]
    search_fields = ["name", "item"]
    filter_horizontal = ["stores"]
    raw_id_fields = ["product"]
    readonly_fields = ["stock_remaining"]
    fieldsets = [
        (None, {"fields": ["activity", "name", "kind", "is_active", "position"]}),
        (_("Value"), {"fields": ["amount_off", "min_spend", "discount_rate", "max_discount", "item", "product",
                                 "group_price", "terms"]}),
        (_("Validity"), {"fields": ["validity", "valid_from", "valid_until", "valid_days"]}),
        (_("Stock and limits"), {"fields": ["stock_total", "stock_remaining", "per_customer_limit"]}),
        (_("Where usable"), {"fields": ["all_stores", "stores"]}),
    ]

    def save_model(self, request, obj, form, change):
        try:
            coupon_definition_save(definition=obj)
        except PromotionError as exc:  # claimed in the meantime: the form's check ran before
            raise forms.ValidationError(str(exc)) from exc


@admin.register(Coupon)
class CouponAdmin(ScopedModelAdmin):
    """Read only. Codes are masked: a code is the coupon itself, shown only to its holder; search
    takes a whole code (someone who has it)."""

    list_display = ["definition", "customer", "masked_code", "status", "source", "claimed_at", "valid_until",
                    "redeemed_store", "redeemed_by"]
    list_filter = ["status", "source", "definition"]
    list_select_related = ["definition", "customer", "redeemed_store", "redeemed_by"]
    date_hierarchy = "claimed_at"
    fields = ["definition", "customer", "masked_code", "status", "source", "claimed_at", "valid_from",
              "valid_until", "redeemed_at", "redeemed_store", "redeemed_by", "reminded_at"]
    readonly_fields = fields

    @admin.display(description=_("code"))
    def masked_code(self, obj):
        return code_masked(obj.code)

    def get_search_results(self, request, queryset, search_term):
        code = code_normalise(search_term)
        if code:
            return queryset.filter(code=code), False
        return queryset, False

    def get_search_fields(self, request):
        return ["code"]  # shows the search box; the lookup itself is exact (above)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Redemption)
class RedemptionAdmin(ScopedModelAdmin):
    list_display = ["redeemed_at", "coupon", "store", "assistant", "status", "reversed_by", "reversal_reason"]
    list_filter = ["status", "store", "coupon__definition"]
    list_select_related = ["coupon__definition", "store", "assistant", "reversed_by"]
    date_hierarchy = "redeemed_at"
    fields = ["coupon", "store", "assistant", "redeemed_at", "status", "reversed_at", "reversed_by",
              "reversal_reason"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
