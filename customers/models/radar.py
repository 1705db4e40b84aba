"""The interaction radar (互动雷达, QR-9): what an owned customer just did, for their assistant.

Rows are written once by ``customers.radar.radar_record`` (on the scan path, share opens, views,
favourites, coupon claims) and never updated; the workbench shows them newest first.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stores.models import Staff, Store
from stores.scope import ScopedManager, ScopeRule

from .core import OF_CUSTOMER, Customer


class RadarEvent(models.Model):
    """One moment worth following up: "王女士 正在看 岛台厨房方案". ``assistant`` and ``store`` are the
    customer's owner and store when it happened, so the feed does not move when they change."""

    class Kind(models.TextChoices):
        SCANNED = "scanned", _("Scanned a code")
        OPENED_SHARE = "opened_share", _("Opened a shared page")
        FAMILY_OPENED = "family_opened", _("Family opened their share")
        VIEWED_AGAIN = "viewed_again", _("Viewed again")
        FAVOURITED = "favourited", _("Saved to favourites")
        CLAIMED_COUPON = "claimed_coupon", _("Claimed a coupon")

    # Written on the scan path: only the indexes below (no single-column ones the composites cover,
    # partial ones for the mostly empty references), so an entry costs little to insert.
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="radar_events",
                                 verbose_name=_("customer"), db_index=False)
    assistant = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+", verbose_name=_("assistant"),
                                  db_index=False)
    store = models.ForeignKey(Store, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("store"), db_index=False)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # What they looked at: a page key (resolved to its name when shown) and/or a text such as the
    # code's label or the coupon's name.
    page_type = models.CharField(_("page type"), max_length=20, blank=True)
    page_id = models.PositiveBigIntegerField(_("page id"), null=True, blank=True)
    what = models.CharField(_("what"), max_length=100, blank=True)
    # The other person of a share: the sharer for an open, the family member for "family opened".
    related_customer = models.ForeignKey(Customer, on_delete=models.SET_NULL, null=True, blank=True,
                                         related_name="+", verbose_name=_("related customer"), db_index=False)
    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now)
    # The assistant's reminder through the official account, when this entry sent one.
    reminder = models.ForeignKey("wechat.Message", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name=_("reminder"), db_index=False)

    objects = ScopedManager()
    scope_rule = ScopeRule(region="store__region", store="store", owner="assistant")

    class Meta:
        verbose_name = _("radar entry")
        verbose_name_plural = _("radar entries")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["assistant", "-occurred_at"], name="radar_assistant_newest"),
            models.Index(fields=["store", "-occurred_at"], name="radar_store_newest"),
            models.Index(fields=["customer", "-occurred_at"], name="radar_customer_newest"),
            models.Index(fields=["related_customer"], name="radar_related_customer",
                         condition=models.Q(related_customer__isnull=False)),
            models.Index(fields=["reminder"], name="radar_reminder", condition=models.Q(reminder__isnull=False)),
        ]

    def __str__(self):
        return f"{self.customer_id} {self.kind} @ {self.occurred_at:%Y-%m-%d %H:%M}"

    @property
    def reminded(self) -> bool:
        return self.reminder_id is not None


class RadarReminder(models.Model):
    """When the customer's assistant was last reminded about them: the rate limit's one fact. A
    conditional UPDATE on this row decides, so simultaneous events send one reminder."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, primary_key=True, related_name="+",
                                    verbose_name=_("customer"))
    reminded_at = models.DateTimeField(_("last reminded at"))

    objects = ScopedManager()
    scope_rule = OF_CUSTOMER

    class Meta:
        verbose_name = _("radar reminder")
        verbose_name_plural = _("radar reminders")
