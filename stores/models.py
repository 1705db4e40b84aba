"""The organisation (SPEC ORG-1, ORG-2): head office, regions, stores, staff; the HQ catalogue."""

import datetime
import secrets
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator, URLValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .scope import ScopedManager, ScopeRule

mobile_validator = RegexValidator(
    r"^1[3-9]\d{9}$", _("Enter a mainland mobile number of 11 digits starting with 1.")
)


class HeadOffice(models.Model):
    """The brand or dealer that runs the chain. One row; edited by HQ in the admin."""

    name = models.CharField(_("name"), max_length=100)
    logo = models.ImageField(_("logo"), upload_to="brand/", blank=True)
    service_phone = models.CharField(_("service phone"), max_length=30, blank=True)
    protection_days = models.PositiveSmallIntegerField(
        _("protection period (days)"),
        default=90,
        help_text=_("A customer bound to a store and assistant is not taken over by scans elsewhere for this long."),
    )
    # Seed 004's "smart revisit": nobody invites or messages a customer more often than this,
    # across all invitation tasks and automations (INV-11). 0 turns the cap off.
    contact_interval_days = models.PositiveSmallIntegerField(
        _("minimum days between contacts"),
        default=7,
        help_text=_("A customer reached by an invitation or a marketing message is not contacted again "
                    "by another task or automation for this many days. 0: no cap."),
    )
    # Seed 003's daily process targets for every assistant (50 calls, 30 group invitations);
    # a store manager can set other figures for one assistant and day (invitations.DailyTarget).
    daily_call_target = models.PositiveSmallIntegerField(_("daily calls per assistant"), default=50)
    daily_group_invitation_target = models.PositiveSmallIntegerField(
        _("daily group invitations per assistant"), default=30)
    # The interaction radar (QR-9): an assistant is reminded about one customer at most once in
    # this many minutes (0: the feed only), never in the quiet hours (from == until: none).
    radar_remind_minutes = models.PositiveSmallIntegerField(
        _("minutes between radar reminders per customer"), default=30,
        help_text=_("An assistant gets at most one reminder about the same customer in this time. 0: no reminders."))
    radar_quiet_from = models.TimeField(_("no radar reminders from"), default=datetime.time(21, 0))
    radar_quiet_until = models.TimeField(
        _("no radar reminders until"), default=datetime.time(8, 0),
        help_text=_("Store time. The feed still shows what happens in the quiet hours."))

    class Meta:
        verbose_name = _("head office")
        verbose_name_plural = _("head office")

    def __str__(self):
        return self.name

    @classmethod
    def current(cls) -> "HeadOffice":
        office = cls.objects.order_by("pk").first()
        return office or cls(name=settings.BRAND_NAME or str(_("Our brand")))


class Region(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)
    code = models.SlugField(_("code"), max_length=20, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope_rule = ScopeRule(region="pk")

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]

    def __str__(self):
        return self.name


class Store(models.Model):
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="stores", verbose_name=_("region"))
    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=20, unique=True)
    city = models.CharField(_("city"), max_length=30)
    address = models.CharField(_("address"), max_length=200)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=100, blank=True)
    wifi_ssid = models.CharField(_("Wi-Fi name"), max_length=64, blank=True)
    wifi_password = models.CharField(_("Wi-Fi password"), max_length=64, blank=True)
    photo = models.ImageField(_("photo"), upload_to="stores/", blank=True)
    is_active = models.BooleanField(_("open"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Round-robin position for assigning new customers who scan a store code (QR-4).
    assignment_cursor = models.PositiveIntegerField(default=0, editable=False)

    objects = ScopedManager()
    scope_rule = ScopeRule(region="region", store="pk")

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        ordering = ["region__code", "code"]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    HQ_OPERATOR = "hq_operator", _("HQ operator")
    REGION_SUPERVISOR = "region_supervisor", _("Region supervisor")
    STORE_MANAGER = "store_manager", _("Store manager")
    ASSISTANT = "assistant", _("Shop assistant")
    DESIGNER = "designer", _("Designer")
    INSTALLER = "installer", _("Installer")
    MEASURER = "measurer", _("Measurer")


STORE_ROLES = [Role.STORE_MANAGER, Role.ASSISTANT, Role.DESIGNER, Role.INSTALLER, Role.MEASURER]
FLOOR_ROLES = [Role.ASSISTANT, Role.DESIGNER, Role.INSTALLER, Role.MEASURER]


class Staff(models.Model):
    """A member of staff with one user account. Store roles belong to a store, supervisors to
    a region, HQ operators to neither."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="staff", verbose_name=_("user account")
    )
    name = models.CharField(_("name"), max_length=50)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="supervisors", verbose_name=_("region")
    )
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, null=True, blank=True, related_name="staff", verbose_name=_("store")
    )
    job_number = models.CharField(_("job number"), max_length=20, unique=True)
    phone = models.CharField(_("phone"), max_length=11, blank=True, validators=[mobile_validator])
    avatar = models.ImageField(_("avatar"), upload_to="staff/", blank=True)
    wechat_id = models.CharField(_("WeChat ID"), max_length=64, blank=True)
    wecom_userid = models.CharField(_("WeCom user ID"), max_length=64, blank=True)
    # Installers of a third-party team (their reviews count towards the team's reputation).
    installation_team = models.ForeignKey(
        "stores.InstallationTeam", on_delete=models.SET_NULL, null=True, blank=True, related_name="members",
        verbose_name=_("installation team"),
    )
    # The staff member's openid in the official account: their reminders arrive there (WX-3).
    wechat_openid = models.CharField(_("WeChat openid for reminders"), max_length=64, blank=True)
    is_active = models.BooleanField(_("active"), default=True, help_text=_("Untick when the person leaves."))
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)

    objects = ScopedManager()
    scope_rule = ScopeRule(region=("region", "store__region"), store="store", owner="pk")

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["job_number"]
        constraints = [
            models.CheckConstraint(
                name="staff_place_matches_role",
                condition=(
                    Q(role=Role.HQ_OPERATOR, region__isnull=True, store__isnull=True)
                    | Q(role=Role.REGION_SUPERVISOR, region__isnull=False, store__isnull=True)
                    | Q(role__in=STORE_ROLES, region__isnull=True, store__isnull=False)
                ),
            )
        ]
        indexes = [models.Index(fields=["store", "role"])]

    def __str__(self):
        return f"{self.name} ({self.job_number})"

    def clean(self):
        if self.role == Role.HQ_OPERATOR and (self.region_id or self.store_id):
            field = "store" if self.store_id else "region"
            raise ValidationError({field: _("An HQ operator belongs to head office, not to a region or store.")})
        if self.role == Role.REGION_SUPERVISOR and (not self.region_id or self.store_id):
            raise ValidationError({"region": _("A region supervisor belongs to exactly one region.")})
        if self.role in STORE_ROLES and (not self.store_id or self.region_id):
            raise ValidationError({"store": _("Store staff belong to exactly one store.")})

    @property
    def is_floor_staff(self) -> bool:
        return self.role in FLOOR_ROLES


class Product(models.Model):
    """An item of the HQ catalogue, sold in every store."""

    class Category(models.TextChoices):
        KITCHEN = "kitchen", _("Kitchen")
        BATHROOM = "bathroom", _("Bathroom")
        APPLIANCE = "appliance", _("Appliance")
        WATER = "water", _("Water purification")

    sku = models.CharField(_("SKU"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    price = models.DecimalField(_("price (CNY)"), max_digits=10, decimal_places=2)
    description = models.TextField(_("description"), blank=True)
    image = models.ImageField(_("image"), upload_to="products/", blank=True)
    is_active = models.BooleanField(_("on sale"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["category", "sku"]

    def __str__(self):
        return self.name


def new_qr_token() -> str:
    """16 URL-safe characters from a CSPRNG (96 bits): not guessable, not sequential (QR-2)."""
    return secrets.token_urlsafe(12)


class QRCode(models.Model):
    """A touchpoint's code (QR-1). Printed codes live for years: the token never changes, and a
    staff code keeps working after its assistant leaves (new scans then go to the store)."""

    class TargetType(models.TextChoices):
        STORE = "store", _("Store")
        PRODUCT = "product", _("Product")
        SOLUTION = "solution", _("Solution")
        ACTIVITY = "activity", _("Activity")
        STAFF = "staff", _("Staff member")
        PARTNER = "partner", _("Partner")
        WIFI = "wifi", _("Store Wi-Fi")

    class Assignment(models.TextChoices):
        ROUND_ROBIN = "round_robin", _("Round robin among the store's assistants")
        ON_DUTY = "on_duty", _("Round robin among the assistants on duty today")
        FIXED = "fixed", _("Always the assistant of this code")
        STORE_ONLY = "store_only", _("Bind to the store only; the manager assigns later")

    token = models.CharField(_("token"), max_length=32, unique=True, default=new_qr_token, editable=False)
    target_type = models.CharField(_("target type"), max_length=20, choices=TargetType.choices)
    # The target row: a store, product or staff member here; solutions, activities and partners
    # live in other apps, so the reference is generic (content type + id).
    target_content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, verbose_name=_("target kind"), related_name="+"
    )
    target_id = models.PositiveBigIntegerField(_("target id"))
    target = GenericForeignKey("target_content_type", "target_id")
    label = models.CharField(_("label"), max_length=100, help_text=_("Printed under the code on the poster."))
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, null=True, blank=True, related_name="qr_codes", verbose_name=_("store"),
        help_text=_("Scans of this code are attributed to this store. Empty for head-office codes."),
    )
    staff = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="qr_codes",
        verbose_name=_("assistant"), help_text=_("Scans of this code are attributed to this assistant."),
    )
    assignment = models.CharField(
        _("assignment of new customers"), max_length=20, choices=Assignment.choices, default=Assignment.ROUND_ROBIN
    )
    daily_cap = models.PositiveSmallIntegerField(
        _("daily cap per assistant"), null=True, blank=True,
        help_text=_("An assistant who already got this many new customers today is skipped. Empty: no cap."),
    )
    backup_staff = models.ForeignKey(
        Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("backup assistant"),
        help_text=_("Gets new customers when the chosen assistant is off, has left or is over the cap."),
    )
    welcome_message = models.CharField(_("welcome message"), max_length=600, blank=True)
    wechat_ticket = models.CharField(_("WeChat ticket"), max_length=200, blank=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope_rule = ScopeRule(region="store__region", store="store", owner="staff")

    class Meta:
        verbose_name = _("QR code")
        verbose_name_plural = _("QR codes")
        ordering = ["target_type", "label"]
        indexes = [models.Index(fields=["target_content_type", "target_id"])]
        constraints = [
            models.CheckConstraint(name="qrcode_staff_code_has_staff", condition=~Q(target_type="staff") | Q(staff__isnull=False))
        ]

    def __str__(self):
        return f"{self.get_target_type_display()} · {self.label}"

    @property
    def scene(self) -> str:
        """The WeChat parametric code's scene_str (1–64 characters)."""
        return f"qr:{self.token}"

    @classmethod
    def token_from_scene(cls, scene: str) -> str | None:
        return scene[3:] if scene.startswith("qr:") and 4 <= len(scene) <= 64 else None


# --- Digital store (SPEC ORG-4, QR-5): styles, effect pictures, solutions, cases ------------------


class Style(models.Model):
    """A decoration style (装修风格: 现代简约, 北欧, 新中式, 轻奢 ...). Head office keeps the list; the
    names are catalogue content entered in Chinese, like product names, not interface text."""

    name = models.CharField(_("name"), max_length=20, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0, help_text=_("Smaller comes first."))

    class Meta:
        verbose_name = _("style")
        verbose_name_plural = _("styles")
        ordering = ["position", "id"]

    def __str__(self):
        return self.name


class Room(models.TextChoices):
    KITCHEN = "kitchen", _("Kitchen")
    BATHROOM = "bathroom", _("Bathroom")
    KITCHEN_AND_BATHROOM = "kitchen_bathroom", _("Kitchen and bathroom")


class EffectPicture(models.Model):
    """What a product looks like in a room of one style (效果图, QR-5): the customer who scans a
    product's code switches between styles on the phone. One picture per product and style."""

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="effect_pictures", verbose_name=_("product")
    )
    style = models.ForeignKey(Style, on_delete=models.PROTECT, related_name="+", verbose_name=_("style"))
    image = models.ImageField(_("picture"), upload_to="effects/", blank=True)
    caption = models.CharField(_("caption"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("effect picture")
        verbose_name_plural = _("effect pictures")
        ordering = ["style__position", "style_id"]
        constraints = [models.UniqueConstraint(fields=["product", "style"], name="effect_picture_one_per_style")]

    def __str__(self):
        return f"{self.product} · {self.style}"


http_url_validator = URLValidator(schemes=["http", "https"])


class Solution(models.Model):
    """A system solution (系统方案): a designed combination of products for a kitchen or bathroom.
    Head office designs most of them (no store: shown by every store); a store may add its own."""

    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, null=True, blank=True, related_name="solutions", verbose_name=_("store"),
        help_text=_("Empty for a head-office solution shown by every store."),
    )
    name = models.CharField(_("name"), max_length=100)
    room = models.CharField(_("room"), max_length=20, choices=Room.choices)
    style = models.ForeignKey(
        Style, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("style")
    )
    description = models.TextField(_("description"), blank=True)
    cover = models.ImageField(_("cover picture"), upload_to="solutions/", blank=True)
    video_url = models.URLField(
        _("video URL"), blank=True, validators=[http_url_validator],
        help_text=_("Optional. An MP4 file plays on the page; any other address is shown as a link."),
    )
    products = models.ManyToManyField(Product, related_name="solutions", blank=True, verbose_name=_("products"))
    price_from = models.DecimalField(_("price from (CNY)"), max_digits=10, decimal_places=2)
    price_to = models.DecimalField(_("price to (CNY)"), max_digits=10, decimal_places=2)
    position = models.PositiveSmallIntegerField(_("position"), default=0, help_text=_("Smaller comes first."))
    is_active = models.BooleanField(_("published"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope_rule = ScopeRule(region="store__region", store="store")

    class Meta:
        verbose_name = _("solution")
        verbose_name_plural = _("solutions")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(name="solution_price_range_ordered", condition=Q(price_from__lte=F("price_to"))),
            models.CheckConstraint(name="solution_price_not_negative", condition=Q(price_from__gte=0)),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.price_from is not None and self.price_to is not None and self.price_from > self.price_to:
            raise ValidationError({"price_to": _("The upper price must not be below the lower price.")})

    @property
    def plays_inline(self) -> bool:
        """Whether the video is a file the phone's player can show on the page."""
        return self.video_url.lower().split("?", 1)[0].endswith(".mp4")


class Case(models.Model):
    """A customer case (客户案例): a finished project of a store, shown as a reference."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="cases", verbose_name=_("store"))
    title = models.CharField(_("title"), max_length=100)
    community = models.CharField(_("residential community"), max_length=100, blank=True)
    area = models.DecimalField(
        _("area (m²)"), max_digits=6, decimal_places=1, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0.1"))],
    )
    room = models.CharField(_("room"), max_length=20, choices=Room.choices)
    style = models.ForeignKey(
        Style, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("style")
    )
    solution = models.ForeignKey(
        Solution, on_delete=models.SET_NULL, null=True, blank=True, related_name="cases", verbose_name=_("solution")
    )
    products = models.ManyToManyField(Product, related_name="cases", blank=True, verbose_name=_("products"))
    designer = models.ForeignKey(
        Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("designer")
    )
    description = models.TextField(_("story"), blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    is_active = models.BooleanField(_("published"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope_rule = ScopeRule(region="store__region", store="store")

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-completed_on", "-id"]
        indexes = [models.Index(fields=["store", "is_active"])]

    def __str__(self):
        return self.title

    def clean(self):
        if self.designer_id and self.store_id and self.designer.store_id != self.store_id:
            raise ValidationError({"designer": _("The designer must work in the case's store.")})


class CasePicture(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="pictures", verbose_name=_("case"))
    image = models.ImageField(_("picture"), upload_to="cases/")
    caption = models.CharField(_("caption"), max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("case picture")
        verbose_name_plural = _("case pictures")
        ordering = ["position", "id"]

    def __str__(self):
        return self.caption or f"{self.case} #{self.position}"


class DutyShift(models.Model):
    """An assistant on duty in their store on a day: store codes set to "on duty" assign to them."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="duty_shifts", verbose_name=_("store"))
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="duty_shifts",
                              verbose_name=_("assistant"))
    date = models.DateField(_("date"))

    objects = ScopedManager()
    scope_rule = ScopeRule(region="store__region", store="store", owner="staff")

    class Meta:
        verbose_name = _("duty shift")
        verbose_name_plural = _("duty roster")
        ordering = ["-date", "store"]
        constraints = [models.UniqueConstraint(fields=["staff", "date"], name="one_shift_a_day")]

    def __str__(self):
        return f"{self.date} {self.staff}"

    def clean(self):
        if self.staff_id and self.store_id and self.staff.store_id != self.store_id:
            raise ValidationError({"staff": _("The assistant works in another store.")})


class InstallationTeam(models.Model):
    """A third-party installation company or crew the stores work with (seed 001: installers are
    often not the brand's own people). Customers' reviews of their work build its reputation."""

    name = models.CharField(_("name"), max_length=100)
    company = models.CharField(_("company"), max_length=100, blank=True)
    contact_name = models.CharField(_("contact"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    stores = models.ManyToManyField(Store, blank=True, related_name="installation_teams",
                                    verbose_name=_("stores served"))
    is_active = models.BooleanField(_("working with us"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("installation team")
        verbose_name_plural = _("installation teams")
        ordering = ["name"]

    def __str__(self):
        return self.name
