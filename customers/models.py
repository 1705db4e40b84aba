"""Customers and their orders (SPEC §4). This is the core the later profile work extends."""

from django.conf import settings
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
    wechat_subscribed = models.BooleanField(_("follows the official account"), default=False)
    # PIPL art. 24: whoever opted out of marketing never receives it (the outbox checks this).
    marketing_opt_out = models.BooleanField(_("opted out of marketing"), default=False)
    is_wecom_friend = models.BooleanField(_("WeCom friend"), default=False)
    intent_grade = models.CharField(_("intent grade"), max_length=1, choices=IntentGrade.choices, blank=True)
    member_level = models.PositiveSmallIntegerField(_("member level"), default=0)
    # Attribution (QR-4): when the current binding to store/assistant began, and through which code.
    bound_at = models.DateTimeField(_("bound at"), null=True, blank=True)
    bound_via = models.ForeignKey(
        "stores.QRCode", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("bound via code"),
    )
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
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name, else something the assistant can tell apart: masked mobile, WeChat user ····."""
        if self.name:
            return self.name
        if self.masked_mobile:
            return self.masked_mobile
        if self.openid:
            return _("WeChat user %(tail)s") % {"tail": self.openid[-4:]}
        return f"#{self.pk}"

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


class ScanEvent(models.Model):
    """One scan of a code (QR-3): written once, never updated. KPIs roll these up elsewhere."""

    class Channel(models.TextChoices):
        OAUTH = "oauth", _("H5 page in WeChat")
        SUBSCRIBE = "subscribe", _("Followed the official account")
        SCAN = "scan", _("Scanned while following")
        WECOM = "wecom", _("WeCom contact code")
        BROWSER = "browser", _("Browser outside WeChat")

    qr_code = models.ForeignKey(
        "stores.QRCode", on_delete=models.PROTECT, related_name="scans", verbose_name=_("QR code")
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, null=True, blank=True, related_name="scans", verbose_name=_("customer")
    )
    target_type = models.CharField(_("target type"), max_length=20)
    target_id = models.PositiveBigIntegerField(_("target id"))
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("store")
    )
    staff = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("assistant")
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    bound = models.BooleanField(_("bound the customer"), default=False)
    scanned_at = models.DateTimeField(_("scanned at"), default=timezone.now)

    objects = ScopedManager()
    scope_rule = ScopeRule(region="store__region", store="store", owner="customer__owner_assistant")

    class Meta:
        verbose_name = _("scan")
        verbose_name_plural = _("scans")
        ordering = ["-scanned_at"]
        indexes = [
            models.Index(fields=["customer", "-scanned_at"]),
            models.Index(fields=["qr_code", "scanned_at"]),
            models.Index(fields=["store", "scanned_at"]),
        ]

    def __str__(self):
        return f"{self.qr_code_id} @ {self.scanned_at:%Y-%m-%d %H:%M}"


class OwnerChange(models.Model):
    """Every change of a customer's store or owner assistant, with its reason (QR-4)."""

    class Reason(models.TextChoices):
        FIRST_SCAN = "first_scan", _("First scan")
        PROTECTION_EXPIRED = "protection_expired", _("Scanned elsewhere after the protection period")
        REASSIGNED = "reassigned", _("Reassigned by head office")
        HANDOVER = "handover", _("Handed over when an assistant left")
        ASSIGNED = "assigned", _("Assigned by the store manager")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="owner_changes")
    from_store = models.ForeignKey(Store, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    to_store = models.ForeignKey(Store, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    from_assistant = models.ForeignKey(Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    to_assistant = models.ForeignKey(Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reason = models.CharField(_("reason"), max_length=30, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    qr_code = models.ForeignKey("stores.QRCode", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    objects = ScopedManager()
    scope_rule = ScopeRule(region="customer__store__region", store="customer__store", owner="customer__owner_assistant")

    class Meta:
        verbose_name = _("owner change")
        verbose_name_plural = _("owner changes")
        ordering = ["-changed_at", "-id"]
