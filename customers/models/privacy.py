"""Privacy (CUS-11): consent, the audit log of reveals and exports, masked contact sessions."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stores.models import Staff
from stores.scope import ScopedManager, ScopeRule

from .core import OF_CUSTOMER, Customer


class Consent(models.Model):
    """One consent decision of a customer (PIPL art. 14): given or withdrawn, for one purpose.
    Rows are never changed; the newest row per purpose is the customer's current choice."""

    class Purpose(models.TextChoices):
        PROFILE = "profile", _("Keep my profile to serve me")
        MARKETING = "marketing", _("Send me offers and invitations")
        HOUSEHOLD = "household", _("Link my family members to my household")

    class Source(models.TextChoices):
        H5 = "h5", _("On the WeChat page")
        IN_STORE = "in_store", _("Told staff in the store")
        IMPORT = "import", _("Imported")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consents",
                                 verbose_name=_("customer"))
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    granted = models.BooleanField(_("granted"))
    source = models.CharField(_("recorded through"), max_length=20, choices=Source.choices)
    policy_version = models.CharField(_("policy version"), max_length=20, blank=True)
    recorded_by = models.ForeignKey(Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                    verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = ScopedManager()
    scope_rule = OF_CUSTOMER

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["customer", "purpose", "-recorded_at"])]

    def __str__(self):
        return f"{self.customer_id} {self.purpose}={'yes' if self.granted else 'no'}"


class AuditLog(models.Model):
    """Who saw or took customer data, and when: every reveal of a full number, every export,
    every erasure (CUS-11). Append-only; head office reads it, nobody edits it."""

    class Action(models.TextChoices):
        REVEAL_MOBILE = "reveal_mobile", _("Revealed a full mobile number")
        MASKED_CALL = "masked_call", _("Started a masked call")
        EXPORT = "export", _("Exported customer data")
        IMPORT = "import", _("Imported customer data")
        PIPL_EXPORT = "pipl_export", _("Exported one customer's data on request")
        ERASURE = "erasure", _("Erased one customer's data on request")
        MOBILE_CHANGE = "mobile_change", _("Corrected a mobile number")

    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("by"))
    # Kept as text too: the log must still say who it was after the login is deleted.
    actor_name = models.CharField(_("by (name)"), max_length=100, blank=True)
    customer = models.ForeignKey(Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                 verbose_name=_("customer"))
    customer_ref = models.PositiveBigIntegerField(_("customer id"), null=True, blank=True)
    rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    objects = ScopedManager()
    scope_rule = ScopeRule()  # head office only

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer_ref", "-created_at"]), models.Index(fields=["action", "-created_at"])]

    def __str__(self):
        return f"{self.get_action_display()} · {self.actor_name} @ {self.created_at:%Y-%m-%d %H:%M}"


class MaskedContactSession(models.Model):
    """A relay number binding one staff phone to one customer phone for a while (隐号通讯):
    both sides call the virtual number and neither sees the other's real one."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="masked_sessions",
                                 verbose_name=_("customer"))
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="masked_sessions",
                              verbose_name=_("staff member"))
    virtual_number = models.CharField(_("relay number"), max_length=20)
    provider_ref = models.CharField(_("provider reference"), max_length=64, blank=True)
    expires_at = models.DateTimeField(_("expires at"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ScopedManager()
    scope_rule = OF_CUSTOMER

    class Meta:
        verbose_name = _("masked contact session")
        verbose_name_plural = _("masked contact sessions")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "staff", "-expires_at"])]

    def __str__(self):
        return self.virtual_number


class PrivacyRequest(models.Model):
    """A customer asked, on the H5 privacy page, for a copy of their data or for its erasure
    (PIPL art. 45, 47). Head office handles it in the admin; the export or erasure service marks
    the customer's pending requests of that kind done."""

    class Kind(models.TextChoices):
        COPY = "copy", _("A copy of my data")
        ERASURE = "erasure", _("Erase my data")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for head office")
        DONE = "done", _("Done")

    customer = models.ForeignKey(Customer, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="privacy_requests", verbose_name=_("customer"))
    kind = models.CharField(_("request"), max_length=10, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("handled by"))

    objects = ScopedManager()
    scope_rule = ScopeRule()  # head office only, like the audit log

    class Meta:
        verbose_name = _("privacy request")
        verbose_name_plural = _("privacy requests")
        ordering = ["-requested_at", "-id"]
        constraints = [
            # Asking twice while the first request waits is one request.
            models.UniqueConstraint(fields=["customer", "kind"], condition=models.Q(status="pending"),
                                    name="privacy_request_one_pending_per_kind"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.customer_id}"
