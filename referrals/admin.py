from django.contrib import admin

from stores.admin_base import ScopedModelAdmin

from .models import Partner


@admin.register(Partner)
class PartnerAdmin(ScopedModelAdmin):
    list_display = ["job_number", "name", "kind", "store", "phone", "is_active"]
    list_filter = ["kind", "is_active", "store"]
    search_fields = ["name", "job_number", "phone"]
    list_select_related = ["store"]
    raw_id_fields = ["user"]
