from django.contrib import admin

from stores.admin_base import ScopedModelAdmin

from .models import Customer, OwnerChange, Order, ScanEvent


@admin.register(Customer)
class CustomerAdmin(ScopedModelAdmin):
    list_display = ["name", "masked_mobile", "store", "owner_assistant", "intent_grade", "source", "created_at"]
    list_filter = ["intent_grade", "source", "store__region", "store"]
    search_fields = ["name", "mobile", "openid", "community"]
    list_select_related = ["store", "owner_assistant"]
    raw_id_fields = ["owner_assistant"]
    show_full_result_count = False  # a COUNT(*) over a million rows on every page is not worth it


@admin.register(Order)
class OrderAdmin(ScopedModelAdmin):
    list_display = ["number", "customer", "store", "assistant", "amount", "payment_type", "status", "placed_at"]
    list_filter = ["status", "payment_type", "store"]
    search_fields = ["number", "customer__name"]
    list_select_related = ["customer", "store", "assistant"]
    raw_id_fields = ["customer", "assistant"]
    date_hierarchy = "placed_at"
    show_full_result_count = False


class OwnerChangeInline(admin.TabularInline):
    model = OwnerChange
    fields = ["changed_at", "reason", "from_store", "to_store", "from_assistant", "to_assistant", "note", "changed_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-changed_at"]

    def has_add_permission(self, request, obj=None):
        return False


CustomerAdmin.inlines = [OwnerChangeInline]


@admin.register(ScanEvent)
class ScanEventAdmin(ScopedModelAdmin):
    list_display = ["scanned_at", "qr_code", "customer", "store", "staff", "channel", "bound"]
    list_filter = ["channel", "bound", "target_type", "store"]
    list_select_related = ["qr_code", "customer", "store", "staff"]
    date_hierarchy = "scanned_at"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
