"""Partners who refer customers (SPEC §7). Partners log in to see their own referrals only."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from stores.models import Store, mobile_validator
from stores.scope import ScopedManager, ScopeRule


class Partner(models.Model):
    class Kind(models.TextChoices):
        DISTRIBUTOR = "distributor", _("Distributor")
        DECORATOR = "decorator", _("Decoration company")
        DESIGNER = "designer", _("Designer")
        PLUMBER = "plumber", _("Plumber")
        INSTALLER = "installer", _("Installer")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="partner",
        verbose_name=_("user account"),
    )
    name = models.CharField(_("name"), max_length=50)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="partners", verbose_name=_("home store")
    )
    job_number = models.CharField(_("partner number"), max_length=20, unique=True)
    phone = models.CharField(_("phone"), max_length=11, blank=True, validators=[mobile_validator])
    wechat_id = models.CharField(_("WeChat ID"), max_length=64, blank=True)
    avatar = models.ImageField(_("avatar"), upload_to="partners/", blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedManager()
    scope_rule = ScopeRule(region="store__region", store="store", partner="pk")

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["job_number"]

    def __str__(self):
        return self.name
