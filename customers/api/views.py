from rest_framework import viewsets

from customers.filters import CustomerFilter
from customers.lists import tag_prefetch, with_summary
from customers.models import Customer
from stores.api.base import ScopedQuerysetMixin

from .serializers import CustomerDetailSerializer, CustomerSerializer


class CustomerViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Customers in the caller's scope (ORG-3), filterable by ``CustomerFilter``.

    A list page costs a constant number of queries (count, rows with store and owner assistant,
    their tags); a detail adds the profile (stages 2-3) and the figures in the same row query.
    Mobile numbers are masked; the full number is an audited reveal of its own (CUS-11)."""

    queryset = Customer.objects.select_related("store", "owner_assistant")
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilter
    ordering_fields = ["created_at", "name", "next_follow_up_on"]

    def get_queryset(self):
        queryset = super().get_queryset().prefetch_related(tag_prefetch())
        if self.action == "retrieve":
            queryset = with_summary(
                queryset.select_related("profile__style").prefetch_related("profile__intent_products"),
                self.request.user,
            )
        return queryset

    def get_serializer_class(self):
        return CustomerDetailSerializer if self.action == "retrieve" else CustomerSerializer
