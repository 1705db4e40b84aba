"""Households (CUS-12): home furnishing is decided by families. A family member who opens a page a
customer shared can join that customer's household, when the customer has agreed to link family
members (``Consent`` purpose ``household``) and the member confirms. The assistant then reads the
household's trail together, and KPIs can count households as well as people."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stores.scope import ScopedManager

from .core import OF_CUSTOMER, Customer, Share


class Household(models.Model):
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self):
        return f"#{self.pk}"


class HouseholdMember(models.Model):
    """A customer's place in a household (one household per customer)."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="household_member",
                                    verbose_name=_("customer"))
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members",
                                  verbose_name=_("household"))
    # Who brought them in, and through which shared page (empty for the household's first member).
    invited_by = models.ForeignKey(Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                   verbose_name=_("invited by"))
    via_share = models.ForeignKey(Share, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                  verbose_name=_("through the shared page"))
    joined_at = models.DateTimeField(_("joined at"), default=timezone.now)

    objects = ScopedManager()
    scope_rule = OF_CUSTOMER

    class Meta:
        verbose_name = _("household member")
        verbose_name_plural = _("household members")
        indexes = [models.Index(fields=["household", "joined_at"])]

    def __str__(self):
        return f"{self.customer} @ {self.household}"
