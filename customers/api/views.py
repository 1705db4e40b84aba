from rest_framework import viewsets

from customers.filters import CustomerFilter
from customers.models import Customer
from stores.api.base import ScopedQuerysetMixin

from .serializers import CustomerSerializer


class CustomerViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Customer.objects.select_related("store", "owner_assistant")
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilter
    ordering_fields = ["created_at", "name"]
