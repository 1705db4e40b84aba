"""Admin for one person, one customer (CUS-12): identities, merges (head office undoes a merge on
the dashboard's "same person?" page, where the reason is asked), households. Read-only: the rows
are written by ``customers.identity``, ``customers.merges`` and ``customers.households``."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from stores.admin_base import ReadOnlyScopedAdmin

from ..models.household import HouseholdMember
from ..models.identity import CustomerIdentity, CustomerMerge


@admin.register(CustomerIdentity)
class CustomerIdentityAdmin(ReadOnlyScopedAdmin):
    list_display = ["customer", "kind", "created_at", "merge"]
    list_filter = ["kind"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer", "merge"]
    search_fields = ["=customer__id"]
    show_full_result_count = False


@admin.register(CustomerMerge)
class CustomerMergeAdmin(ReadOnlyScopedAdmin):
    list_display = ["merged_at", "survivor", "merged", "reason", "merged_by", "owner_before", "owner_after",
                    "undone_at", "undo_link"]
    list_filter = ["reason", ("undone_at", admin.EmptyFieldListFilter)]
    list_select_related = ["survivor", "merged", "merged_by", "owner_before", "owner_after"]
    raw_id_fields = ["survivor", "merged", "owner_before", "owner_after"]
    date_hierarchy = "merged_at"

    @admin.display(description=_("undo"))
    def undo_link(self, obj):
        if obj.undone_at:
            return obj.undo_reason
        return format_html('<a href="{}#merges">{}</a>', reverse("dashboard:customer_duplicates"), _("Undo"))


@admin.register(HouseholdMember)
class HouseholdMemberAdmin(ReadOnlyScopedAdmin):
    list_display = ["household", "customer", "invited_by", "joined_at"]
    list_select_related = ["household", "customer", "invited_by"]
    raw_id_fields = ["customer", "household", "invited_by", "via_share"]
    search_fields = ["=household__id", "=customer__id"]
