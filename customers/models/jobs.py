"""Imports and exports (CUS-10) run as jobs with visible progress."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stores.models import Staff
from stores.scope import ScopedManager, ScopeRule


class DataJob(models.Model):
    """An import or export. Imports are all or nothing: a file with a bad row imports nothing and
    the job keeps the per-row errors. Exports are cut to the requester's data scope."""

    class Kind(models.TextChoices):
        IMPORT_CUSTOMERS = "import_customers", _("Import customers")
        IMPORT_ORDERS = "import_orders", _("Import orders")
        EXPORT_CUSTOMERS = "export_customers", _("Export customers")
        EXPORT_ORDERS = "export_orders", _("Export orders")
        PIPL_EXPORT = "pipl_export", _("One customer's data (PIPL)")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("requested by"))
    created_by_staff = models.ForeignKey(Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                         verbose_name=_("requested by"))
    source_file = models.FileField(_("file"), upload_to="jobs/in/", blank=True)
    source_name = models.CharField(_("file name"), max_length=200, blank=True)
    result_file = models.FileField(_("result"), upload_to="jobs/out/", blank=True)
    options = models.JSONField(_("options"), default=dict, blank=True)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows done"), default=0)
    imported_rows = models.PositiveIntegerField(_("rows imported"), default=0)
    error_count = models.PositiveIntegerField(_("rows with errors"), default=0)
    # The first errors, each {"row": n, "field": name, "message": text}; the full report is a file.
    errors = models.JSONField(_("errors"), default=list, blank=True)
    message = models.CharField(_("message"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = ScopedManager()
    scope_rule = ScopeRule(region="created_by_staff__store__region", store="created_by_staff__store",
                           owner="created_by_staff")

    class Meta:
        verbose_name = _("import or export")
        verbose_name_plural = _("imports and exports")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def progress_percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(self.processed_rows * 100 / self.total_rows) if self.total_rows else 0
