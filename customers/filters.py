import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from stores.models import Staff, Store

from .models import Customer


def _stores_in_scope(request):
    return Store.objects.visible_to(request.user) if request else Store.objects.none()


def _staff_in_scope(request):
    return Staff.objects.visible_to(request.user) if request else Staff.objects.none()


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    store = django_filters.ModelChoiceFilter(queryset=_stores_in_scope, label=_("store"))
    owner_assistant = django_filters.ModelChoiceFilter(queryset=_staff_in_scope, label=_("owner assistant"))

    class Meta:
        model = Customer
        fields = ["openid", "unionid", "store", "owner_assistant", "intent_grade", "source"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(mobile__endswith=value) | Q(community__icontains=value))
