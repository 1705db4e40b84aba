"""API for the interaction radar (QR-9): ``customers/radar/``, read-only, newest first, in the
caller's scope (an assistant their own customers' entries, a manager the store's, a supervisor
the region's, head office all; partners none). ``?after=<id>`` gives only newer entries (what the
workbench polls for); filters ``kind``, ``customer``, ``assistant``, ``store``."""

import django_filters
from rest_framework import serializers, viewsets

from customers.models import RadarEvent
from customers.radar import radar_action, radar_nameable, radar_pages, radar_what
from stores.api.base import ScopedQuerysetMixin


class RadarFilter(django_filters.FilterSet):
    after = django_filters.NumberFilter(field_name="id", lookup_expr="gt")

    class Meta:
        model = RadarEvent
        fields = ["kind", "customer", "assistant", "store"]


class RadarEventSerializer(serializers.ModelSerializer):
    customer_name = serializers.SerializerMethodField()
    related_customer = serializers.SerializerMethodField()
    text = serializers.SerializerMethodField()
    reminded = serializers.BooleanField(read_only=True)

    class Meta:
        model = RadarEvent
        fields = ["id", "occurred_at", "kind", "customer", "customer_name", "assistant", "store", "page_type",
                  "page_id", "what", "related_customer", "text", "reminded"]
        read_only_fields = fields

    def _pages(self):
        pages = self.context.get("_radar_pages")
        if pages is None:  # one query per page type for the whole page of entries
            instances = self.parent.instance if self.parent is not None else [self.instance]
            pages = self.context["_radar_pages"] = radar_pages(list(instances))
        return pages

    def _nameable(self) -> set[int]:
        nameable = self.context.get("_radar_nameable")
        if nameable is None:  # one query for the page: the other customers the caller may see
            instances = self.parent.instance if self.parent is not None else [self.instance]
            nameable = self.context["_radar_nameable"] = radar_nameable(list(instances), self.context["request"].user)
        return nameable

    def get_customer_name(self, obj) -> str:
        return str(obj.customer.display_name)

    def get_related_customer(self, obj) -> int | None:
        """The other customer, only when the caller may see them (ORG-3)."""
        return obj.related_customer_id if obj.related_customer_id in self._nameable() else None

    def get_text(self, obj) -> str:
        """The feed line after the name: "正在看 岛台厨房方案"."""
        other = str(obj.related_customer.display_name) if obj.related_customer_id in self._nameable() else ""
        return radar_action(obj, what=radar_what(obj, self._pages()), other=other)


class RadarEventViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = RadarEvent.objects.select_related("customer", "related_customer").order_by("-occurred_at", "-id")
    serializer_class = RadarEventSerializer
    filterset_class = RadarFilter
    ordering_fields = ["occurred_at", "id"]


def register(router) -> None:
    router.register("customers/radar", RadarEventViewSet, basename="radar-event")


urlpatterns: list = []
