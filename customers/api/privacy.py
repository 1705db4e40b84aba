"""API for privacy (CUS-11): reveal one number, start a masked call, consents, the audit log (head
office), and one customer's PIPL export and erasure (head office).

Who may act is decided in ``customers.privacy``; which customer is found goes through
``Customer.objects.visible_to``: a role that may never do it gets 403, a customer out of scope 404.
"""

import django_filters
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from customers.errors import CustomerError
from customers.models import AuditLog, Consent, Customer
from customers.privacy import (consent_record, customer_data_export, customer_erase, is_head_office,
                               masked_contact_start, may_reveal, mobile_reveal, reveals_left_today)
from stores.api.base import ScopedQuerysetMixin


def _customer(request, pk) -> Customer:
    return get_object_or_404(Customer.objects.visible_to(request.user), pk=pk)


def _staff_only(request):
    if not may_reveal(request.user):
        raise PermissionDenied(_("Your role cannot see customers' contact details."))


def _hq_only(request):
    if not is_head_office(request.user):
        raise PermissionDenied(_("Only head office can do this."))


class RevealMobileView(APIView):
    """The full number of one customer; every call is written to the audit log."""

    @extend_schema(request=None, responses=inline_serializer("RevealedMobile", {
        "mobile": serializers.CharField(), "reveals_left_today": serializers.IntegerField()}))
    def post(self, request, pk):
        _staff_only(request)
        customer = _customer(request, pk)
        try:
            mobile = mobile_reveal(customer=customer, actor=request.user, surface="api", request=request)
        except CustomerError as error:
            raise ValidationError({"detail": str(error)}) from error
        return Response({"mobile": mobile, "reveals_left_today": reveals_left_today(actor=request.user)})


class MaskedContactView(APIView):
    """A relay number connecting the caller and the customer; neither sees the other's number."""

    @extend_schema(request=None, responses=inline_serializer("MaskedContact", {
        "session": serializers.IntegerField(), "virtual_number": serializers.CharField(),
        "expires_at": serializers.DateTimeField()}))
    def post(self, request, pk):
        _staff_only(request)
        customer = _customer(request, pk)
        try:
            session = masked_contact_start(customer=customer, actor=request.user, request=request)
        except CustomerError as error:
            raise ValidationError({"detail": str(error)}) from error
        return Response({"session": session.pk, "virtual_number": session.virtual_number,
                         "expires_at": session.expires_at}, status=status.HTTP_201_CREATED)


class ConsentSerializer(serializers.ModelSerializer):
    recorded_by_name = serializers.CharField(source="recorded_by.name", read_only=True, default=None)

    class Meta:
        model = Consent
        fields = ["id", "purpose", "granted", "source", "policy_version", "recorded_by", "recorded_by_name",
                  "recorded_at"]
        read_only_fields = ["id", "recorded_by", "recorded_by_name", "recorded_at"]


class ConsentListView(APIView):
    """A customer's consent history (newest first); POST appends what the customer decided."""

    @extend_schema(responses=ConsentSerializer(many=True))
    def get(self, request, pk):
        customer = _customer(request, pk)
        return Response(ConsentSerializer(customer.consents.select_related("recorded_by"), many=True).data)

    @extend_schema(request=ConsentSerializer, responses=ConsentSerializer)
    def post(self, request, pk):
        _staff_only(request)
        customer = _customer(request, pk)
        data = ConsentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            consent = consent_record(customer=customer, recorded_by=getattr(request.user, "staff", None),
                                     **data.validated_data)
        except CustomerError as error:
            raise ValidationError({"detail": str(error)}) from error
        return Response(ConsentSerializer(consent).data, status=status.HTTP_201_CREATED)


class PiplExportView(APIView):
    """Everything stored about one customer as one JSON document (PIPL art. 45). A POST: the
    export is audited and answers the customer's pending copy requests, which a GET (a link, a
    prefetch) must never do."""

    @extend_schema(request=None, responses={200: dict})
    def post(self, request, pk):
        _hq_only(request)
        customer = _customer(request, pk)
        return Response(customer_data_export(customer=customer, actor=request.user, request=request))


class EraseView(APIView):
    """Erase one customer's personal data (PIPL art. 47); figures stay. Repeating it is harmless."""

    @extend_schema(request=None, responses=inline_serializer("Erased", {
        "id": serializers.IntegerField(), "erased_at": serializers.DateTimeField()}))
    def post(self, request, pk):
        _hq_only(request)
        customer = _customer(request, pk)
        customer = customer_erase(customer=customer, actor=request.user, request=request)
        return Response({"id": customer.pk, "erased_at": customer.erased_at})


class AuditLogSerializer(serializers.ModelSerializer):
    action_label = serializers.CharField(source="get_action_display", read_only=True)

    class Meta:
        model = AuditLog
        fields = ["id", "action", "action_label", "actor", "actor_name", "customer_ref", "rows", "detail",
                  "ip_address", "created_at"]
        read_only_fields = fields


class AuditLogFilter(django_filters.FilterSet):
    since = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte")
    until = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte")
    customer = django_filters.NumberFilter(field_name="customer_ref")

    class Meta:
        model = AuditLog
        fields = ["action", "actor", "customer", "since", "until"]


class AuditLogViewSet(ScopedQuerysetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      viewsets.GenericViewSet):
    """The audit log: head office reads it (its scope rule is head office only; everyone else sees
    an empty list); nobody writes it through the API."""

    queryset = AuditLog.objects.all()
    serializer_class = AuditLogSerializer
    filterset_class = AuditLogFilter
    ordering_fields = ["created_at"]
    search_fields = ["actor_name"]


def register(router) -> None:
    router.register("audit-log", AuditLogViewSet, basename="audit-log")


urlpatterns: list = [
    path("customers/<int:pk>/reveal-mobile/", RevealMobileView.as_view(), name="customer-reveal-mobile"),
    path("customers/<int:pk>/masked-contact/", MaskedContactView.as_view(), name="customer-masked-contact"),
    path("customers/<int:pk>/consents/", ConsentListView.as_view(), name="customer-consents"),
    path("customers/<int:pk>/pipl-export/", PiplExportView.as_view(), name="customer-pipl-export"),
    path("customers/<int:pk>/erase/", EraseView.as_view(), name="customer-erase"),
]
