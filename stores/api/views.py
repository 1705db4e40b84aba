from rest_framework import mixins, viewsets

from stores import services
from stores.filters import QRCodeFilter, StaffFilter, StoreFilter
from stores.models import QRCode, Region, Staff, Store

from .base import IsHQOrReadOnly, ScopedQuerysetMixin
from .serializers import QRCodeSerializer, RegionSerializer, StaffSerializer, StoreSerializer


class RegionViewSet(ScopedQuerysetMixin, viewsets.ModelViewSet):
    queryset = Region.objects.all()
    serializer_class = RegionSerializer
    permission_classes = [IsHQOrReadOnly]
    search_fields = ["name", "code"]
    ordering_fields = ["code", "name"]


class StoreViewSet(ScopedQuerysetMixin, viewsets.ModelViewSet):
    queryset = Store.objects.select_related("region")
    serializer_class = StoreSerializer
    permission_classes = [IsHQOrReadOnly]
    filterset_class = StoreFilter
    ordering_fields = ["code", "name", "city"]


class StaffViewSet(ScopedQuerysetMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Staff are created with their login in the admin (one service); the API reads and edits."""

    queryset = Staff.objects.select_related("user")

    def perform_update(self, serializer):
        serializer.instance = services.staff_update(staff=serializer.instance, **serializer.validated_data)
    serializer_class = StaffSerializer
    permission_classes = [IsHQOrReadOnly]
    filterset_class = StaffFilter
    ordering_fields = ["job_number", "name"]


class QRCodeViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Touchpoint codes in the caller's scope, with their token, URL and WeChat scene (QR-1)."""

    queryset = QRCode.objects.all()
    serializer_class = QRCodeSerializer
    filterset_class = QRCodeFilter
    ordering_fields = ["created_at", "label"]
