"""Imports and exports (CUS-10) run as jobs with visible progress.

Job files (uploaded POS files hold full mobile numbers; exports and error reports hold names) live
in a private storage at ``PRIVATE_MEDIA_ROOT``, outside MEDIA_ROOT and STATIC_ROOT, under random
names: no URL reaches them, only the scoped download views (``customers.data_views``,
``customers.api.data``) read them.
"""

import os
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stores.models import Region, Role, Staff, Store
from stores.scope import ScopedManager, ScopeRule


def _overlap(a: Path, b: Path) -> bool:
    return a == b or a in b.parents or b in a.parents


class PrivateStorage(FileSystemStorage):
    """Files at ``settings.PRIVATE_MEDIA_ROOT`` (read on every use, so tests can move it), created
    on demand, with no URL. Refuses a root inside MEDIA_ROOT or STATIC_ROOT, which are served."""

    @property
    def base_location(self):
        location = Path(settings.PRIVATE_MEDIA_ROOT).resolve()
        for name in ("MEDIA_ROOT", "STATIC_ROOT"):
            served = getattr(settings, name, None)
            if served and _overlap(location, Path(served).resolve()):
                raise ImproperlyConfigured(f"PRIVATE_MEDIA_ROOT must lie outside {name}, which is served.")
        return str(location)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None  # url() raises: job files are only read by the download views


private_storage = PrivateStorage()


def private_job_storage():
    """The storage of job files (a callable, so migrations name it instead of a path)."""
    return private_storage


def _random_name(folder: str, filename: str) -> str:
    suffix = os.path.splitext(filename or "")[1].lower()
    if not (suffix[1:].isalnum() and len(suffix) <= 5):
        suffix = ""
    return f"jobs/{folder}/{uuid.uuid4().hex}{suffix}"


def job_source_path(instance, filename: str) -> str:
    """An upload is stored under a random name; its original name is ``source_name``."""
    return _random_name("in", filename)


def job_result_path(instance, filename: str) -> str:
    """A result is stored under a random name; the download is named by ``result_filename``."""
    return _random_name("out", filename)


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
    # Where the requester worked when the job was created: the job's scope stays there when they move.
    store = models.ForeignKey(Store, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("store"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("region"))
    # Deleted once the import has run (done or failed): the error report is enough to fix the file.
    source_file = models.FileField(_("file"), upload_to=job_source_path, storage=private_job_storage, blank=True)
    source_name = models.CharField(_("file name"), max_length=200, blank=True)
    result_file = models.FileField(_("result"), upload_to=job_result_path, storage=private_job_storage,
                                   blank=True)
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
    # By the store and region recorded at creation, not where the requester works now. A region's
    # jobs: its stores' (store__region) and its supervisor's (region only). HQ's jobs: HQ alone.
    scope_rule = ScopeRule(region=("region", "store__region"), store="store", owner="created_by_staff")

    class Meta:
        verbose_name = _("import or export")
        verbose_name_plural = _("imports and exports")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    def save(self, *args, **kwargs):
        if self._state.adding and self.store_id is None and self.region_id is None:
            self.store_id, self.region_id = self.place_of(self.created_by_staff)
        super().save(*args, **kwargs)

    @staticmethod
    def place_of(staff: Staff | None) -> tuple[int | None, int | None]:
        """(store id, region id) a job of ``staff`` belongs to: a store's staff their store and its
        region, a supervisor their region only, head office (or nobody) neither."""
        if staff is None or staff.role == Role.HQ_OPERATOR:
            return None, None
        if staff.store_id is not None:
            return staff.store_id, staff.store.region_id
        return None, staff.region_id

    @property
    def progress_percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(self.processed_rows * 100 / self.total_rows) if self.total_rows else 0
