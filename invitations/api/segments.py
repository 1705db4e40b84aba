"""API for invitation segments (SPEC §5, INV-1..3, INV-5).

* ``GET /api/v1/invitations/segments/?store=<id>[&include_inviting=true]`` → the segments the store
  may use now, empty ones hidden: ``[{key, name, count, kind, not_selectable, inviting, capped}]``.
* ``GET /api/v1/invitations/segments/<key>/customers/?store=<id>[&include_inviting=true]`` → the
  segment's selectable customers, paginated: ``{id, name, mobile (masked), owner_assistant
  {id, name}, reason, inviting, last_contacted_at, capped_until}``. ``capped_until`` (not null)
  means contacted within head office's interval (INV-11): the customer cannot be dispatched
  before then. The page also says ``invitable``: how many of the segment can be dispatched now,
  the ``expected_count`` of a dispatch with ``all_matching``.

A store outside the caller's scope answers 404 exactly like a missing one; so does an unknown or
removed segment key.
"""

from django.urls import path
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from common.pagination import StandardPagination
from customers.contacts import contact_cap
from invitations.candidates import candidates_mark, matching_of
from invitations.errors import InvitationError
from invitations.segments import segment_customers, segment_invitable, segments_for_store


def register(router) -> None:
    """Add this module's viewsets to ``router`` (prefix them with ``invitations/``)."""


class SegmentSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    count = serializers.IntegerField()
    kind = serializers.CharField()
    not_selectable = serializers.IntegerField(help_text="Customers of the store in the segment owned outside it.")
    inviting = serializers.IntegerField(help_text="Selectable customers already in a running task.")
    capped = serializers.IntegerField(help_text="Of count, customers contacted within head office's interval.")


class SegmentCustomerSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField(source="display_name")
    mobile = serializers.CharField(source="masked_mobile")
    owner_assistant = serializers.SerializerMethodField()
    reason = serializers.CharField()
    inviting = serializers.BooleanField()
    last_contacted_at = serializers.DateTimeField(allow_null=True)
    capped_until = serializers.DateTimeField(allow_null=True, help_text=(
        "Contacted within head office's interval: cannot be invited before this moment. Null: can be now."))

    def get_owner_assistant(self, customer) -> dict | None:
        staff = customer.owner_assistant
        return {"id": staff.pk, "name": staff.name} if staff else None


def _params(request) -> tuple[int, bool]:
    raw = request.query_params.get("store", "")
    if not raw.isdigit():
        raise ValidationError({"store": [_("Give the store's id: ?store=<id>.")]})
    flag = request.query_params.get("include_inviting", "false").lower()
    if flag not in ("true", "false", "1", "0", ""):
        raise ValidationError({"include_inviting": [_("Use true or false.")]})
    return int(raw), flag in ("true", "1")


class SegmentList(APIView):
    """The segments a store may use now with their counts; empty ones hidden (INV-3)."""

    def get(self, request):
        store, include_inviting = _params(request)
        try:
            rows = segments_for_store(store=store, viewer=request.user, include_inviting=include_inviting)
        except InvitationError as error:
            raise NotFound(str(error)) from None
        return Response(SegmentSerializer(rows, many=True).data)

    def get_serializer(self, *args, **kwargs):  # for the schema
        return SegmentSerializer(*args, **kwargs)


class SegmentCustomerList(APIView):
    """A segment's selectable customers in the store, with the reason each is in it."""

    pagination_class = StandardPagination

    def get(self, request, key):
        store, include_inviting = _params(request)
        try:
            customers = segment_customers(key=key, store=store, viewer=request.user,
                                          include_inviting=include_inviting)
        except InvitationError as error:
            raise NotFound(str(error)) from None
        cap = contact_cap()
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(customers.select_related("owner_assistant"), request, view=self)
        page = candidates_mark(page, cap=cap)
        response = paginator.get_paginated_response(SegmentCustomerSerializer(page, many=True).data)
        invitable = matching_of(segment_invitable(key=key, store=store, viewer=request.user, cap=cap))
        response.data["invitable"] = invitable.count
        return response

    def get_serializer(self, *args, **kwargs):  # for the schema
        return SegmentCustomerSerializer(*args, **kwargs)


urlpatterns: list = [
    path("invitations/segments/", SegmentList.as_view(), name="invitation-segment-list"),
    path("invitations/segments/<slug:key>/customers/", SegmentCustomerList.as_view(),
         name="invitation-segment-customers"),
]
