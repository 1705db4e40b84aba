"""Marketing automation (SPEC PRO-6, seed 004 营销自动化): journeys (旅程) of trigger, audience,
action and timing, run by the hourly beat job, with their results attributed.

* A ``Journey`` says *when* a customer has an occasion (its trigger, e.g. a coupon ending within 3
  days, the birthday month, dormant for 90 days), *who* (all stores or listed ones, optionally a
  ``customers.rules`` condition), *what* happens (a template message, a task for the owner
  assistant, a coupon) and *at what hour* (store time, never outside 9:00-20:59).
* A ``JourneyDelivery`` is one customer's occasion in one journey, unique on (journey, customer,
  occasion): whatever reruns, an occasion is acted on once. It keeps what was done (the outbox
  message, the coupon), when the customer opened the message, and is what results count.
* A ``JourneyRun`` is one journey's run on one store day (unique), with its counts; the beat job
  runs a journey once a day.
"""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from promotions.models import ForStoresManager
from stores.models import Product, Store
from stores.scope import ScopedManager, ScopeRule

# Quiet hours (seed 004: never disturb at night): messages go out from 9:00 to 20:59 store time.
FIRST_HOUR, LAST_HOUR = 9, 20


def new_token() -> str:
    return secrets.token_urlsafe(16)


class Journey(models.Model):
    class Trigger(models.TextChoices):
        COUPON_EXPIRING = "coupon_expiring", _("Coupon expiring within N days")
        BIRTHDAY_MONTH = "birthday_month", _("Birthday month")
        VISITED_NOT_BOUGHT = "visited_not_bought", _("Visited, not bought within N days")
        SECOND_PURCHASE = "second_purchase", _("New customer with one order, N days on")
        DORMANT = "dormant", _("Dormant: no order for N days")
        ORDER_DELIVERED = "order_delivered", _("Order delivered N days ago (usage tips)")
        MAINTENANCE_DUE = "maintenance_due", _("Maintenance due: N days after buying a product")

    class Action(models.TextChoices):
        TEMPLATE_MESSAGE = "template_message", _("WeChat template message")
        ASSISTANT_TASK = "assistant_task", _("Task for the owner assistant")
        ISSUE_COUPON = "issue_coupon", _("Issue a coupon")

    class Link(models.TextChoices):
        MY_COUPONS = "my_coupons", _("My coupons")
        NONE = "none", _("No link")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", pgettext_lazy("journey status", "Active")
        PAUSED = "paused", _("Paused")

    name = models.CharField(_("name"), max_length=40)
    template = models.CharField(_("strategy template"), max_length=30, blank=True, editable=False)
    trigger = models.CharField(_("trigger"), max_length=30, choices=Trigger.choices)
    trigger_days = models.PositiveSmallIntegerField(
        _("N days"), default=3, validators=[MinValueValidator(0), MaxValueValidator(3650)],
        help_text=_("The N of the trigger (not used by the birthday month)."))
    product = models.ForeignKey(Product, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("product"),
                                help_text=_("Maintenance due: orders of this product (a filter, a consumable)."))
    all_stores = models.BooleanField(_("all stores"), default=True)
    stores = models.ManyToManyField(Store, blank=True, related_name="journeys", verbose_name=_("stores"))
    conditions = models.JSONField(_("customer conditions"), default=list, blank=True,
                                  help_text=_("Optional rule conditions over customers (as in tag rules)."))
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    coupon_definition = models.ForeignKey(
        "promotions.CouponDefinition", on_delete=models.PROTECT, null=True, blank=True, related_name="journeys",
        verbose_name=_("coupon given"), help_text=_("Issue a coupon: one coupon of this definition."))
    title = models.CharField(_("message title"), max_length=20, blank=True,
                             help_text=_("Template message: the first line (up to 20 characters)."))
    body = models.CharField(_("message text"), max_length=20, blank=True,
                            help_text=_("Template message: the second line; assistant task: what to do."))
    link = models.CharField(_("link"), max_length=20, choices=Link.choices, default=Link.MY_COUPONS)
    send_hour = models.PositiveSmallIntegerField(
        _("send hour"), default=10, validators=[MinValueValidator(FIRST_HOUR), MaxValueValidator(LAST_HOUR)],
        help_text=_("Store time, from 9 to 20: never earlier or later."))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    starts_on = models.DateField(_("first day"), null=True, blank=True)
    ends_on = models.DateField(_("last day"), null=True, blank=True, help_text=_("Inclusive; empty: no end."))
    attribution_days = models.PositiveSmallIntegerField(
        _("attribution window (days)"), default=7, validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text=_("An order within this many days after the step counts for the journey."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ForStoresManager()
    scope_rule = ScopeRule(region="stores__region", store="stores")  # plus all_stores (ForStoresQuerySet)

    class Meta:
        verbose_name = _("journey")
        verbose_name_plural = _("journeys")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(name="journey_send_hour_daytime",
                                   condition=models.Q(send_hour__gte=FIRST_HOUR, send_hour__lte=LAST_HOUR)),
            models.CheckConstraint(name="journey_coupon_action_has_definition",
                                   condition=~models.Q(action="issue_coupon") | models.Q(coupon_definition__isnull=False)),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.action == self.Action.ISSUE_COUPON and not self.coupon_definition_id:
            errors["coupon_definition"] = _("Choose the coupon the journey gives.")
        if self.trigger == self.Trigger.MAINTENANCE_DUE and not self.product_id:
            errors["product"] = _("Choose the product whose maintenance is due.")
        if self.action == self.Action.TEMPLATE_MESSAGE and self.trigger != self.Trigger.COUPON_EXPIRING \
                and not (self.title and self.body):
            errors["title"] = _("A template message needs a title and a text.")
        if self.conditions:
            from customers.rules.engine import RuleError, conditions_validate

            try:
                conditions_validate(self.conditions)
            except RuleError as exc:
                errors["conditions"] = str(exc)
        if self.starts_on and self.ends_on and self.starts_on > self.ends_on:
            errors["ends_on"] = _("The last day cannot be before the first.")
        if errors:
            raise ValidationError(errors)

    def runs_on(self, day) -> bool:
        return (self.status == self.Status.ACTIVE and (self.starts_on is None or self.starts_on <= day)
                and (self.ends_on is None or day <= self.ends_on))


class JourneyRun(models.Model):
    """One journey's run on one store day: the beat job runs a journey once a day."""

    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="runs", verbose_name=_("journey"))
    day = models.DateField(_("day"))
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    matched = models.PositiveIntegerField(_("new occasions"), default=0)
    acted = models.PositiveIntegerField(_("acted on"), default=0)
    capped = models.PositiveIntegerField(_("left out by the contact cap"), default=0)
    skipped = models.PositiveIntegerField(_("skipped"), default=0)

    objects = ScopedManager()
    # Runs are head office's (a run spans stores); store staff read deliveries instead.
    scope_rule = ScopeRule()

    class Meta:
        verbose_name = _("journey run")
        verbose_name_plural = _("journey runs")
        ordering = ["-day", "-id"]
        constraints = [models.UniqueConstraint(fields=["journey", "day"], name="journey_run_once_a_day")]

    def __str__(self):
        return f"{self.journey} · {self.day:%Y-%m-%d}"


class JourneyDelivery(models.Model):
    """One customer's occasion in one journey, acted on once (unique)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("To do")
        QUEUED = "queued", _("Message queued")
        ISSUED = "issued", _("Coupon issued")
        TASKED = "tasked", _("Task for the assistant")
        OPTED_OUT = "opted_out", _("Skipped: opted out of marketing")
        NO_OPENID = "no_openid", _("Skipped: no WeChat")
        NO_OWNER = "no_owner", _("Skipped: no owner assistant")
        REFUSED = "refused", _("Skipped: coupon refused")

    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="deliveries",
                                verbose_name=_("journey"))
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="journey_deliveries",
                                 verbose_name=_("customer"))
    # The customer's store when the occasion was found: the store the result counts for.
    store = models.ForeignKey(Store, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("store"))
    occasion = models.CharField(_("occasion"), max_length=60)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    note = models.CharField(_("note"), max_length=200, blank=True)
    message = models.ForeignKey("wechat.Message", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+", verbose_name=_("message"))
    coupon = models.ForeignKey("promotions.Coupon", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+", verbose_name=_("coupon"))
    token = models.CharField(_("link token"), max_length=32, unique=True, default=new_token, editable=False)
    created_at = models.DateTimeField(_("found at"), default=timezone.now)
    acted_at = models.DateTimeField(_("acted at"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    # Orders placed from ``acted_at`` until this moment count for the journey (its window then).
    attributed_until = models.DateTimeField(_("attributed until"), null=True, blank=True)

    objects = ScopedManager()
    scope_rule = ScopeRule(region="store__region", store="store", owner="customer__owner_assistant")

    class Meta:
        verbose_name = _("journey delivery")
        verbose_name_plural = _("journey deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["journey", "customer", "occasion"],
                                               name="journey_delivery_once")]
        indexes = [models.Index(fields=["journey", "status"]), models.Index(fields=["customer", "created_at"])]

    def __str__(self):
        return f"{self.journey} · {self.occasion}"
