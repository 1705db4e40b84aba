"""One person, one customer (CUS-12): the identities a customer is known by, and merges.

* ``CustomerIdentity`` — every identity of a customer beyond the columns on ``Customer`` itself:
  a second WeChat openid (another official account or mini program of the brand, or the openid of
  a customer merged into this one), a unionid, a WeCom external contact id, a verified mobile
  number. ``(kind, value)`` is unique, so one identity belongs to one customer; the resolver
  (``customers.identity``) reads ``Customer.openid`` first (the hot path) and this table only
  when that misses.
* ``CustomerMerge`` — two customer rows found to be one person: the *merged* row's history moves
  to the *survivor* (every row that points at it, listed in ``moved`` so HQ can undo the merge),
  its balances move by a pair of ledger entries (ledgers are append-only), its identities become
  the survivor's, and the row stays as a tombstone (``Customer.merged_into``) that no list shows.
  ``before`` holds what undo puts back: the merged row's fields and the survivor's fields the
  merge filled in or changed (owner included).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stores.models import Staff
from stores.scope import ScopedManager, ScopeRule

from .core import OF_CUSTOMER, Customer


class CustomerIdentity(models.Model):
    class Kind(models.TextChoices):
        OPENID = "openid", _("WeChat openid")
        UNIONID = "unionid", _("WeChat unionid")
        WECOM = "wecom", _("WeCom external contact id")
        MOBILE = "mobile", _("Verified mobile number")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identities",
                                 verbose_name=_("customer"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    value = models.CharField(_("value"), max_length=64)
    # The merge that brought this identity to the customer (undo gives it back).
    merge = models.ForeignKey("customers.CustomerMerge", on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("merge"))
    created_at = models.DateTimeField(_("added at"), default=timezone.now)

    objects = ScopedManager()
    scope_rule = OF_CUSTOMER

    class Meta:
        verbose_name = _("customer identity")
        verbose_name_plural = _("customer identities")
        constraints = [models.UniqueConstraint(fields=["kind", "value"], name="customer_identity_once")]
        indexes = [models.Index(fields=["customer", "kind"])]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.customer_id}"


class CustomerMerge(models.Model):
    class Reason(models.TextChoices):
        SAME_UNIONID = "same_unionid", _("Same WeChat unionid")
        SAME_WECOM = "same_wecom", _("Same WeCom contact")
        SAME_MOBILE = "same_mobile", _("Same verified mobile number")
        CONFIRMED = "confirmed", _("Confirmed by the store manager")
        HEAD_OFFICE = "head_office", _("Merged by head office")

    survivor = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="merges_in",
                                 verbose_name=_("kept customer"))
    merged = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="merges_out",
                               verbose_name=_("merged customer"))
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name=_("merged by"),
                                  help_text=_("Empty: merged automatically when one identity met another."))
    merged_at = models.DateTimeField(_("merged at"), default=timezone.now)
    # {"app_label.Model.field": [pk, ...]}: the rows that pointed at the merged customer and now point
    # at the survivor; undo points them back.
    moved = models.JSONField(_("rows moved"), default=dict, editable=False)
    # {"merged": {field: value}, "survivor": {field: value}}: what undo restores.
    before = models.JSONField(_("before the merge"), default=dict, editable=False)
    # Who owned the survivor before and after (the attribution rules decide, see customers.merges).
    owner_before = models.ForeignKey(Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                     verbose_name=_("owner before"))
    owner_after = models.ForeignKey(Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                    verbose_name=_("owner after"))
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name=_("undone by"))
    undo_reason = models.CharField(_("reason for undoing"), max_length=200, blank=True)

    objects = ScopedManager()
    scope_rule = ScopeRule(region="survivor__store__region", store="survivor__store",
                           owner="survivor__owner_assistant")

    class Meta:
        verbose_name = _("customer merge")
        verbose_name_plural = _("customer merges")
        ordering = ["-merged_at", "-id"]
        constraints = [
            models.CheckConstraint(name="customer_merge_not_itself", condition=~Q(survivor=models.F("merged"))),
            # A customer is merged away at most once at a time (undo, then it may be merged again).
            models.UniqueConstraint(fields=["merged"], condition=Q(undone_at__isnull=True),
                                    name="customer_merged_once"),
        ]

    def __str__(self):
        return f"#{self.merged_id} → #{self.survivor_id}"


class MergeDismissal(models.Model):
    """A manager looked at a candidate pair and said they are two people: not listed again."""

    customer_low = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    customer_high = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    dismissed_by = models.ForeignKey(Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    dismissed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("dismissed duplicate")
        verbose_name_plural = _("dismissed duplicates")
        constraints = [
            models.UniqueConstraint(fields=["customer_low", "customer_high"], name="merge_dismissal_once"),
            models.CheckConstraint(name="merge_dismissal_ordered", condition=Q(customer_low__lt=models.F("customer_high"))),
        ]
