import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from stores.filters import in_scope
from stores.models import Staff, Store

from .models import Customer


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    store = django_filters.ModelChoiceFilter(queryset=in_scope(Store), label=_("store"))
    owner_assistant = django_filters.ModelChoiceFilter(queryset=in_scope(Staff), label=_("owner assistant"))

    class Meta:
        model = Customer
        fields = ["openid", "unionid", "store", "owner_assistant", "intent_grade", "source"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(mobile__endswith=value) | Q(community__icontains=value))
