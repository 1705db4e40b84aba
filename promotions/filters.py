"""One FilterSet per list, shared by the API and the dashboard page (choices from the caller's scope)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from stores.filters import in_scope
from stores.models import Staff, Store

from .models import Activity, Coupon, CouponDefinition, Redemption


class RedemptionFilter(django_filters.FilterSet):
    store = django_filters.ModelChoiceFilter(queryset=in_scope(Store), label=_("store"))
    assistant = django_filters.ModelChoiceFilter(queryset=in_scope(Staff), label=_("redeemed by"))
    definition = django_filters.ModelChoiceFilter(field_name="coupon__definition", label=_("coupon"),
                                                  queryset=in_scope(CouponDefinition))
    status = django_filters.ChoiceFilter(choices=Redemption.Status.choices, label=_("status"))
    since = django_filters.DateFilter(field_name="redeemed_at", lookup_expr="date__gte", label=_("from"))
    until = django_filters.DateFilter(field_name="redeemed_at", lookup_expr="date__lte", label=_("to"))

    class Meta:
        model = Redemption
        fields = ["store", "assistant", "definition", "status", "since", "until"]


class CouponFilter(django_filters.FilterSet):
    # A plain id, not a choice over every customer: the browsable API would list their names, and
    # "not a valid choice" would tell an id outside the caller's scope exists. Unknown: empty list.
    customer = django_filters.NumberFilter(field_name="customer_id", label=_("customer"))
    definition = django_filters.ModelChoiceFilter(queryset=in_scope(CouponDefinition), label=_("coupon"))
    status = django_filters.ChoiceFilter(choices=Coupon.Status.choices, label=_("status"))

    class Meta:
        model = Coupon
        fields = ["customer", "definition", "status"]


class CouponDefinitionFilter(django_filters.FilterSet):
    activity = django_filters.ModelChoiceFilter(queryset=in_scope(Activity), label=_("activity"))

    class Meta:
        model = CouponDefinition
        fields = ["activity", "kind", "is_active"]
