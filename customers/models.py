"""Customers and their orders (SPEC §4). This is the core the later profile work extends."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stores.models import Staff, Store, mobile_validator
from stores.scope import ScopedManager, ScopeRule


class Customer(models.Model):
    class Gender(models.TextChoices):
        UNKNOWN = "", _("Unknown")
        FEMALE = "f", _("Female")
        MALE = "m", _("Male")

    class IntentGrade(models.TextChoices):
        # Seed 003's grades.
        A = "A", _("A: strong intent, has visited")
        B = "B", _("B: some intent, hesitating")
        C = "C", _("C: unreachable")
        D = "D", _("D: no intent")

    class Source(models.TextChoices):
        STORE_VISIT = "store_visit", _("Store visit")
        QR_SCAN = "qr_scan", _("QR code scan")
        WECHAT = "wechat", _("WeChat official account")
        REFERRAL = "referral", _("Referral")
        IMPORT = "import", _("Import")

    name = models.CharField(_("name"), max_length=50, blank=True)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    mobile = models.CharField(_("mobile"), max_length=11, blank=True, validators=[mobile_validator])
    community = models.CharField(_("residential community"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    source = models.CharField(_("source channel"), max_length=20, choices=Source.choices, default=Source.STORE_VISIT)
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, null=True, blank=True, related_name="customers", verbose_name=_("store")
    )
    owner_assistant = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customers",
        verbose_name=_("owner assistant"),
    )
    openid = models.CharField(_("WeChat openid"), max_length=64, null=True, blank=True, unique=True)
    unionid = models.CharField(_("WeChat unionid"), max_length=64, null=True, blank=True, unique=True)
    is_wecom_friend = models.BooleanField(_("WeCom friend"), default=False)
    intent_grade = models.CharField(_("intent grade"), max_length=1, choices=IntentGrade.choices, blank=True)
    member_level = models.PositiveSmallIntegerField(_("member level"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    objects = ScopedManager()
    scope_rule = ScopeRule(region="store__region", store="store", owner="owner_assistant")

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["store", "owner_assistant"]),
            models.Index(fields=["owner_assistant", "-created_at"]),
            models.Index(fields=["mobile"]),
        ]

    def __str__(self):
        return self.name or self.masked_mobile or f"#{self.pk}"

    @property
    def masked_mobile(self) -> str:
        return f"{self.mobile[:3]}****{self.mobile[-4:]}" if len(self.mobile) == 11 else ""


class Order(models.Model):
    class PaymentType(models.TextChoices):
        FULL_ONLINE = "full_online", _("Paid in full online")
        DEPOSIT = "deposit", _("Deposit")
        BALANCE = "balance_payment", _("Balance payment")
        IN_STORE = "in_store", _("Paid in store")
        CASH_ON_DELIVERY = "cash_on_delivery", _("Cash on delivery")

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting payment")
        PAID = "paid", _("Paid")
        SHIPPED = "shipped", _("Shipped")
        INSTALLED = "installed", _("Installed")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    number = models.CharField(_("order number"), max_length=32, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders", verbose_name=_("customer"))
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="orders", verbose_name=_("store"))
    assistant = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="orders", verbose_name=_("assistant")
    )
    amount = models.DecimalField(_("amount (CNY)"), max_digits=12, decimal_places=2)
    payment_type = models.CharField(_("payment type"), max_length=20, choices=PaymentType.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    placed_at = models.DateTimeField(_("placed at"), db_index=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    objects = ScopedManager()
    scope_rule = ScopeRule(region="store__region", store="store", owner="assistant")

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-placed_at"]
        indexes = [models.Index(fields=["store", "placed_at"]), models.Index(fields=["customer", "placed_at"])]

    def __str__(self):
        return self.number
