"""The one FilterSet of customer lists (CUS-1, CUS-4, CUS-5): the API ``/api/v1/customers/``, the
assistant's "my customers" in the workbench and the dashboard's customer list all filter with
``CustomerFilter``. Choices come from the caller's scope, so no other store's name is offered."""

from datetime import timedelta

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from stores.filters import in_scope
from stores.models import FLOOR_ROLES, Region, Staff, Store

from .models import Customer, CustomerTag, Tag


class TagValuesField(forms.MultipleChoiceField):
    """Tags by id or by name, any number (``?tag=3&tag=厨房``). The choices only dress the form's
    select; an unknown name or id is not an error, it simply matches no customer."""

    def valid_value(self, value):
        return True  # blanks ("any tag") are dropped by the filter


@extend_schema_field({"type": "array", "items": {"type": "string"}, "description": "tag ids or names"})
class TagFilter(django_filters.MultipleChoiceFilter):
    """Customers carrying ANY of the given tags. ``Exists`` rather than a join: no duplicates to
    remove with DISTINCT, and the keyset order of the list stays index-friendly."""

    field_class = TagValuesField

    def filter(self, qs, value):
        values = [str(v).strip() for v in value or [] if str(v).strip()]
        if not values:
            return qs
        ids = [int(v) for v in values if v.isdigit()]
        names = [v for v in values if not v.isdigit()]
        match = Q(tag_id__in=ids) | Q(tag__name__in=names)
        return qs.filter(Exists(CustomerTag.objects.filter(match, customer=OuterRef("pk"))))


def assistants_in_scope(request):
    """Owner-assistant choices: the floor staff the caller may see."""
    if request is None:
        return Staff.objects.none()
    return Staff.objects.visible_to(request.user).filter(role__in=FLOOR_ROLES).order_by("store_id", "name")


def tag_choices():
    return [(tag.pk, tag.name) for tag in Tag.objects.order_by("name")]


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    store = django_filters.ModelChoiceFilter(queryset=in_scope(Store), label=_("store"), empty_label=_("All stores"))
    region = django_filters.ModelChoiceFilter(field_name="store__region", queryset=in_scope(Region),
                                              label=_("region"), empty_label=_("All regions"))
    owner_assistant = django_filters.ModelChoiceFilter(queryset=assistants_in_scope, label=_("owner assistant"),
                                                      empty_label=_("All assistants"))
    # No DISTINCT (a grade is one column): it would sort the whole matching set on every page.
    intent_grade = django_filters.MultipleChoiceFilter(choices=Customer.IntentGrade.choices, label=_("intent grade"),
                                                       distinct=False)
    tag = TagFilter(choices=tag_choices, label=_("tag"), distinct=False)
    source = django_filters.ChoiceFilter(choices=Customer.Source.choices, label=_("source channel"),
                                         empty_label=_("All sources"))
    decoration_status = django_filters.ChoiceFilter(
        choices=[c for c in Customer.DecorationStatus.choices if c[0]], label=_("decoration status"),
        empty_label=_("Any decoration status"))
    community = django_filters.CharFilter(lookup_expr="icontains", label=_("residential community"))
    due = django_filters.BooleanFilter(method="filter_due", label=_("Follow-up due"))
    new_days = django_filters.NumberFilter(method="filter_new_days", label=_("New in the last days"),
                                           min_value=1, max_value=3660)
    created = django_filters.DateFromToRangeFilter(field_name="created_at", label=_("created"))
    wecom_friend = django_filters.BooleanFilter(field_name="is_wecom_friend", label=_("WeCom friend"))

    class Meta:
        model = Customer
        fields = ["openid", "unionid", "store", "owner_assistant", "intent_grade", "source", "decoration_status"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        condition = Q(name__icontains=value) | Q(community__icontains=value)
        # Mobile numbers: the last digits the list already shows (up to 4), or the whole number a
        # customer tells at the counter. Nothing in between, or searching digit by digit would
        # reveal the masked middle of a number without the audited reveal (CUS-11).
        if value.isdigit() and len(value) <= 4:
            condition |= Q(mobile__endswith=value)
        elif value.isdigit() and len(value) == 11:
            condition |= Q(mobile=value)
        return queryset.filter(condition)

    def filter_due(self, queryset, name, value):
        """Due today or overdue (CUS-5): the planned next follow-up is today or earlier."""
        if value is None:
            return queryset
        today = timezone.localdate()
        if value:
            return queryset.filter(next_follow_up_on__lte=today)
        return queryset.filter(Q(next_follow_up_on__gt=today) | Q(next_follow_up_on__isnull=True))

    def filter_new_days(self, queryset, name, value):
        return queryset.filter(created_at__gte=timezone.now() - timedelta(days=int(value))) if value else queryset
