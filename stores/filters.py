"""One FilterSet per list, shared by the API and the dashboard pages."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import QRCode, Region, Role, Staff, Store


def in_scope(model):
    """Choices of a ModelChoiceFilter from the caller's scope: no other store's name in a form."""

    def queryset(request):
        return model.objects.visible_to(request.user) if request else model.objects.none()

    return queryset


class StoreFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    region = django_filters.ModelChoiceFilter(queryset=in_scope(Region), label=_("region"))

    class Meta:
        model = Store
        fields = ["region", "city", "is_active"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value) | Q(city__icontains=value))


class StaffFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    role = django_filters.ChoiceFilter(choices=Role.choices, label=_("role"))
    store = django_filters.ModelChoiceFilter(queryset=in_scope(Store), label=_("store"))
    region = django_filters.ModelChoiceFilter(queryset=in_scope(Region), label=_("region"))

    class Meta:
        model = Staff
        fields = ["role", "store", "region", "is_active"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(job_number__icontains=value) | Q(phone__endswith=value))


class QRCodeFilter(django_filters.FilterSet):
    store = django_filters.ModelChoiceFilter(queryset=in_scope(Store), label=_("store"))
    staff = django_filters.ModelChoiceFilter(queryset=in_scope(Staff), label=_("assistant"))

    class Meta:
        model = QRCode
        fields = ["target_type", "store", "staff", "is_active", "token"]
