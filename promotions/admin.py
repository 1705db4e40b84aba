"""Head office's admin for promotions: activities (with their store codes and, for a lucky wheel
or shake, the prize pool and its audit), coupon definitions, and read-only lists of coupons,
redemptions and draws. Every list goes through the data scope."""

from django import forms
from django.contrib import admin
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from stores.admin_base import ReadOnlyScopedAdmin, ScopedModelAdmin

from .codes import code_masked, code_normalise
from .draws import draw_audit, pool_problems, prize_save, prizes_won
from .errors import PromotionError
from .models import Activity, Coupon, CouponDefinition, Draw, Prize, Redemption
from .services import activity_codes_make, coupon_definition_save, coupons_issued, holder_text


class PrizeForm(forms.ModelForm):
    class Meta:
        model = Prize
        fields = ["position", "name", "coupon_definition", "chance", "stock_total"]

    def clean_stock_total(self):
        total = self.cleaned_data.get("stock_total")
        won = prizes_won(self.instance)
        if total is not None and total < won:
            raise forms.ValidationError(gettext("%(n)d of this prize were already won: the stock cannot be lower.")
                                        % {"n": won})
        return total


class PrizeFormSet(BaseInlineFormSet):
    """The pool as a whole: chances add up to at most 100 %, a published draw has a prize, only a
    draw has prizes. (A prize already drawn cannot be deleted: its draws protect it, for the audit.)"""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        chances, problems = [], []
        for form in self.forms:
            if not getattr(form, "cleaned_data", None):
                continue
            if form.cleaned_data.get("DELETE"):  # a prize drawn already is protected (the admin says so)
                continue
            chances.append(form.cleaned_data["chance"])
        activity = self.instance
        if chances and not activity.is_draw:
            problems.append(gettext("Only a lucky wheel or shake has prizes."))
        problems += pool_problems(kind=activity.kind, status=activity.status, chances=chances)
        if problems:
            raise forms.ValidationError(problems)


class PrizeInline(admin.TabularInline):
    model = Prize
    form = PrizeForm
    formset = PrizeFormSet
    extra = 0
    fields = ["position", "name", "coupon_definition", "chance", "stock_total", "stock_remaining"]
    readonly_fields = ["stock_remaining"]
    verbose_name_plural = _("prizes (lucky wheel and shake only)")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "coupon_definition":
            kwargs["queryset"] = CouponDefinition.objects.visible_to(request.user).order_by("activity", "position")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Activity)
class ActivityAdmin(ScopedModelAdmin):
    list_display = ["name", "kind", "status", "starts_on", "ends_on", "all_stores"]
    list_filter = ["status", "kind", "all_stores"]
    search_fields = ["name", "community"]
    filter_horizontal = ["stores"]
    date_hierarchy = "starts_on"
    actions = ["make_codes"]
    fields = ["name", "kind", "status", "summary", "description", "cover", "starts_on", "ends_on", "all_stores",
              "stores", "community", "draws_per_day"]
    inlines = [PrizeInline]
    change_form_template = "promotions/admin_activity_draw_change_form.html"

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Prize:
            return super().save_formset(request, form, formset, change)
        for prize in formset.save(commit=False):
            prize_save(prize=prize)  # the stock left follows the total (the form checked it against prizes won)
        for prize in formset.deleted_objects:
            prize.delete()
        return None

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """A draw's page also shows its audit: configured chance vs observed share per prize, over
        the draws the user may see."""
        extra_context = dict(extra_context or {})
        activity = self.get_object(request, object_id)
        if activity is not None and activity.is_draw:
            extra_context["draw_audit"] = draw_audit(activity, Draw.objects.visible_to(request.user))
        return super().change_view(request, object_id, form_url, extra_context)

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


@admin.register(Draw)
class DrawAdmin(ReadOnlyScopedAdmin):
    """The audit list of draws: the number drawn, the pool as it stood, what came of it. The
    customer is masked."""

    list_display = ["drawn_at", "activity", "holder", "number", "outcome", "prize", "reason"]
    list_filter = ["outcome", ("activity", admin.RelatedOnlyFieldListFilter), "day"]
    list_select_related = ["activity", "customer", "prize"]
    date_hierarchy = "drawn_at"
    fields = ["activity", "holder", "person_masked", "day", "drawn_at", "number", "outcome", "prize", "coupon",
              "reason", "pool"]
    readonly_fields = fields

    @admin.display(description=_("customer"))
    def holder(self, obj):
        return holder_text(obj.customer)

    @admin.display(description=_("person"))
    def person_masked(self, obj):
        kind, _sep, key = obj.person.partition(":")
        return f"{key[:3]}****{key[-4:]}" if kind == "m" and len(key) == 11 else obj.person
