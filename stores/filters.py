"""One FilterSet per list, shared by the API and the dashboard pages."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import Region, Role, Staff, Store


def _regions_in_scope(request):
    return Region.objects.visible_to(request.user) if request else Region.objects.none()


def _stores_in_scope(request):
    return Store.objects.visible_to(request.user) if request else Store.objects.none()


class StoreFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    # Choices come from the caller's scope too: no other region's name leaks into a form.
    region = django_filters.ModelChoiceFilter(queryset=_regions_in_scope, label=_("region"))

    class Meta:
        model = Store
        fields = ["region", "city", "is_active"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value) | Q(city__icontains=value))


class StaffFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    role = django_filters.ChoiceFilter(choices=Role.choices, label=_("role"))
    store = django_filters.ModelChoiceFilter(queryset=_stores_in_scope, label=_("store"))
    region = django_filters.ModelChoiceFilter(queryset=_regions_in_scope, label=_("region"))

    class Meta:
        model = Staff
        fields = ["role", "store", "region", "is_active"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(job_number__icontains=value) | Q(phone__endswith=value))
