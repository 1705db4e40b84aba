"""API of automation (PRO-6), read only: head office edits journeys in the admin.

* ``GET automation/journeys/`` (filters ``status``, ``trigger``, ``action``) and
  ``automation/journeys/<id>/``: the journeys offered to the caller's stores, each with its
  ``results`` (matched, reached, sent, opened, ordered, amount, redeemed) counted over the
  deliveries the caller may see: a manager's are their store's.
* ``GET automation/journeys/<id>/results/``: the same figures alone.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from stores.api.base import ScopedQuerysetMixin

from ..models import Journey
from ..selectors import journeys_with_results


class ResultsSerializer(serializers.Serializer):
    matched = serializers.IntegerField()
    reached = serializers.IntegerField()
    sent = serializers.IntegerField()
    opened = serializers.IntegerField()
    ordered = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    redeemed = serializers.IntegerField()


class JourneySerializer(serializers.ModelSerializer):
    results = ResultsSerializer(read_only=True)

    class Meta:
        model = Journey
        fields = ["id", "name", "template", "trigger", "trigger_days", "product", "all_stores", "stores", "action",
                  "coupon_definition", "title", "body", "link", "send_hour", "status", "starts_on", "ends_on",
                  "attribution_days", "created_at", "results"]
        read_only_fields = fields


class JourneyViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Journey.objects.prefetch_related("stores").order_by("-created_at", "-pk")
    serializer_class = JourneySerializer
    filterset_fields = ["status", "trigger", "action"]

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        journeys = journeys_with_results(request.user, page)
        return self.get_paginated_response(self.get_serializer(journeys, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        (journey,) = journeys_with_results(request.user, [self.get_object()])
        return Response(self.get_serializer(journey).data)

    @extend_schema(responses={200: ResultsSerializer})
    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        (journey,) = journeys_with_results(request.user, [self.get_object()])
        return Response(ResultsSerializer(journey.results).data)


def register(router) -> None:
    router.register("automation/journeys", JourneyViewSet, basename="automation-journey")
