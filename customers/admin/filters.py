"""List filters of the customer admin (CUS-4, CUS-5) that a field name alone cannot express."""

from django.contrib import admin
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import CustomerTag, Tag


class TagListFilter(admin.SimpleListFilter):
    """Customers carrying a tag. ``Exists``, not a join: no duplicate rows, no DISTINCT over
    a million customers."""

    title = _("tag")
    parameter_name = "tag"

    def lookups(self, request, model_admin):
        return list(Tag.objects.order_by("name").values_list("pk", "name"))

    def queryset(self, request, queryset):
        if not self.value() or not str(self.value()).isdigit():
            return queryset
        return queryset.filter(Exists(CustomerTag.objects.filter(customer=OuterRef("pk"), tag_id=int(self.value()))))


class FollowUpDueListFilter(admin.SimpleListFilter):
    """The planned next follow-up: due today or overdue, later, or none planned."""

    title = _("next follow-up")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [("due", _("Due today or overdue")), ("later", _("Planned later")), ("none", _("None planned"))]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "due":
            return queryset.filter(next_follow_up_on__lte=today)
        if self.value() == "later":
            return queryset.filter(next_follow_up_on__gt=today)
        if self.value() == "none":
            return queryset.filter(Q(next_follow_up_on__isnull=True))
        return queryset
