"""Orders (CUS-7): what every KPI, invitation result and commission is computed from."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stores.models import Product, Staff, Store
from stores.scope import ScopedManager, ScopeRule

from .core import Customer


class Order(models.Model):
    class PaymentType(models.TextChoices):
        FULL_ONLINE = "full_online", _("Paid in full online")
        DEPOSIT = "deposit", _("Deposit")
        BALANCE = "balance_payment", _("Balance payment")
        IN_STORE = "in_store", _("Paid in store")
        CASH_ON_DELIVERY = "cash_on_delivery", _("Cash on delivery")

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting payment")
        DEPOSIT_PAID = "deposit_paid", _("Deposit paid")
        PAID = "paid", _("Paid")
        SHIPPED = "shipped", _("Shipped")
        ARRIVED = "arrived", _("Arrived")
        INSTALLATION_BOOKED = "installation_booked", _("Installation booked")
        INSTALLED = "installed", _("Installed")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    class Channel(models.TextChoices):
        IN_STORE = "in_store", _("In store")
        ONLINE = "online", _("Online")

    number = models.CharField(_("order number"), max_length=32, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders", verbose_name=_("customer"))
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="orders", verbose_name=_("store"))
    assistant = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="orders", verbose_name=_("assistant")
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.IN_STORE)
    amount = models.DecimalField(_("amount (CNY)"), max_digits=12, decimal_places=2)
    payment_type = models.CharField(_("payment type"), max_length=20, choices=PaymentType.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    placed_at = models.DateTimeField(_("placed at"), db_index=True)
    # When the first money arrived (deposit or full payment): the moment invitation results and
    # KPIs count the order as paid.
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = ScopedManager()
    scope_rule = ScopeRule(region="store__region", store="store", owner="assistant")

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-placed_at"]
        indexes = [
            models.Index(fields=["store", "placed_at"]),
            models.Index(fields=["customer", "placed_at"]),
            models.Index(fields=["assistant", "placed_at"]),
        ]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="order_amount_not_negative")]

    def __str__(self):
        return self.number


OF_ORDER = ScopeRule(region="order__store__region", store="order__store", owner="order__assistant")


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items", verbose_name=_("order"))
    product = models.ForeignKey(
        Product, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("product")
    )
    # Copied from the product when sold: the catalogue changes, the order does not.
    sku = models.CharField(_("SKU"), max_length=40, blank=True)
    name = models.CharField(_("name"), max_length=100)
    category = models.CharField(_("category"), max_length=20, choices=Product.Category.choices, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"), default=1, validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(_("unit price (CNY)"), max_digits=10, decimal_places=2)
    amount = models.DecimalField(_("amount (CNY)"), max_digits=12, decimal_places=2)

    objects = ScopedManager()
    scope_rule = OF_ORDER

    class Meta:
        verbose_name = _("order item")
        verbose_name_plural = _("order items")
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gte=1), name="order_item_quantity_positive")]

    def __str__(self):
        return f"{self.name} × {self.quantity}"


class Payment(models.Model):
    """Money received for an order: a deposit online, the balance in store, cash on delivery..."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="payments", verbose_name=_("order"))
    kind = models.CharField(_("payment type"), max_length=20, choices=Order.PaymentType.choices)
    amount = models.DecimalField(_("amount (CNY)"), max_digits=12, decimal_places=2)
    paid_at = models.DateTimeField(_("paid at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("recorded by")
    )

    objects = ScopedManager()
    scope_rule = OF_ORDER

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["paid_at", "id"]
        indexes = [models.Index(fields=["order", "paid_at"])]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive")]

    def __str__(self):
        return f"{self.order_id} · {self.amount}"


class LogisticsEvent(models.Model):
    """A logistics node of an order (CUS-7, seed 001 物流售后): each one tells the customer through
    the messaging outbox, once."""

    class Node(models.TextChoices):
        SHIPPED = "shipped", _("Shipped")
        ARRIVED = "arrived", _("Arrived")
        INSTALLATION_BOOKED = "installation_booked", _("Installation booked")
        INSTALLED = "installed", _("Installed")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="logistics", verbose_name=_("order"))
    node = models.CharField(_("node"), max_length=20, choices=Node.choices)
    happened_at = models.DateTimeField(_("time"), default=timezone.now)
    location = models.CharField(_("where"), max_length=100, blank=True)
    # For "installation booked": when the installer comes, and who.
    scheduled_for = models.DateTimeField(_("appointment"), null=True, blank=True)
    installer = models.ForeignKey(
        Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("installer")
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ScopedManager()
    scope_rule = OF_ORDER

    class Meta:
        verbose_name = _("logistics node")
        verbose_name_plural = _("logistics nodes")
        ordering = ["happened_at", "id"]
        indexes = [models.Index(fields=["order", "happened_at"])]

    def __str__(self):
        return f"{self.order_id} · {self.get_node_display()}"
