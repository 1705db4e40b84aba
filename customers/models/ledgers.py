"""Points and stored value (CUS-8): append-only ledgers. A balance is never edited in place:
every entry carries the balance after it, computed under a lock on the customer row, so the
current balance is the newest entry's ``balance_after`` and the sum of all deltas equals it."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stores.models import Staff, Store
from stores.scope import ScopedManager

from .core import OF_CUSTOMER, Customer
from .orders import Order


class LedgerEntry(models.Model):
    """Shared shape of both ledgers. ``seq`` numbers a customer's entries 1, 2, 3...; the unique
    (customer, seq) pair is the last guard against two writers appending the same step."""

    seq = models.PositiveIntegerField(_("number"))
    store = models.ForeignKey(Store, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("store"))
    staff = models.ForeignKey(Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                              verbose_name=_("by"))
    order = models.ForeignKey(Order, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("order"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    # Repeating a write with the same key (a retried import, a double tap) adds nothing.
    idempotency_key = models.CharField(max_length=100, null=True, blank=True, unique=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    objects = ScopedManager()
    scope_rule = OF_CUSTOMER

    class Meta:
        abstract = True
        ordering = ["-seq"]


class PointsEntry(LedgerEntry):
    class Kind(models.TextChoices):
        EARN_ORDER = "earn_order", _("Earned with an order")
        REDEEM = "redeem", _("Redeemed")
        ADJUST = "adjust", _("Adjustment")
        EXPIRE = "expire", _("Expired")
        REVERSAL = "reversal", _("Reversal")
        IMPORT = "import", _("Imported")
        MERGE = "merge", _("Customer merge")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="points_entries",
                                 verbose_name=_("customer"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    delta = models.IntegerField(_("points"))
    balance_after = models.IntegerField(_("balance"))
    redemption = models.ForeignKey("customers.PointsRedemption", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="entries", verbose_name=_("redemption"))

    class Meta(LedgerEntry.Meta):
        verbose_name = _("points entry")
        verbose_name_plural = _("points ledger")
        constraints = [
            models.UniqueConstraint(fields=["customer", "seq"], name="points_entry_seq_once"),
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="points_balance_not_negative"),
            models.CheckConstraint(condition=~Q(delta=0), name="points_delta_not_zero"),
        ]

    def __str__(self):
        return f"{self.customer_id} #{self.seq}: {self.delta:+d} = {self.balance_after}"


class StoredValueEntry(LedgerEntry):
    class Kind(models.TextChoices):
        TOP_UP = "top_up", _("Top-up")
        SPEND = "spend", _("Spent")
        REFUND = "refund", _("Refund")
        ADJUST = "adjust", _("Adjustment")
        IMPORT = "import", _("Imported")
        MERGE = "merge", _("Customer merge")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="stored_value_entries",
                                 verbose_name=_("customer"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    delta = models.DecimalField(_("amount (CNY)"), max_digits=12, decimal_places=2)
    balance_after = models.DecimalField(_("balance (CNY)"), max_digits=12, decimal_places=2)

    class Meta(LedgerEntry.Meta):
        verbose_name = _("stored-value entry")
        verbose_name_plural = _("stored-value ledger")
        constraints = [
            models.UniqueConstraint(fields=["customer", "seq"], name="stored_value_entry_seq_once"),
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="stored_value_balance_not_negative"),
            models.CheckConstraint(condition=~Q(delta=0), name="stored_value_delta_not_zero"),
        ]

    def __str__(self):
        return f"{self.customer_id} #{self.seq}: {self.delta:+} = {self.balance_after}"


class PointsReward(models.Model):
    """What points buy (seed 001: a toilet-cleaning kit, a floor-care visit, two cinema tickets)."""

    class Kind(models.TextChoices):
        GOODS = "goods", _("Goods")
        SERVICE = "service", _("Home service")

    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    description = models.CharField(_("description"), max_length=200, blank=True)
    points_cost = models.PositiveIntegerField(_("points"))
    # Empty: unlimited. Never below zero (redemptions take it under a row lock).
    stock = models.PositiveIntegerField(_("stock"), null=True, blank=True)
    is_active = models.BooleanField(_("available"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("points reward")
        verbose_name_plural = _("points rewards")
        ordering = ["points_cost", "id"]
        constraints = [models.CheckConstraint(condition=Q(points_cost__gt=0), name="reward_cost_positive")]

    def __str__(self):
        return self.name


class PointsRedemption(models.Model):
    class Status(models.TextChoices):
        REDEEMED = "redeemed", _("Redeemed")
        REVERSED = "reversed", _("Reversed")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="points_redemptions",
                                 verbose_name=_("customer"))
    reward = models.ForeignKey(PointsReward, on_delete=models.PROTECT, related_name="redemptions",
                               verbose_name=_("reward"))
    quantity = models.PositiveSmallIntegerField(_("quantity"), default=1)
    points = models.PositiveIntegerField(_("points"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.REDEEMED)
    store = models.ForeignKey(Store, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("store"))
    staff = models.ForeignKey(Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                              verbose_name=_("by"))
    reversal_reason = models.CharField(_("reason for reversal"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    objects = ScopedManager()
    scope_rule = OF_CUSTOMER

    class Meta:
        verbose_name = _("points redemption")
        verbose_name_plural = _("points redemptions")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.reward} × {self.quantity}"
