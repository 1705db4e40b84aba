"""The organisation (SPEC ORG-1, ORG-2): head office, regions, stores, staff; the HQ catalogue."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
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
