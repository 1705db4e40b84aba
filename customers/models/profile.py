"""What the store learns about a customer over time (CUS-2, CUS-3), grades, follow-ups (CUS-4, CUS-5)."""

from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stores.models import Product, Room, Staff, Style

from .core import OF_CUSTOMER, Customer, Tag
from stores.scope import ScopedManager


class CustomerProfile(models.Model):
    """Stages 2 and 3 of the profile (seed 001): needs the assistant adds over time, and the
    personal picture that grows with orders. One row per customer, made on the first edit, so the
    hot customer row stays small."""

    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, primary_key=True, related_name="profile", verbose_name=_("customer")
    )
    # Stage 2: needs.
    budget = models.DecimalField(_("budget (CNY)"), max_digits=12, decimal_places=2, null=True, blank=True)
    style = models.ForeignKey(
        Style, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("style")
    )
    rooms = models.JSONField(_("rooms"), default=list, blank=True, help_text=_("Values of the room choices."))
    categories = models.JSONField(
        _("product categories of interest"), default=list, blank=True, help_text=_("Values of the product categories.")
    )
    house_area = models.DecimalField(_("house area (m²)"), max_digits=7, decimal_places=1, null=True, blank=True)
    toilet_rough_in = models.PositiveSmallIntegerField(
        _("toilet rough-in (mm)"), null=True, blank=True, validators=[MaxValueValidator(1000)]
    )
    measurements = models.JSONField(_("other measurements"), default=dict, blank=True)
    accepts_home_measurement = models.BooleanField(_("accepts home measurement"), null=True, blank=True)
    intent_products = models.ManyToManyField(
        Product, blank=True, related_name="+", verbose_name=_("intent products")
    )
    notes = models.TextField(_("notes"), blank=True)
    # Stage 3: personal.
    preferences = models.TextField(_("preferences"), blank=True)
    household_size = models.PositiveSmallIntegerField(_("people in the household"), null=True, blank=True)
    family_notes = models.TextField(_("family"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    updated_by = models.ForeignKey(
        Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("updated by")
    )

    objects = ScopedManager()
    scope_rule = OF_CUSTOMER

    class Meta:
        verbose_name = _("customer profile")
        verbose_name_plural = _("customer profiles")

    def __str__(self):
        return str(self.customer)

    @property
    def room_labels(self) -> list[str]:
        return [str(Room(value).label) for value in self.rooms if value in Room.values]

    @property
    def category_labels(self) -> list[str]:
        return [str(Product.Category(v).label) for v in self.categories if v in Product.Category.values]


class IntentGradeChange(models.Model):
    """Every change of a customer's intent grade A/B/C/D (CUS-4), newest first."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="grade_changes", verbose_name=_("customer")
    )
    from_grade = models.CharField(_("from"), max_length=1, choices=Customer.IntentGrade.choices, blank=True)
    to_grade = models.CharField(_("to"), max_length=1, choices=Customer.IntentGrade.choices, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    changed_by = models.ForeignKey(
        Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("changed by")
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    objects = ScopedManager()
    scope_rule = OF_CUSTOMER

    class Meta:
        verbose_name = _("intent grade change")
        verbose_name_plural = _("intent grade changes")
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["customer", "-changed_at"])]

    def __str__(self):
        return f"{self.customer_id}: {self.from_grade or '-'} → {self.to_grade or '-'}"


class TagRule(models.Model):
    """A rule that tags every customer it matches (CUS-4), e.g. "spent over 20,000 in 90 days".
    ``conditions`` is a list of ``{"field", "op", "value"}`` understood by ``customers.rules``;
    all must hold. The nightly job adds the tag to new matches and removes it (rule-given links
    only) from customers who no longer match."""

    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="rules", verbose_name=_("tag"))
    name = models.CharField(_("name"), max_length=60)
    conditions = models.JSONField(_("conditions"), default=list)
    is_active = models.BooleanField(_("active"), default=True)
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True, editable=False)
    matched_count = models.PositiveIntegerField(_("customers matched"), default=0, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("tag rule")
        verbose_name_plural = _("tag rules")
        ordering = ["name"]

    def __str__(self):
        return self.name


class FollowUp(models.Model):
    """One follow-up of a customer by staff (跟进记录, CUS-5)."""

    class Kind(models.TextChoices):
        CALL = "call", _("Phone call")
        WECOM = "wecom", _("WeCom chat")
        SMS = "sms", _("SMS")
        VISIT = "visit", _("Store visit")
        HOME_MEASUREMENT = "home_measurement", _("Home measurement")
        OTHER = "other", _("Other")

    class Outcome(models.TextChoices):
        REACHED = "reached", _("Reached")
        NOT_REACHED = "not_reached", _("Not reached")
        APPOINTMENT = "appointment", _("Appointment made")
        VISITED = "visited", _("Came to the store")
        NOT_INTERESTED = "not_interested", _("Not interested")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="follow_ups",
                                 verbose_name=_("customer"))
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="follow_ups", verbose_name=_("by"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    note = models.TextField(_("note"), blank=True)
    next_follow_up_on = models.DateField(_("next follow-up"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ScopedManager()
    scope_rule = OF_CUSTOMER

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "-created_at"]), models.Index(fields=["staff", "created_at"])]

    def __str__(self):
        return f"{self.customer_id} · {self.get_kind_display()} @ {self.created_at:%Y-%m-%d}"


class AfterSalesRecord(models.Model):
    """After-sales history (CUS-3): repairs, installation problems, returns, complaints, upkeep."""

    class Kind(models.TextChoices):
        REPAIR = "repair", _("Repair")
        INSTALLATION = "installation", _("Installation problem")
        RETURN = "return", _("Return or exchange")
        COMPLAINT = "complaint", _("Complaint")
        MAINTENANCE = "maintenance", _("Maintenance")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="after_sales",
                                 verbose_name=_("customer"))
    order = models.ForeignKey("customers.Order", on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="after_sales", verbose_name=_("order"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    description = models.TextField(_("description"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                   verbose_name=_("recorded by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    objects = ScopedManager()
    scope_rule = OF_CUSTOMER

    class Meta:
        verbose_name = _("after-sales record")
        verbose_name_plural = _("after-sales records")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.customer_id}"
