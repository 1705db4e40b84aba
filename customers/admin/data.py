"""Admin for imports and exports (CUS-10): head office reads every job, nobody edits one.
Jobs are started from the dashboard (``/dashboard/data/``) or the API."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from stores.admin_base import ScopedModelAdmin
from stores.scope import Level, scope_of

from ..models import DataJob


@admin.register(DataJob)
class DataJobAdmin(ScopedModelAdmin):
    list_display = ["__str__", "status", "created_by_staff", "source_name", "processed_rows", "total_rows",
                    "imported_rows", "error_count", "created_at", "finished_at"]
    list_filter = ["kind", "status", "created_at", ("store", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["source_name", "message", "created_by_staff__name", "created_by_staff__job_number"]
    date_hierarchy = "created_at"
    list_select_related = ["created_by_staff"]
    readonly_fields = ["kind", "status", "created_by", "created_by_staff", "store", "region", "source_name", "download",
                       "options", "total_rows", "processed_rows", "imported_rows", "error_count", "errors",
                       "message", "created_at", "started_at", "finished_at"]
    exclude = ["source_file", "result_file"]  # private files, served only through the scoped download view
    show_full_result_count = False

    @admin.display(description=_("result"))
    def download(self, job):
        if not job.result_file:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("dashboard_data_download", args=[job.pk]), _("Download"))

    def _head_office(self, request) -> bool:
        return scope_of(request.user).level is Level.ALL and request.user.is_staff

    def has_module_permission(self, request):
        return self._head_office(request)

    def has_view_permission(self, request, obj=None):
        return self._head_office(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
