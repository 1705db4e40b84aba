"""Reviews and ratings (CUS-9): of stores, products, solutions, staff and installation teams."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stores.models import InstallationTeam, Product, Solution, Staff, Store
from stores.scope import ScopedManager, ScopeRule

from .core import Customer
from .orders import Order


class Review(models.Model):
    """One customer's rating (1-5) of one subject. ``store`` is always set (the store the review
    is about or was given in), so managers see their store's reviews."""

    class Subject(models.TextChoices):
        STORE = "store", _("Store")
        PRODUCT = "product", _("Product")
        SOLUTION = "solution", _("Solution")
        STAFF = "staff", _("Staff member")
        INSTALLATION_TEAM = "installation_team", _("Installation team")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="reviews",
                                 verbose_name=_("customer"))
    order = models.ForeignKey(Order, on_delete=models.SET_NULL, null=True, blank=True, related_name="reviews",
                              verbose_name=_("order"))
    subject = models.CharField(_("about"), max_length=20, choices=Subject.choices)
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("store"))
    product = models.ForeignKey(Product, on_delete=models.PROTECT, null=True, blank=True, related_name="reviews",
                                verbose_name=_("product"))
    solution = models.ForeignKey(Solution, on_delete=models.PROTECT, null=True, blank=True, related_name="reviews",
                                 verbose_name=_("solution"))
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="reviews",
                              verbose_name=_("staff member"))
    installation_team = models.ForeignKey(InstallationTeam, on_delete=models.PROTECT, null=True, blank=True,
                                          related_name="reviews", verbose_name=_("installation team"))
    rating = models.PositiveSmallIntegerField(_("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.TextField(_("comment"), blank=True)
    is_hidden = models.BooleanField(_("hidden"), default=False, help_text=_("Hidden by head office (abuse, spam)."))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ScopedManager()
    # A floor staff member sees reviews of their own customers and reviews about themselves.
    scope_rule = ScopeRule(region="store__region", store="store", owner=("customer__owner_assistant", "staff"))

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["store", "-created_at"]),
            models.Index(fields=["installation_team", "created_at"]),
            models.Index(fields=["staff", "created_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="review_rating_1_to_5"),
            # The subject's own column is filled.
            models.CheckConstraint(
                condition=(
                    Q(subject="store")
                    | Q(subject="product", product__isnull=False)
                    | Q(subject="solution", solution__isnull=False)
                    | Q(subject="staff", staff__isnull=False)
                    | Q(subject="installation_team", installation_team__isnull=False)
                ),
                name="review_subject_given",
            ),
        ]

    def __str__(self):
        return f"{self.get_subject_display()} ★{self.rating}"
