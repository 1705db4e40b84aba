from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from customers.lists import summary_of
from customers.models import Customer, CustomerProfile, CustomerTag


class CustomerTagSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="tag_id", read_only=True)
    name = serializers.CharField(source="tag.name", read_only=True)

    class Meta:
        model = CustomerTag
        fields = ["id", "name", "source", "added_at"]
        read_only_fields = fields


class CustomerSerializer(serializers.ModelSerializer):
    """A row of the customer list: stage 1 of the profile (CUS-1), grade, tags, next follow-up."""

    # Full numbers are never listed; revealing one is an audited action of its own (CUS-11).
    mobile = serializers.CharField(source="masked_mobile", read_only=True)
    store_name = serializers.CharField(source="store.name", read_only=True, default=None)
    owner_assistant_name = serializers.CharField(source="owner_assistant.name", read_only=True, default=None)
    tags = CustomerTagSerializer(source="tag_list", many=True, read_only=True)

    class Meta:
        model = Customer
        fields = [
            "id", "name", "gender", "birthday", "age", "mobile", "community", "address", "house_handover_on",
            "decoration_status", "source", "store", "store_name", "owner_assistant", "owner_assistant_name",
            "openid", "unionid", "is_wecom_friend", "wechat_subscribed", "intent_grade", "member_level", "tags",
            "next_follow_up_on", "created_at", "updated_at",
        ]
        read_only_fields = fields


class CustomerProfileSerializer(serializers.ModelSerializer):
    """Stages 2 and 3 (CUS-2, CUS-3)."""

    style_name = serializers.CharField(source="style.name", read_only=True, default=None)
    intent_products = serializers.SerializerMethodField()

    class Meta:
        model = CustomerProfile
        fields = [
            "budget", "style", "style_name", "rooms", "categories", "house_area", "toilet_rough_in", "measurements",
            "accepts_home_measurement", "intent_products", "notes", "preferences", "household_size",
            "family_notes", "updated_at",
        ]
        read_only_fields = fields

    def get_intent_products(self, profile) -> list[dict]:
        return [{"id": p.pk, "sku": p.sku, "name": p.name} for p in profile.intent_products.all()]


class CustomerSummarySerializer(serializers.Serializer):
    """Figures read with the customer in the same query (annotations of the detail queryset)."""

    orders_count = serializers.IntegerField()
    orders_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    points_balance = serializers.IntegerField()
    stored_value_balance = serializers.DecimalField(max_digits=12, decimal_places=2)
    follow_ups_count = serializers.IntegerField()
    last_follow_up_at = serializers.DateTimeField(allow_null=True)


class CustomerDetailSerializer(CustomerSerializer):
    profile = serializers.SerializerMethodField()
    summary = serializers.SerializerMethodField()

    class Meta(CustomerSerializer.Meta):
        fields = [*CustomerSerializer.Meta.fields, "bound_at", "profile", "summary"]
        read_only_fields = fields

    @extend_schema_field(CustomerProfileSerializer(allow_null=True))
    def get_profile(self, customer):
        try:
            profile = customer.profile
        except CustomerProfile.DoesNotExist:
            return None
        return CustomerProfileSerializer(profile).data

    @extend_schema_field(CustomerSummarySerializer)
    def get_summary(self, customer):
        return CustomerSummarySerializer(summary_of(customer)).data
