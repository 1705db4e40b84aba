"""Admin for the interaction radar (QR-9): the entries, read-only and scoped."""

from django.contrib import admin

from stores.admin_base import ReadOnlyScopedAdmin

from ..models import RadarEvent


@admin.register(RadarEvent)
class RadarEventAdmin(ReadOnlyScopedAdmin):
    list_display = ["occurred_at", "customer", "kind", "page_type", "page_id", "what", "assistant", "store", "reminded"]
    list_filter = ["kind", "store__region", "store"]
    list_select_related = ["customer", "assistant", "store"]
    raw_id_fields = ["customer", "related_customer", "assistant", "reminder"]
    date_hierarchy = "occurred_at"
    show_full_result_count = False

    @admin.display(boolean=True, description=RadarEvent._meta.get_field("reminder").verbose_name)
    def reminded(self, obj):
        return obj.reminded
