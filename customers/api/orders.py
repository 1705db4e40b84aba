"""API for orders, ledgers, redemptions and reviews (CUS-7..9).

Every list and detail reads through ``visible_to`` (out of scope answers 404 like missing); every
write goes through a service in ``customers.orders`` / ``customers.ledgers`` / ``customers.reviews``,
whose refusal answers 400 with its message in ``detail``. A write on an order or on a customer's
points also needs the customer in the caller's scope (404 otherwise), not only the row.

* ``orders/`` list (filters: store, assistant, customer, status, channel, placed_after,
  placed_before), detail with items, payments and logistics nested; POST creates;
  ``orders/<id>/payments/``, ``orders/<id>/logistics/`` and ``orders/<id>/cancel/`` (POST).
* ``customers/<id>/points/`` and ``customers/<id>/stored-value/``: the ledgers' entries;
  ``customers/<id>/balances/``; ``customers/<id>/redeem/`` (POST).
* ``points-rewards/``; ``points-redemptions/`` with ``<id>/reverse/`` (POST, managers).
* ``reviews/`` (filters: subject, store, staff, installation_team; ``<id>/hide/`` for head
  office); ``installation-teams/reputation/``.
"""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from customers.errors import CustomerError
from customers.ledgers import (
    balances_for,
    points_redeem,
    points_redemption_reverse,
)
from customers.models import (
    Customer,
    LogisticsEvent,
    Order,
    OrderItem,
    Payment,
    PointsEntry,
    PointsRedemption,
    PointsReward,
    Review,
    StoredValueEntry,
)
from customers.orders import (
    ItemInput,
    installers_for,
    logistics_record,
    order_cancel,
    order_create,
    payment_record,
)
from customers.reviews import review_hide, team_reputation, visible_reviews
from stores.api.base import ScopedQuerysetMixin
from stores.filters import in_scope
from stores.models import InstallationTeam, Product, Staff, Store
from stores.scope import Level, scope_of


def refused(exc: CustomerError):
    return ValidationError({"detail": str(exc)})


def _staff(request):
    return getattr(request.user, "staff", None)


def _writable_customer(request, customer_id) -> None:
    """Writes on a customer's order or points need the customer in scope too, not only the row:
    after a hand-over the old assistant still sees the orders they sold, but no longer acts for
    the customer. Out of scope answers 404, like the workbench's ``customer_for_page``."""
    if not Customer.objects.visible_to(request.user).filter(pk=customer_id).exists():
        raise Http404


# --- serializers ---------------------------------------------------------------------------------


class OrderItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderItem
        fields = ["id", "product", "sku", "name", "category", "quantity", "unit_price", "amount"]
        read_only_fields = fields


class PaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Payment
        fields = ["id", "kind", "amount", "paid_at", "recorded_by"]
        read_only_fields = fields


class LogisticsEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = LogisticsEvent
        fields = ["id", "node", "happened_at", "location", "scheduled_for", "installer", "note"]
        read_only_fields = fields


class OrderSerializer(serializers.ModelSerializer):
    items = OrderItemSerializer(many=True, read_only=True)
    payments = PaymentSerializer(many=True, read_only=True)
    logistics = LogisticsEventSerializer(many=True, read_only=True)

    class Meta:
        model = Order
        fields = ["id", "number", "customer", "store", "assistant", "channel", "amount", "payment_type", "status",
                  "placed_at", "paid_at", "note", "items", "payments", "logistics"]
        read_only_fields = fields


class ItemInputSerializer(serializers.Serializer):
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all(), required=False, allow_null=True)
    name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    unit_price = serializers.DecimalField(max_digits=10, decimal_places=2, required=False, allow_null=True)
    quantity = serializers.IntegerField(min_value=1, max_value=9999, default=1)


class OrderCreateSerializer(serializers.Serializer):
    customer = serializers.IntegerField()
    channel = serializers.ChoiceField(choices=Order.Channel.choices, default=Order.Channel.IN_STORE)
    payment_type = serializers.ChoiceField(choices=Order.PaymentType.choices, default=Order.PaymentType.IN_STORE)
    items = ItemInputSerializer(many=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class PaymentInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Order.PaymentType.choices)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    paid_at = serializers.DateTimeField(required=False)


class LogisticsInputSerializer(serializers.Serializer):
    node = serializers.ChoiceField(choices=LogisticsEvent.Node.choices)
    happened_at = serializers.DateTimeField(required=False)
    location = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    scheduled_for = serializers.DateTimeField(required=False, allow_null=True)
    # Choices: the installers bookable for this order (``context["order"]``), none without one; an id
    # outside them answers like a missing one. ``logistics_record`` checks the same for every caller.
    installer = serializers.PrimaryKeyRelatedField(
        queryset=Staff.objects.none(), required=False, allow_null=True,
        error_messages={"does_not_exist": gettext_lazy("Only an installer of the order's store or of an installation "
                                                       "team serving it can be booked for this order.")})
    note = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        order = self.context.get("order")
        self.fields["installer"].queryset = installers_for(order) if order is not None else Staff.objects.none()


class CancelInputSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=150, default="")


class PointsEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = PointsEntry
        fields = ["id", "seq", "kind", "delta", "balance_after", "store", "staff", "order", "redemption", "note",
                  "created_at"]
        read_only_fields = fields


class StoredValueEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = StoredValueEntry
        fields = ["id", "seq", "kind", "delta", "balance_after", "store", "staff", "order", "note", "created_at"]
        read_only_fields = fields


class RewardSerializer(serializers.ModelSerializer):
    class Meta:
        model = PointsReward
        fields = ["id", "name", "kind", "description", "points_cost", "stock", "is_active"]
        read_only_fields = fields


class RedemptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = PointsRedemption
        fields = ["id", "customer", "reward", "quantity", "points", "status", "store", "staff", "reversal_reason",
                  "created_at"]
        read_only_fields = fields


class RedeemInputSerializer(serializers.Serializer):
    reward = serializers.PrimaryKeyRelatedField(queryset=PointsReward.objects.all())
    quantity = serializers.IntegerField(min_value=1, max_value=99, default=1)
    idempotency_key = serializers.CharField(required=False, max_length=60)


class ReverseInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class ReviewSerializer(serializers.ModelSerializer):
    class Meta:
        model = Review
        fields = ["id", "customer", "order", "subject", "store", "product", "solution", "staff", "installation_team",
                  "rating", "comment", "is_hidden", "created_at"]
        read_only_fields = fields


class BalancesSerializer(serializers.Serializer):
    customer = serializers.IntegerField()
    points = serializers.IntegerField()
    stored_value = serializers.DecimalField(max_digits=12, decimal_places=2)


class ReputationSerializer(serializers.Serializer):
    installation_team = serializers.IntegerField(source="key")
    name = serializers.CharField()
    average = serializers.FloatField(allow_null=True)
    count = serializers.IntegerField()
    distribution = serializers.DictField(child=serializers.IntegerField())
    recent = ReviewSerializer(many=True)


# --- orders --------------------------------------------------------------------------------------


# Filters of the lists below. Choices come from the caller's scope (``in_scope``), so the browsable
# API's form names no other store, staff member or team, and an id outside the scope is refused
# exactly like a missing one (400). Customers and orders are too many for a select: they are
# filtered by id on the already scoped list, so an id outside the scope, like a missing one,
# simply matches nothing (200, empty).


def _teams_in_scope(request):
    """Installation teams serving a store the caller sees (head office: every team)."""
    if request is None:
        return InstallationTeam.objects.none()
    if scope_of(request.user).level is Level.ALL:
        return InstallationTeam.objects.all()
    stores = Store.objects.visible_to(request.user).filter(installation_teams=OuterRef("pk"))
    return InstallationTeam.objects.filter(Exists(stores))


class IdFilter(django_filters.NumberFilter):
    """A whole-number id (``?customer=12``); no lookup of the row itself, so nothing to tell apart."""

    field_class = forms.IntegerField


def _id_filter(field_name: str, label):
    return IdFilter(field_name=field_name, label=label, min_value=1)


class OrderFilter(django_filters.FilterSet):
    store = django_filters.ModelChoiceFilter(queryset=in_scope(Store), label=gettext_lazy("store"))
    assistant = django_filters.ModelChoiceFilter(queryset=in_scope(Staff), label=gettext_lazy("assistant"))
    customer = _id_filter("customer_id", gettext_lazy("customer (id)"))
    placed_after = django_filters.IsoDateTimeFilter(field_name="placed_at", lookup_expr="gte")
    placed_before = django_filters.IsoDateTimeFilter(field_name="placed_at", lookup_expr="lt")

    class Meta:
        model = Order
        fields = ["store", "assistant", "customer", "status", "channel"]


class RedemptionFilter(django_filters.FilterSet):
    customer = _id_filter("customer_id", gettext_lazy("customer (id)"))
    store = django_filters.ModelChoiceFilter(queryset=in_scope(Store), label=gettext_lazy("store"))

    class Meta:
        model = PointsRedemption
        fields = ["customer", "reward", "status", "store"]  # rewards: head office's one catalogue


class ReviewFilter(django_filters.FilterSet):
    store = django_filters.ModelChoiceFilter(queryset=in_scope(Store), label=gettext_lazy("store"))
    staff = django_filters.ModelChoiceFilter(queryset=in_scope(Staff), label=gettext_lazy("staff member"))
    installation_team = django_filters.ModelChoiceFilter(queryset=_teams_in_scope,
                                                         label=gettext_lazy("installation team"))
    order = _id_filter("order_id", gettext_lazy("order (id)"))

    class Meta:
        model = Review
        fields = ["subject", "store", "staff", "installation_team", "rating", "order"]


class OrderViewSet(ScopedQuerysetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Order.objects.prefetch_related(
        "items", "payments", Prefetch("logistics", queryset=LogisticsEvent.objects.order_by("happened_at", "id")))
    serializer_class = OrderSerializer
    filterset_class = OrderFilter
    ordering_fields = ["placed_at", "amount"]
    search_fields = ["number"]

    def get_serializer_class(self):
        return {"create": OrderCreateSerializer, "payments": PaymentInputSerializer,
                "logistics": LogisticsInputSerializer, "cancel": CancelInputSerializer}.get(self.action,
                                                                                           OrderSerializer)

    def _order_to_write(self, request) -> Order:
        """The order (in scope) for a write, whose customer must be in scope too (404 otherwise)."""
        order = self.get_object()
        _writable_customer(request, order.customer_id)
        return order

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "_write_order", None) is not None:
            context["order"] = self._write_order
        return context

    def _done(self, order, code=status.HTTP_200_OK):
        return Response(OrderSerializer(self.get_queryset().get(pk=order.pk)).data, status=code)

    def create(self, request, *args, **kwargs):
        data = self._input(request)
        customer = Customer.objects.visible_to(request.user).filter(pk=data["customer"]).first()
        if customer is None:
            raise ValidationError({"customer": [_("No such customer in your scope.")]})
        items = [ItemInput(product=item.get("product"), name=item.get("name", ""), unit_price=item.get("unit_price"),
                           quantity=item["quantity"]) for item in data["items"]]
        try:
            order = order_create(customer=customer, items=items, channel=data["channel"],
                                 payment_type=data["payment_type"], staff=_staff(request), note=data["note"])
        except CustomerError as exc:
            raise refused(exc) from exc
        return self._done(order, status.HTTP_201_CREATED)

    def _input(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @extend_schema(request=PaymentInputSerializer, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def payments(self, request, pk=None):
        order = self._order_to_write(request)
        data = self._input(request)
        try:
            payment_record(order=order, staff=_staff(request), **data)
        except CustomerError as exc:
            raise refused(exc) from exc
        return self._done(order, status.HTTP_201_CREATED)

    @extend_schema(request=LogisticsInputSerializer, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def logistics(self, request, pk=None):
        order = self._write_order = self._order_to_write(request)
        data = self._input(request)  # installer choices: those of this order
        try:
            logistics_record(order=order, actor=request.user, **data)
        except CustomerError as exc:
            raise refused(exc) from exc
        return self._done(order, status.HTTP_201_CREATED)

    @extend_schema(request=CancelInputSerializer, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        order = self._order_to_write(request)
        data = self._input(request)
        try:
            order_cancel(order=order, staff=_staff(request), reason=data["reason"])
        except CustomerError as exc:
            raise refused(exc) from exc
        return self._done(order)


# --- ledgers of one customer ---------------------------------------------------------------------


def _customer(request, pk) -> Customer:
    return get_object_or_404(Customer.objects.visible_to(request.user), pk=pk)


class _CustomerLedger(APIView):
    model = None
    serializer_class = None

    def get(self, request, pk):
        customer = _customer(request, pk)
        entries = self.model.objects.visible_to(request.user).filter(customer=customer).order_by("-seq")
        from common.pagination import StandardPagination

        paginator = StandardPagination()
        page = paginator.paginate_queryset(entries, request, view=self)
        return paginator.get_paginated_response(self.serializer_class(page, many=True).data)


class CustomerPointsView(_CustomerLedger):
    """A customer's points entries, newest first."""

    model, serializer_class = PointsEntry, PointsEntrySerializer


class CustomerStoredValueView(_CustomerLedger):
    """A customer's stored-value entries, newest first."""

    model, serializer_class = StoredValueEntry, StoredValueEntrySerializer


class CustomerBalancesView(APIView):
    serializer_class = BalancesSerializer

    def get(self, request, pk):
        customer = _customer(request, pk)
        points, stored_value = balances_for([customer.pk])[customer.pk]
        return Response(BalancesSerializer({"customer": customer.pk, "points": points,
                                            "stored_value": stored_value}).data)


class CustomerRedeemView(APIView):
    serializer_class = RedeemInputSerializer

    @extend_schema(request=RedeemInputSerializer, responses=RedemptionSerializer)
    def post(self, request, pk):
        customer = _customer(request, pk)
        serializer = RedeemInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        key = data.get("idempotency_key")
        try:
            redemption = points_redeem(customer=customer, reward=data["reward"], quantity=data["quantity"],
                                       staff=_staff(request), actor=request.user,
                                       idempotency_key=f"redeem:{customer.pk}:{key}" if key else None)
        except CustomerError as exc:
            raise refused(exc) from exc
        return Response(RedemptionSerializer(redemption).data, status=status.HTTP_201_CREATED)


class RewardViewSet(viewsets.ReadOnlyModelViewSet):
    """What points buy (the catalogue is head office's, the same for every store)."""

    queryset = PointsReward.objects.filter(is_active=True)
    serializer_class = RewardSerializer


class RedemptionViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = PointsRedemption.objects.all()
    serializer_class = RedemptionSerializer
    filterset_class = RedemptionFilter

    def get_serializer_class(self):
        return ReverseInputSerializer if self.action == "reverse" else RedemptionSerializer

    @extend_schema(request=ReverseInputSerializer, responses=RedemptionSerializer)
    @action(detail=True, methods=["post"])
    def reverse(self, request, pk=None):
        redemption = self.get_object()
        _writable_customer(request, redemption.customer_id)  # the same as the row's scope today; kept explicit
        serializer = ReverseInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            redemption = points_redemption_reverse(redemption=redemption, reason=serializer.validated_data["reason"],
                                                   actor=request.user, staff=_staff(request))
        except CustomerError as exc:
            raise refused(exc) from exc
        return Response(RedemptionSerializer(redemption).data)


# --- reviews -------------------------------------------------------------------------------------


class ReviewViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Reviews in scope; head office also sees hidden ones and can hide or show them again."""

    queryset = Review.objects.all()
    serializer_class = ReviewSerializer
    filterset_class = ReviewFilter
    ordering_fields = ["created_at", "rating"]

    def get_queryset(self):
        queryset = super().get_queryset()
        if scope_of(self.request.user).level is not Level.ALL:
            queryset = queryset.filter(is_hidden=False)
        return queryset

    @extend_schema(request=None, responses=ReviewSerializer)
    @action(detail=True, methods=["post"])
    def hide(self, request, pk=None):
        review = self.get_object()
        hidden = str(request.data.get("hidden", "true")).lower() not in {"false", "0", "no"}
        try:
            review = review_hide(review=review, actor=request.user, hidden=hidden)
        except CustomerError as exc:
            from rest_framework.exceptions import PermissionDenied

            raise PermissionDenied(str(exc)) from exc
        return Response(ReviewSerializer(review).data)


class TeamReputationView(APIView):
    """Per installation team, from the reviews in the caller's scope: average, count,
    distribution (5..1 stars) and the newest comments."""

    serializer_class = ReputationSerializer

    @extend_schema(responses=ReputationSerializer(many=True))
    def get(self, request):
        reputations = team_reputation(reviews=visible_reviews(request.user), recent=5)
        return Response(ReputationSerializer(reputations, many=True).data)


def register(router) -> None:
    """Add this module's viewsets to ``router``."""
    router.register("orders", OrderViewSet, basename="order")
    router.register("points-rewards", RewardViewSet, basename="points-reward")
    router.register("points-redemptions", RedemptionViewSet, basename="points-redemption")
    router.register("reviews", ReviewViewSet, basename="review")


urlpatterns: list = [
    path("customers/<int:pk>/points/", CustomerPointsView.as_view(), name="customer-points"),
    path("customers/<int:pk>/stored-value/", CustomerStoredValueView.as_view(), name="customer-stored-value"),
    path("customers/<int:pk>/balances/", CustomerBalancesView.as_view(), name="customer-balances"),
    path("customers/<int:pk>/redeem/", CustomerRedeemView.as_view(), name="customer-redeem"),
    path("installation-teams/reputation/", TeamReputationView.as_view(), name="installation-team-reputation"),
]
