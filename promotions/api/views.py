"""API of promotions (PRO-1..3). Lists and details read through ``visible_to`` (out of scope is 404
like missing); writes go through ``promotions.services``.

* ``GET promotions/activities/``, ``promotions/coupon-definitions/`` (filter ``activity``): what
  runs in the caller's stores (read only; head office edits them in the admin).
* ``GET promotions/coupons/?customer=<id>`` (``status``, ``definition``): a customer's coupons as
  the caller may see them. The code is masked: it is the coupon itself, shown only to its holder.
* ``POST promotions/redemptions/verify/`` {code} → 200 {coupon, value, holder, valid_until}: what
  the customer gets and whose coupon it is (masked), without redeeming.
* ``POST promotions/redemptions/`` {code} → 201 the redemption, in the caller's store, by them.
* ``GET promotions/redemptions/`` (filters ``store``, ``assistant``, ``definition``, ``status``,
  ``since``, ``until``) and ``promotions/redemptions/<id>/``.
* ``POST promotions/redemptions/<id>/reverse/`` {reason} → the reversed redemption (the manager
  of its store only).
* ``GET promotions/draws/`` (filters ``activity``, ``outcome``, ``customer``, ``prize``) and
  ``promotions/draws/<id>/``: the draws audit (PRO-4) as the caller may see it (by the drawing
  customer's store and owner): number drawn, pool at the draw, outcome, prize and coupon; the
  customer masked.

Refusals answer {detail} in the caller's language: 400 for a bad code or state (mistyped,
unknown, used, expired, other store, past stock), 403 when the caller may not do this at all.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from stores.api.base import ScopedQuerysetMixin

from ..codes import code_masked
from ..display import coupon_value_text, definition_validity_text
from ..errors import PromotionError, PromotionForbidden
from ..filters import CouponDefinitionFilter, CouponFilter, RedemptionFilter
from ..models import Activity, Coupon, CouponDefinition, Draw
from ..selectors import redemptions_visible
from ..services import coupon_redeem, coupon_verify, holder_text, redemption_reverse


def refused(exc: PromotionError):
    if isinstance(exc, PromotionForbidden):
        return PermissionDenied(str(exc))
    return ValidationError({"detail": str(exc)})


class ActivitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Activity
        fields = ["id", "name", "kind", "status", "summary", "starts_on", "ends_on", "all_stores", "stores",
                  "community", "draws_per_day"]
        read_only_fields = fields


class CouponDefinitionSerializer(serializers.ModelSerializer):
    value = serializers.SerializerMethodField()
    validity_text = serializers.SerializerMethodField()

    class Meta:
        model = CouponDefinition
        fields = ["id", "activity", "name", "kind", "value", "amount_off", "discount_rate", "max_discount",
                  "min_spend", "item", "product", "group_price", "validity", "valid_from", "valid_until",
                  "valid_days", "validity_text", "stock_total", "stock_remaining", "per_customer_limit",
                  "all_stores", "stores", "is_active"]
        read_only_fields = fields

    def get_value(self, definition) -> str:
        return coupon_value_text(definition)

    def get_validity_text(self, definition) -> str:
        return definition_validity_text(definition)


class CouponSerializer(serializers.ModelSerializer):
    code = serializers.SerializerMethodField()
    name = serializers.CharField(source="definition.name", read_only=True)
    value = serializers.SerializerMethodField()

    class Meta:
        model = Coupon
        fields = ["id", "definition", "name", "value", "customer", "code", "status", "source", "claimed_at",
                  "valid_from", "valid_until", "redeemed_at", "redeemed_store", "redeemed_by"]
        read_only_fields = fields

    def get_code(self, coupon) -> str:
        return code_masked(coupon.code)

    def get_value(self, coupon) -> str:
        return coupon_value_text(coupon.definition)


class CouponRedemptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    coupon = serializers.IntegerField(source="coupon_id")
    name = serializers.CharField(source="coupon.definition.name")
    value = serializers.SerializerMethodField()
    holder = serializers.SerializerMethodField()
    customer = serializers.IntegerField(source="coupon.customer_id")
    store = serializers.IntegerField(source="store_id")
    store_name = serializers.CharField(source="store.name")
    assistant = serializers.IntegerField(source="assistant_id")
    assistant_name = serializers.CharField(source="assistant.name")
    redeemed_at = serializers.DateTimeField()
    status = serializers.CharField()
    reversed_at = serializers.DateTimeField()
    reversed_by = serializers.IntegerField(source="reversed_by_id")
    reversal_reason = serializers.CharField()

    def get_value(self, redemption) -> str:
        return coupon_value_text(redemption.coupon.definition)

    def get_holder(self, redemption) -> str:
        return holder_text(redemption.coupon.customer)


class CouponCodeSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=40)


class ReversalReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, allow_blank=True)


class CouponVerifiedSerializer(serializers.Serializer):
    coupon = serializers.IntegerField(source="coupon.pk")
    name = serializers.CharField(source="coupon.definition.name")
    value = serializers.CharField()
    holder = serializers.CharField()
    valid_until = serializers.DateField(source="coupon.valid_until")


class DrawSerializer(serializers.ModelSerializer):
    activity_name = serializers.CharField(source="activity.name", read_only=True)
    holder = serializers.SerializerMethodField()
    prize_name = serializers.CharField(source="prize.name", read_only=True, default=None)

    class Meta:
        model = Draw
        fields = ["id", "activity", "activity_name", "customer", "holder", "day", "drawn_at", "number", "pool",
                  "outcome", "prize", "prize_name", "coupon", "reason"]
        read_only_fields = fields

    def get_holder(self, draw) -> str:
        return holder_text(draw.customer)


class DrawViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Draw.objects.select_related("activity", "customer", "prize").order_by("-drawn_at", "-pk")
    serializer_class = DrawSerializer
    filterset_fields = ["activity", "outcome", "customer", "prize"]


class ActivityViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Activity.objects.prefetch_related("stores").order_by("-starts_on", "-pk")
    serializer_class = ActivitySerializer
    filterset_fields = ["kind", "status"]


class CouponDefinitionViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = CouponDefinition.objects.prefetch_related("stores").order_by("position", "pk")
    serializer_class = CouponDefinitionSerializer
    filterset_class = CouponDefinitionFilter


class CouponViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Coupon.objects.select_related("definition").order_by("-claimed_at", "-pk")
    serializer_class = CouponSerializer
    filterset_class = CouponFilter

    def get_queryset(self):
        return super().get_queryset().distinct()  # OR-ed scope paths may join a row twice


class RedemptionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = CouponRedemptionSerializer
    filterset_class = RedemptionFilter

    def get_queryset(self):
        return redemptions_visible(self.request.user).order_by("-redeemed_at", "-pk")

    def _one(self, redemption, code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=redemption.pk)
        return Response(CouponRedemptionSerializer(fresh).data, status=code)

    @extend_schema(request=CouponCodeSerializer, responses={201: CouponRedemptionSerializer})
    def create(self, request):
        data = CouponCodeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            redemption = coupon_redeem(code=data.validated_data["code"], actor=request.user)
        except PromotionError as exc:
            raise refused(exc) from None
        return self._one(redemption, status.HTTP_201_CREATED)

    @extend_schema(request=CouponCodeSerializer, responses={200: CouponVerifiedSerializer})
    @action(detail=False, methods=["post"])
    def verify(self, request):
        data = CouponCodeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            verified = coupon_verify(code=data.validated_data["code"], actor=request.user)
        except PromotionError as exc:
            raise refused(exc) from None
        return Response(CouponVerifiedSerializer(verified).data)

    @extend_schema(request=ReversalReasonSerializer, responses={200: CouponRedemptionSerializer})
    @action(detail=True, methods=["post"])
    def reverse(self, request, pk=None):
        redemption = self.get_object()
        data = ReversalReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            redemption = redemption_reverse(redemption=redemption, actor=request.user,
                                            reason=data.validated_data["reason"])
        except PromotionError as exc:
            raise refused(exc) from None
        return self._one(redemption)


def register(router) -> None:
    router.register("promotions/activities", ActivityViewSet, basename="promotion-activity")
    router.register("promotions/coupon-definitions", CouponDefinitionViewSet, basename="coupon-definition")
    router.register("promotions/coupons", CouponViewSet, basename="coupon")
    router.register("promotions/redemptions", RedemptionViewSet, basename="coupon-redemption")
    router.register("promotions/draws", DrawViewSet, basename="promotion-draw")
