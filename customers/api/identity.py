"""API for one person, one customer (CUS-12): merges (list, merge two customers, head office's
undo), candidate duplicates (list, dismiss a pair) and household members. Every write goes through
``customers.merges`` / ``customers.households``, whose refusals answer 400 with the reason in the
user's language; customers are found through ``Customer.objects.visible_to`` (out of scope: 404)."""

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from customers.errors import CustomerError
from customers.merges import candidate_dismiss, customer_merge, merge_candidates, merge_undo
from customers.models import Customer
from customers.models.household import HouseholdMember
from customers.models.identity import CustomerMerge
from stores.api.base import ScopedQuerysetMixin


def _customer(request, value) -> Customer:
    if not str(value or "").isdigit():
        raise ValidationError({"detail": "a customer id"})
    return get_object_or_404(Customer.objects.visible_to(request.user), pk=int(value))


def _refused(error: CustomerError):
    return ValidationError({"detail": str(error)})


class MergeSerializer(serializers.ModelSerializer):
    class Meta:
        model = CustomerMerge
        fields = ["id", "survivor", "merged", "reason", "note", "merged_by", "merged_at", "owner_before",
                  "owner_after", "undone_at", "undone_by", "undo_reason"]
        read_only_fields = fields


class MergeViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Merges the caller may see (by the kept customer); POST merges two customers the caller sees
    (managers and head office), ``undo`` is head office's."""

    queryset = CustomerMerge.objects.order_by("-merged_at", "-id")
    serializer_class = MergeSerializer

    @extend_schema(request=inline_serializer("MergeRequest", {
        "survivor": serializers.IntegerField(), "merged": serializers.IntegerField(),
        "note": serializers.CharField(required=False)}), responses=MergeSerializer)
    def create(self, request):
        survivor = _customer(request, request.data.get("survivor"))
        merged = _customer(request, request.data.get("merged"))
        try:
            merge = customer_merge(survivor=survivor, merged=merged, reason=CustomerMerge.Reason.CONFIRMED,
                                   actor=request.user, note=str(request.data.get("note", "")))
        except CustomerError as error:
            raise _refused(error) from error
        return Response(MergeSerializer(merge).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=inline_serializer("MergeUndoRequest", {"reason": serializers.CharField()}),
                   responses=MergeSerializer)
    @action(detail=True, methods=["post"])
    def undo(self, request, pk=None):
        merge = self.get_object()
        try:
            merge = merge_undo(merge=merge, actor=request.user, reason=str(request.data.get("reason", "")))
        except CustomerError as error:
            raise _refused(error) from error
        return Response(MergeSerializer(merge).data)


def _person(customer: Customer) -> dict:
    return {"id": customer.pk, "name": customer.display_name, "mobile": customer.masked_mobile,
            "community": customer.community, "store": customer.store_id, "owner_assistant": customer.owner_assistant_id}


class DuplicatesView(APIView):
    """Pairs that look like one person among the customers the caller sees."""

    @extend_schema(responses=inline_serializer("Duplicate", {
        "first": serializers.DictField(), "second": serializers.DictField(), "why": serializers.CharField()},
        many=True))
    def get(self, request):
        return Response([{"first": _person(pair.first), "second": _person(pair.second), "why": pair.why}
                         for pair in merge_candidates(actor=request.user)])


class DuplicateDismissView(APIView):
    """The caller says the pair are two people: not suggested again."""

    @extend_schema(request=inline_serializer("DuplicateDismissRequest", {
        "first": serializers.IntegerField(), "second": serializers.IntegerField()}), responses=None)
    def post(self, request):
        first, second = _customer(request, request.data.get("first")), _customer(request, request.data.get("second"))
        try:
            candidate_dismiss(actor=request.user, first=first, second=second)
        except CustomerError as error:
            raise _refused(error) from error
        return Response(status=status.HTTP_204_NO_CONTENT)


class HouseholdMemberSerializer(serializers.ModelSerializer):
    class Meta:
        model = HouseholdMember
        fields = ["id", "household", "customer", "invited_by", "via_share", "joined_at"]
        read_only_fields = fields


class HouseholdMemberViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Household members the caller may see (by the member's store and owner)."""

    queryset = HouseholdMember.objects.order_by("household_id", "joined_at")
    serializer_class = HouseholdMemberSerializer
    filterset_fields = ["household", "customer"]


def register(router) -> None:
    router.register("customers/merges", MergeViewSet, basename="customer-merge")
    router.register("customers/households", HouseholdMemberViewSet, basename="household-member")


urlpatterns: list = [
    path("customers/duplicates/", DuplicatesView.as_view(), name="customer-duplicates"),
    path("customers/duplicates/dismiss/", DuplicateDismissView.as_view(), name="customer-duplicates-dismiss"),
]
