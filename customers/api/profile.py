"""API for profiles (CUS-1..5), nested under the customer: ``/api/v1/customers/<id>/...``

=====================================  =========================================================
``GET|PATCH  profile/``                stage 1 (on the customer) and stages 2-3 (the profile)
``POST       grade/``                  set the intent grade ``{"grade": "A", "note": ""}``
``GET        grade-changes/``          the grade history, newest first
``GET|POST   tags/``                   the customer's tags; add ``{"tag": id}`` or ``{"name": "..."}``
``DELETE     tags/<tag id>/``          take a tag off
``GET|POST   follow-ups/``             follow-up records, newest first; record one
``GET|POST   after-sales/``            after-sales cases; record one
``POST       after-sales/<id>/resolve/``
=====================================  =========================================================

and ``GET /api/v1/follow-ups/due/`` (today's and overdue follow-ups of the caller's customers),
``GET /api/v1/customer-rules/fields/`` and ``POST /api/v1/customer-rules/preview/`` (how many
customers in the caller's scope match some conditions). Every customer is looked up through
``visible_to`` (out of scope is 404); a refused write is 400 ``{"detail": "..."}``.
"""

from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.generics import GenericAPIView
from rest_framework.views import APIView

from customers import profiles
from customers.errors import CustomerError
from customers.models import (AfterSalesRecord, Customer, CustomerProfile, CustomerTag, FollowUp, IntentGradeChange,
                              Order, Tag)
from customers.rules import RuleError, customers_matching, field_catalogue
from stores.api.base import ScopedQuerysetMixin
from stores.models import Product, Style

from .serializers import CustomerTagSerializer


def _refused(error: CustomerError) -> ValidationError:
    return ValidationError({"detail": str(error)})


class StaffNameField(serializers.CharField):
    def to_representation(self, value):
        return getattr(value, "name", None) if value is not None else None


# --- Serializers ----------------------------------------------------------------------------------


class ProfileStagesSerializer(serializers.ModelSerializer):
    """Stages 2-3 (the ``CustomerProfile`` row)."""

    style = serializers.PrimaryKeyRelatedField(queryset=Style.objects.all(), allow_null=True, required=False)
    intent_products = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all(), many=True, required=False)
    updated_by = StaffNameField(read_only=True)

    class Meta:
        model = CustomerProfile
        fields = [*profiles.PROFILE_FIELDS, "intent_products", "updated_at", "updated_by"]
        read_only_fields = ["updated_at", "updated_by"]


class CustomerProfileDetailSerializer(serializers.ModelSerializer):
    """The whole profile of one customer. Writes: any stage-1 field, ``mobile`` included (the
    number is read masked), and a nested ``profile`` object for stages 2-3."""

    mobile = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=20)
    masked_mobile = serializers.CharField(read_only=True)
    profile = ProfileStagesSerializer(required=False, allow_null=True)
    tags = serializers.SerializerMethodField()

    class Meta:
        model = Customer
        fields = ["id", *profiles.STAGE_1_FIELDS, "masked_mobile", "source", "store", "owner_assistant",
                  "is_wecom_friend", "member_level", "intent_grade", "next_follow_up_on", "erased_at", "updated_at",
                  "tags", "profile"]
        read_only_fields = ["source", "store", "owner_assistant", "is_wecom_friend", "member_level", "intent_grade",
                            "next_follow_up_on", "erased_at", "updated_at"]
        extra_kwargs = {"mobile": {"validators": []}}

    def get_tags(self, customer) -> list[dict]:
        links = CustomerTag.objects.filter(customer=customer).select_related("tag").order_by("tag__name")
        return CustomerTagSerializer(links, many=True).data

    def to_representation(self, customer):
        data = super().to_representation(customer)
        if data.get("profile") is None:
            data["profile"] = None
        return data


class GradeSerializer(serializers.Serializer):
    grade = serializers.ChoiceField(choices=Customer.IntentGrade.choices, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class GradeChangeSerializer(serializers.ModelSerializer):
    changed_by = StaffNameField(read_only=True)

    class Meta:
        model = IntentGradeChange
        fields = ["id", "from_grade", "to_grade", "note", "changed_by", "changed_at"]
        read_only_fields = fields


class TagAddSerializer(serializers.Serializer):
    tag = serializers.PrimaryKeyRelatedField(queryset=Tag.objects.all(), required=False)
    name = serializers.CharField(required=False, allow_blank=False, max_length=30)

    def validate(self, data):
        if bool(data.get("tag")) == bool(data.get("name")):
            raise ValidationError({"detail": "Give either an existing tag id (tag) or a name."})
        return data


class FollowUpSerializer(serializers.ModelSerializer):
    staff = StaffNameField(read_only=True)

    class Meta:
        model = FollowUp
        fields = ["id", "kind", "outcome", "note", "next_follow_up_on", "staff", "created_at"]
        read_only_fields = ["id", "staff", "created_at"]


class AfterSalesSerializer(serializers.ModelSerializer):
    created_by = StaffNameField(read_only=True)
    # Choices: the orders of ``context["customer"]`` only (none without one), so the form lists no
    # other customer's orders and another customer's order is refused like a missing one.
    order = serializers.PrimaryKeyRelatedField(
        queryset=Order.objects.none(), allow_null=True, required=False,
        error_messages={"does_not_exist": gettext_lazy("This customer has no such order.")})

    class Meta:
        model = AfterSalesRecord
        fields = ["id", "kind", "description", "order", "status", "created_by", "created_at", "resolved_at"]
        read_only_fields = ["id", "status", "created_by", "created_at", "resolved_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        customer = self.context.get("customer")
        self.fields["order"].queryset = (Order.objects.filter(customer=customer) if customer is not None
                                         else Order.objects.none())


class DueSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Customer
        fields = ["id", "display_name", "intent_grade", "community", "next_follow_up_on", "overdue"]
        read_only_fields = fields

    def get_overdue(self, customer) -> bool:
        return customer.next_follow_up_on < self.context["today"]


class ConditionsSerializer(serializers.Serializer):
    conditions = serializers.JSONField()


# --- Views ----------------------------------------------------------------------------------------


class CustomerProfileViewSet(ScopedQuerysetMixin, viewsets.GenericViewSet):
    """Profile, grade, tags, follow-ups and after-sales of one customer (see the module docstring)."""

    queryset = Customer.objects.select_related("profile", "profile__style", "profile__updated_by")
    serializer_class = CustomerProfileDetailSerializer
    filter_backends: list = []

    def _customer(self) -> Customer:
        if getattr(self, "_the_customer", None) is None:
            self._the_customer = self.get_object()
        return self._the_customer

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.action == "after_sales" and self.kwargs.get("pk"):
            try:  # the form's order choices (the browsable API renders it even after a 404)
                context["customer"] = self._customer()
            except Http404:
                pass
        return context

    @action(detail=True, methods=["get", "patch"], url_path="profile")
    def profile(self, request, pk=None):
        customer = self._customer()
        if request.method == "GET":
            return Response(CustomerProfileDetailSerializer(customer, context={"request": request}).data)
        serializer = CustomerProfileDetailSerializer(customer, data=request.data, partial=True, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        nested = data.pop("profile", None) or {}
        try:
            with transaction.atomic():  # stage 1 and stages 2-3 together or not at all
                stage_1 = {k: v for k, v in data.items() if k in profiles.STAGE_1_FIELDS}
                if stage_1:
                    profiles.customer_update(customer=customer, actor=request.user, **stage_1)
                if nested:
                    products = nested.pop("intent_products", None)
                    profiles.customer_profile_update(customer=customer, actor=request.user, intent_products=products,
                                                     **nested)
        except CustomerError as error:
            raise _refused(error) from None
        customer = self.get_queryset().get(pk=customer.pk)
        return Response(CustomerProfileDetailSerializer(customer, context={"request": request}).data)

    @action(detail=True, methods=["post"], url_path="grade", serializer_class=GradeSerializer)
    def grade(self, request, pk=None):
        customer = self._customer()
        serializer = GradeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            change = profiles.intent_grade_set(customer=customer, actor=request.user, **serializer.validated_data)
        except CustomerError as error:
            raise _refused(error) from None
        return Response({"intent_grade": customer.intent_grade,
                         "change": GradeChangeSerializer(change).data if change else None},
                        status=status.HTTP_201_CREATED if change else status.HTTP_200_OK)

    @action(detail=True, methods=["get"], url_path="grade-changes", serializer_class=GradeChangeSerializer)
    def grade_changes(self, request, pk=None):
        changes = IntentGradeChange.objects.filter(customer=self._customer()).select_related("changed_by")
        page = self.paginate_queryset(changes)
        return self.get_paginated_response(GradeChangeSerializer(page, many=True).data)

    @action(detail=True, methods=["get", "post"], url_path="tags", serializer_class=TagAddSerializer)
    def tags(self, request, pk=None):
        customer = self._customer()
        if request.method == "POST":
            serializer = TagAddSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            try:
                profiles.customer_tag_add(customer=customer, actor=request.user,
                                          tag=serializer.validated_data.get("tag"),
                                          name=serializer.validated_data.get("name", ""))
            except CustomerError as error:
                raise _refused(error) from None
        links = CustomerTag.objects.filter(customer=customer).select_related("tag").order_by("tag__name")
        return Response(CustomerTagSerializer(links, many=True).data,
                        status=status.HTTP_201_CREATED if request.method == "POST" else status.HTTP_200_OK)

    @action(detail=True, methods=["delete"], url_path=r"tags/(?P<tag_id>\d+)")
    def tag_remove(self, request, pk=None, tag_id=None):
        customer = self._customer()
        tag = get_object_or_404(Tag, pk=tag_id)
        try:
            removed = profiles.customer_tag_remove(customer=customer, actor=request.user, tag=tag)
        except CustomerError as error:
            raise _refused(error) from None
        if removed is None:
            return Response({"detail": "The customer does not have this tag."}, status=status.HTTP_404_NOT_FOUND)
        return Response({"removed": tag.pk, "source": removed.source})

    @action(detail=True, methods=["get", "post"], url_path="follow-ups", serializer_class=FollowUpSerializer)
    def follow_ups(self, request, pk=None):
        customer = self._customer()
        if request.method == "GET":
            page = self.paginate_queryset(FollowUp.objects.filter(customer=customer).select_related("staff"))
            return self.get_paginated_response(FollowUpSerializer(page, many=True).data)
        serializer = FollowUpSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            result = profiles.follow_up_create(customer=customer, actor=request.user, **serializer.validated_data)
        except CustomerError as error:
            raise _refused(error) from None
        return Response({**FollowUpSerializer(result.follow_up).data, "suggested_grade": result.suggested_grade},
                        status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["get", "post"], url_path="after-sales", serializer_class=AfterSalesSerializer)
    def after_sales(self, request, pk=None):
        customer = self._customer()
        if request.method == "GET":
            page = self.paginate_queryset(AfterSalesRecord.objects.filter(customer=customer)
                                          .select_related("created_by"))
            return self.get_paginated_response(AfterSalesSerializer(page, many=True).data)
        serializer = AfterSalesSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        try:
            record = profiles.after_sales_record_create(customer=customer, actor=request.user,
                                                        **serializer.validated_data)
        except CustomerError as error:
            raise _refused(error) from None
        return Response(AfterSalesSerializer(record).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"], url_path=r"after-sales/(?P<record_id>\d+)/resolve")
    def after_sales_resolve(self, request, pk=None, record_id=None):
        customer = self._customer()
        record = get_object_or_404(AfterSalesRecord.objects.filter(customer=customer), pk=record_id)
        try:
            profiles.after_sales_record_resolve(record=record, actor=request.user)
        except CustomerError as error:
            raise _refused(error) from None
        return Response(AfterSalesSerializer(record).data)


class FollowUpsDueView(GenericAPIView):
    """Customers of the caller's scope whose follow-up is due today or overdue, oldest first."""

    serializer_class = DueSerializer

    def get(self, request):
        from django.utils import timezone

        from common.pagination import StandardPagination

        today = timezone.localdate()
        due = profiles.follow_ups_due(user=request.user, today=today).only(
            "id", "name", "mobile", "openid", "intent_grade", "community", "next_follow_up_on")
        paginator = StandardPagination()
        page = paginator.paginate_queryset(due, request, view=self)
        return paginator.get_paginated_response(DueSerializer(page, many=True, context={"today": today}).data)


class RuleFieldsView(APIView):
    """The fields and ops of customer rules (tag rules, segments)."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return Response(field_catalogue())


class RulePreviewView(APIView):
    """How many customers in the caller's scope match ``conditions`` (validated; 400 if wrong)."""

    @extend_schema(request=ConditionsSerializer, responses=OpenApiTypes.OBJECT)
    def post(self, request):
        serializer = ConditionsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            matching = customers_matching(serializer.validated_data["conditions"],
                                          queryset=Customer.objects.visible_to(request.user))
            return Response({"count": matching.count()})
        except RuleError as error:
            raise _refused(error) from None


def register(router) -> None:
    """Add this module's viewsets to ``router``."""
    router.register("customers", CustomerProfileViewSet, basename="customer-profile")


urlpatterns: list = [
    path("follow-ups/due/", FollowUpsDueView.as_view(), name="follow-ups-due"),
    path("customer-rules/fields/", RuleFieldsView.as_view(), name="customer-rule-fields"),
    path("customer-rules/preview/", RulePreviewView.as_view(), name="customer-rule-preview"),
]
