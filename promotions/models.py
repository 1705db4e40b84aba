"""Promotions (SPEC §6): activities (PRO-1), coupon definitions and the coupons customers hold
(PRO-2), redemptions in store (PRO-3).

* An ``Activity`` is a campaign with an H5 page, a date range and the stores it runs in; its QR
  codes are ordinary touchpoint codes (``stores.QRCode``, target type ``activity``), one per store
  so scans attribute to that store. Draws (lucky wheel, shake) and community group-buys are
  activities of their own kind; a group-buy is for one residential community.
* A ``CouponDefinition`` says what a coupon is worth (typed fields per kind), how long it is valid
  (fixed dates, or N days from the claim), how many there are (stock), how many one person may
  hold, and where it is usable. It may belong to an activity (claimed on its page) or to none
  (issued by a prize or a journey, ``promotions.services.coupon_issue``).
* A ``Coupon`` is one customer's: its code is the only way to redeem it. Status moves
  claimed → redeemed (a conditional UPDATE, so at most once under any concurrency) or
  claimed → expired; a manager's reversal puts a redeemed coupon back to claimed (or expired).
* A ``Redemption`` records each redemption with its store and assistant, and its reversal; at
  most one live redemption per coupon (a partial unique index backs the conditional UPDATE).

Days are store days (Asia/Shanghai): validity dates are inclusive local dates.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from stores.models import Product, Staff, Store
from stores.scope import Level, ScopedManager, ScopedQuerySet, ScopeRule, scope_of

CENT = Decimal("0.01")

# The stores a row is *listed* for (an activity's, a definition's usable stores): through rows.
_LISTED_IN = ScopeRule(region="store__region", store="store")


def stock_constraints(prefix: str) -> list[models.CheckConstraint]:
    """A ``stock_total`` / ``stock_remaining`` pair (empty total: unlimited): what is left is never
    negative nor above the total, and both are empty or neither (coupon definitions, prizes)."""
    return [
        models.CheckConstraint(name=f"{prefix}_stock_not_negative", condition=Q(stock_remaining__gte=0)),
        models.CheckConstraint(
            name=f"{prefix}_stock_within_total",
            condition=Q(stock_total__isnull=True, stock_remaining__isnull=True)
            | Q(stock_total__isnull=False, stock_remaining__isnull=False, stock_remaining__lte=F("stock_total"))),
    ]


class ForStoresQuerySet(ScopedQuerySet):
    """Rows offered to every store (``all_stores``) or to listed ones (``stores``). Staff see those
    of their store or region; head office all; partners and customers none (their pages read the
    public H5 selectors instead)."""

    def visible_to(self, user) -> models.QuerySet:
        scope = scope_of(user)
        if scope.level is Level.ALL:
            return self
        if scope.level < Level.OWN:
            return self.none()
        through = self.model.stores.through
        listed = scope.filter(through.objects.all(), _LISTED_IN).values(f"{self.model._meta.model_name}_id")
        return self.filter(Q(all_stores=True) | Q(pk__in=listed))


ForStoresManager = models.Manager.from_queryset(ForStoresQuerySet)


class Activity(models.Model):
    class Kind(models.TextChoices):
        PROMOTION = "promotion", _("Promotion")
        GROUP_BUY = "group_buy", _("Community group-buy")
        LUCKY_WHEEL = "lucky_wheel", _("Lucky wheel")
        SHAKE = "shake", _("Shake")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        ENDED = "ended", _("Ended early")

    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.PROMOTION)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    summary = models.CharField(_("summary"), max_length=200, blank=True, help_text=_("One line under the title."))
    description = models.TextField(_("page text"), blank=True, help_text=_("Shown on the activity's H5 page."))
    cover = models.ImageField(_("cover picture"), upload_to="activities/", blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), help_text=_("The last day of the activity (inclusive)."))
    all_stores = models.BooleanField(_("all stores"), default=True)
    stores = models.ManyToManyField(Store, blank=True, related_name="activities", verbose_name=_("stores"))
    # A community group-buy (PRO-5) is for one residential community.
    community = models.CharField(_("residential community"), max_length=100, blank=True)
    # Draws (PRO-4): how many times one person (one mobile number, whatever WeChat accounts) may draw
    # each store day.
    draws_per_day = models.PositiveSmallIntegerField(
        _("draws per person per day"), default=1, validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Lucky wheel and shake: how many times one person may draw each day."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ForStoresManager()
    scope_rule = ScopeRule(region="stores__region", store="stores")  # plus all_stores: see ForStoresQuerySet

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(name="activity_dates_ordered", condition=Q(starts_on__lte=F("ends_on"))),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.starts_on and self.ends_on and self.starts_on > self.ends_on:
            raise ValidationError({"ends_on": _("The activity cannot end before it starts.")})
        if self.kind == self.Kind.GROUP_BUY and not self.community:
            raise ValidationError({"community": _("A community group-buy is for one residential community.")})
        from .group_buy import group_buy_activity_errors  # its coupons' window (PRO-5)

        errors = group_buy_activity_errors(self)
        if errors:
            raise ValidationError(errors)

    @property
    def is_draw(self) -> bool:
        return self.kind in (self.Kind.LUCKY_WHEEL, self.Kind.SHAKE)

    def is_running(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.status == self.Status.PUBLISHED and self.starts_on <= today <= self.ends_on


class CouponDefinition(models.Model):
    """What a kind of coupon gives, how long it lasts, how many there are and where it is usable."""

    class Kind(models.TextChoices):
        GROUP_BUY = "group_buy", _("Group-buy coupon")
        DISCOUNT = "discount", _("Discount coupon")
        EXCHANGE = "exchange", _("Exchange coupon")
        CASH_VOUCHER = "cash_voucher", _("Cash voucher")
        COUPON = "coupon", _("Coupon")

    class Validity(models.TextChoices):
        FIXED = "fixed", _("Fixed dates")
        AFTER_CLAIM = "after_claim", _("A number of days from the claim")

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="coupon_definitions", verbose_name=_("activity"),
                                 help_text=_("Claimed on this activity's page. Empty: issued only by prizes or "
                                             "journeys."))
    name = models.CharField(_("name"), max_length=40)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # Value rules, per kind (see ``clean`` and the constraint below):
    #   cash voucher / coupon: ``amount_off`` (coupon usually with ``min_spend``: 满 5000 减 300);
    #   discount: ``discount_rate`` in % of the price paid (88 = 8.8 折), optional ``max_discount``;
    #   exchange: ``item`` (and optionally the catalogue ``product``) given for the coupon;
    #   group-buy: ``item`` at ``group_price``.
    amount_off = models.DecimalField(_("amount off (CNY)"), max_digits=10, decimal_places=2, null=True, blank=True,
                                     validators=[MinValueValidator(CENT)])
    discount_rate = models.PositiveSmallIntegerField(
        _("price paid (%)"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text=_("The share of the price the customer pays: 88 means 8.8折, 12 percent off."))
    max_discount = models.DecimalField(_("largest discount (CNY)"), max_digits=10, decimal_places=2, null=True,
                                       blank=True, validators=[MinValueValidator(CENT)])
    min_spend = models.DecimalField(_("minimum spend (CNY)"), max_digits=10, decimal_places=2, null=True, blank=True,
                                    validators=[MinValueValidator(CENT)])
    item = models.CharField(_("item"), max_length=100, blank=True,
                            help_text=_("Exchange and group-buy coupons: what the customer gets."))
    product = models.ForeignKey(Product, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("product"))
    group_price = models.DecimalField(_("group-buy price (CNY)"), max_digits=10, decimal_places=2, null=True,
                                      blank=True, validators=[MinValueValidator(Decimal(0))])
    terms = models.TextField(_("terms of use"), blank=True)
    validity = models.CharField(_("validity"), max_length=20, choices=Validity.choices, default=Validity.FIXED)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True, help_text=_("Inclusive."))
    valid_days = models.PositiveSmallIntegerField(
        _("valid for (days)"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_("Counted from the day of the claim, that day included."))
    # Empty total: unlimited. ``stock_remaining`` is taken by a conditional UPDATE under the row lock.
    stock_total = models.PositiveIntegerField(_("stock"), null=True, blank=True)
    stock_remaining = models.PositiveIntegerField(_("left"), null=True, blank=True, editable=False)
    per_customer_limit = models.PositiveSmallIntegerField(
        _("per customer"), default=1, validators=[MinValueValidator(1)],
        help_text=_("How many one person may claim; several WeChat accounts with one mobile number are one person."))
    all_stores = models.BooleanField(_("usable in all stores"), default=True)
    stores = models.ManyToManyField(Store, blank=True, related_name="coupon_definitions",
                                    verbose_name=_("usable in stores"))
    is_active = models.BooleanField(_("can be claimed"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0, help_text=_("Smaller comes first."))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ForStoresManager()
    scope_rule = ScopeRule(region="stores__region", store="stores")  # plus all_stores: see ForStoresQuerySet

    class Meta:
        verbose_name = _("coupon definition")
        verbose_name_plural = _("coupon definitions")
        ordering = ["position", "id"]
        constraints = [
            *stock_constraints("coupon"),
            models.CheckConstraint(name="coupon_limit_positive", condition=Q(per_customer_limit__gte=1)),
            models.CheckConstraint(
                name="coupon_value_matches_kind",
                condition=Q(kind__in=["cash_voucher", "coupon"], amount_off__isnull=False)
                | Q(kind="discount", discount_rate__isnull=False)
                | (Q(kind="exchange") & ~Q(item=""))
                | (Q(kind="group_buy", group_price__isnull=False) & ~Q(item=""))),
            models.CheckConstraint(
                name="coupon_validity_complete",
                condition=Q(validity="fixed", valid_from__isnull=False, valid_until__isnull=False,
                            valid_from__lte=F("valid_until"))
                | Q(validity="after_claim", valid_days__isnull=False)),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        needs = {
            self.Kind.CASH_VOUCHER: [("amount_off", self.amount_off)],
            self.Kind.COUPON: [("amount_off", self.amount_off)],
            self.Kind.DISCOUNT: [("discount_rate", self.discount_rate)],
            self.Kind.EXCHANGE: [("item", self.item)],
            self.Kind.GROUP_BUY: [("item", self.item), ("group_price", self.group_price)],
        }
        for field, value in needs.get(self.kind, []):
            if value in (None, ""):
                errors[field] = _("A %(kind)s needs this.") % {"kind": self.get_kind_display()}
        if self.validity == self.Validity.FIXED:
            if not self.valid_from:
                errors["valid_from"] = _("Fixed dates need a first day.")
            if not self.valid_until:
                errors["valid_until"] = _("Fixed dates need a last day.")
            elif self.valid_from and self.valid_from > self.valid_until:
                errors["valid_until"] = _("The last valid day cannot be before the first.")
        elif not self.valid_days:
            errors["valid_days"] = _("Say for how many days a claimed coupon is valid.")
        from .group_buy import group_buy_definition_errors  # the group-buy's window (PRO-5)

        for field, message in group_buy_definition_errors(self).items():
            errors.setdefault(field, message)
        if errors:
            raise ValidationError(errors)

    @property
    def value_text(self) -> str:
        """What the customer gets, in a few words ("¥300 off orders from ¥5000", "12% off")."""
        from .display import coupon_value_text

        return coupon_value_text(self)


def usable_in_store(store, *, via: str = "definition") -> Q:
    """The one "usable in this store" condition: the definition is for every store or lists
    ``store`` (a Store or its id). ``via`` is the path to the definition: ``"definition"`` for
    coupons, ``""`` for definitions themselves. A subquery over the listed stores, not a join, so
    no row comes twice. (The redemption's single SQL statement spells the same in SQL.)"""
    listed = CouponDefinition.stores.through.objects.filter(store=store).values("coupondefinition_id")
    if not via:
        return Q(all_stores=True) | Q(pk__in=listed)
    return Q(**{f"{via}__all_stores": True}) | Q(**{f"{via}__in": listed})


class Coupon(models.Model):
    """One customer's coupon. Only its code redeems it; nobody else's identity can claim it."""

    class Status(models.TextChoices):
        CLAIMED = "claimed", _("Not used yet")
        REDEEMED = "redeemed", _("Used")
        EXPIRED = "expired", _("Expired")

    class Source(models.TextChoices):
        CLAIM = "claim", _("Claimed on an activity page")
        PRIZE = "prize", _("Won in a draw")
        JOURNEY = "journey", _("Sent by a marketing journey")
        STAFF = "staff", _("Given by staff")

    # No single-column indexes where a composite one below starts with the column: every index is
    # written on each redemption (bench/bench_redemption.py).
    definition = models.ForeignKey(CouponDefinition, on_delete=models.PROTECT, related_name="coupons",
                                   verbose_name=_("coupon definition"), db_index=False)
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="coupons",
                                 verbose_name=_("customer"), db_index=False)
    code = models.CharField(_("code"), max_length=16, unique=True, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.CLAIMED)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.CLAIM)
    # The caller's idempotency key for issuing (e.g. "draw:<spin id>"): issuing twice gives one coupon.
    issue_key = models.CharField(_("issue key"), max_length=100, null=True, blank=True, unique=True, editable=False)
    claimed_at = models.DateTimeField(_("claimed at"), default=timezone.now)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    redeemed_at = models.DateTimeField(_("redeemed at"), null=True, blank=True)
    # Redemptions are listed from ``Redemption`` (indexed there); these two are not looked up by.
    redeemed_store = models.ForeignKey(Store, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                       verbose_name=_("redeemed in"), db_index=False)
    redeemed_by = models.ForeignKey(Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                    verbose_name=_("redeemed by"), db_index=False)
    # When the "expires in 3 days" message was queued (the beat job queues it once).
    reminded_at = models.DateTimeField(_("expiry reminder queued"), null=True, blank=True, editable=False)

    objects = ScopedManager()
    # Seen by whoever serves the holder, and by the store and assistant who redeemed it.
    scope_rule = ScopeRule(
        region=("customer__store__region", "redeemed_store__region"),
        store=("customer__store", "redeemed_store"),
        owner=("customer__owner_assistant", "redeemed_by"),
    )

    class Meta:
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")
        ordering = ["-claimed_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "status", "valid_until"]),
            models.Index(fields=["definition", "customer"]),
            models.Index(fields=["status", "valid_until"]),
        ]
        constraints = [
            models.CheckConstraint(name="coupon_validity_ordered", condition=Q(valid_from__lte=F("valid_until"))),
            models.CheckConstraint(
                name="coupon_redeemed_has_redemption",
                condition=Q(status="redeemed", redeemed_at__isnull=False, redeemed_store__isnull=False)
                | (~Q(status="redeemed") & Q(redeemed_at__isnull=True))),
        ]

    def __str__(self):
        # Never the whole code: it is the coupon itself, shown only to its holder.
        from .codes import code_masked

        return f"{self.definition} · {code_masked(self.code)}"

    @property
    def code_display(self) -> str:
        from .codes import code_display

        return code_display(self.code)


class Redemption(models.Model):
    """A coupon redeemed in a store by an assistant (PRO-3), and its reversal by the manager."""

    class Status(models.TextChoices):
        REDEEMED = "redeemed", pgettext_lazy("coupon", "Redeemed")
        REVERSED = "reversed", pgettext_lazy("coupon", "Reversed")

    coupon = models.ForeignKey(Coupon, on_delete=models.PROTECT, related_name="redemptions", verbose_name=_("coupon"))
    # Indexed by the composite indexes below (store, time) and (assistant, time).
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"),
                              db_index=False)
    assistant = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+", verbose_name=_("redeemed by"),
                                  db_index=False)
    redeemed_at = models.DateTimeField(_("redeemed at"), default=timezone.now)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.REDEEMED)
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)
    reversed_by = models.ForeignKey(Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                    verbose_name=_("reversed by"), db_index=False)
    reversal_reason = models.CharField(_("reason for reversal"), max_length=200, blank=True)

    objects = ScopedManager()
    scope_rule = ScopeRule(region="store__region", store="store", owner="assistant")

    class Meta:
        verbose_name = _("coupon redemption")
        verbose_name_plural = _("coupon redemptions")
        ordering = ["-redeemed_at", "-id"]
        indexes = [
            models.Index(fields=["store", "-redeemed_at"]),
            models.Index(fields=["assistant", "-redeemed_at"]),
        ]
        constraints = [
            # The last guard of "redeemed at most once": one live redemption per coupon.
            models.UniqueConstraint(fields=["coupon"], condition=Q(status="redeemed"),
                                    name="coupon_one_live_redemption"),
            models.CheckConstraint(
                name="redemption_reversal_complete",
                condition=Q(status="redeemed", reversed_at__isnull=True)
                | (Q(status="reversed", reversed_at__isnull=False) & ~Q(reversal_reason=""))),
        ]

    def __str__(self):
        return f"{self.coupon} @ {self.store}"


# --- Draws (PRO-4) ------------------------------------------------------------------------------

# A prize's chance is a percentage with two decimals: the draw picks one of 10,000 equally likely
# numbers and each prize owns a run of them as wide as its chance (12.5 % = 1,250 numbers).
CHANCE_UNITS = 10_000


class Prize(models.Model):
    """One prize of a draw's pool: a coupon, its chance and its stock. The chances of an activity's
    prizes add up to at most 100 %; the rest is "no prize this time"."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="prizes", verbose_name=_("activity"))
    name = models.CharField(_("name"), max_length=30, help_text=_("On the wheel: a few characters."))
    coupon_definition = models.ForeignKey(
        CouponDefinition, on_delete=models.PROTECT, related_name="prizes", verbose_name=_("coupon given"),
        help_text=_("The winner gets one coupon of this definition (usually one without an activity of its own)."))
    chance = models.DecimalField(
        _("chance (%)"), max_digits=5, decimal_places=2,
        validators=[MinValueValidator(CENT), MaxValueValidator(Decimal(100))],
        help_text=_("Out of 100, with up to two decimals (0.01 to 100)."))
    # Empty total: unlimited. Taken by a conditional UPDATE like a coupon definition's stock.
    stock_total = models.PositiveIntegerField(_("stock"), null=True, blank=True)
    stock_remaining = models.PositiveIntegerField(_("left"), null=True, blank=True, editable=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0, help_text=_("Order on the wheel."))

    class Meta:
        verbose_name = _("prize")
        verbose_name_plural = _("prizes")
        ordering = ["position", "id"]
        constraints = [
            *stock_constraints("prize"),
            models.CheckConstraint(name="prize_chance_in_range",
                                   condition=Q(chance__gt=0, chance__lte=100)),
        ]

    def __str__(self):
        return self.name

    @property
    def units(self) -> int:
        """How many of the 10,000 numbers win this prize."""
        return int(self.chance * CHANCE_UNITS / 100)


class DrawAllowance(models.Model):
    """How many draws one person made in one activity on one store day: taken by a conditional
    UPDATE (``used < draws_per_day``), so concurrent taps never draw more than allowed."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="+", verbose_name=_("activity"))
    person = models.CharField(_("person"), max_length=40, help_text=_("The mobile number, or the customer."))
    day = models.DateField(_("day"))
    used = models.PositiveSmallIntegerField(_("draws made"), default=0)

    class Meta:
        verbose_name = _("draw allowance")
        verbose_name_plural = _("draw allowances")
        constraints = [
            models.UniqueConstraint(fields=["activity", "person", "day"], name="draw_allowance_once"),
            models.CheckConstraint(name="draw_allowance_used_not_negative", condition=Q(used__gte=0)),
        ]


class Draw(models.Model):
    """One draw, kept for audit: the number drawn, the pool as it stood, and what came of it."""

    class Outcome(models.TextChoices):
        WON = "won", _("Won a prize")
        NO_PRIZE = "no_prize", _("No prize")
        OUT_OF_STOCK = "out_of_stock", _("The prize drawn was gone")

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="draws", verbose_name=_("activity"),
                                 db_index=False)
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="draws",
                                 verbose_name=_("customer"), db_index=False)
    person = models.CharField(_("person"), max_length=40)
    day = models.DateField(_("day"))
    drawn_at = models.DateTimeField(_("drawn at"), default=timezone.now)
    number = models.PositiveIntegerField(_("number drawn"), help_text=_("0 to 9999, from the operating system's "
                                                                        "random source."))
    # The pool at the moment of the draw: [{"prize", "name", "from", "to", "left"}]; a number in
    # [from, to) wins that prize.
    pool = models.JSONField(_("pool at the draw"), default=list)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    prize = models.ForeignKey(Prize, on_delete=models.PROTECT, null=True, blank=True, related_name="draws",
                              verbose_name=_("prize"))
    coupon = models.OneToOneField(Coupon, on_delete=models.PROTECT, null=True, blank=True, related_name="draw",
                                  verbose_name=_("coupon won"))
    # Why a prize drawn was not given (the coupon could not be issued: the person's limit, its stock).
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    objects = ScopedManager()
    scope_rule = ScopeRule(region="customer__store__region", store="customer__store",
                           owner="customer__owner_assistant")

    class Meta:
        verbose_name = _("draw")
        verbose_name_plural = _("draws")
        ordering = ["-drawn_at", "-id"]
        indexes = [
            models.Index(fields=["activity", "-drawn_at"]),
            models.Index(fields=["customer", "-drawn_at"]),
        ]
        constraints = [
            models.CheckConstraint(name="draw_number_in_range", condition=Q(number__gte=0, number__lt=CHANCE_UNITS)),
            models.CheckConstraint(
                name="draw_won_has_prize",
                condition=Q(outcome="won", prize__isnull=False, coupon__isnull=False)
                | (~Q(outcome="won") & Q(coupon__isnull=True))),
        ]

    def __str__(self):
        return f"{self.activity} · {self.get_outcome_display()}"
