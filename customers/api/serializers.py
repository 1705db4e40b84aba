from rest_framework import serializers

from customers.models import Customer


class CustomerSerializer(serializers.ModelSerializer):
    # Full numbers are never listed; revealing one is an audited action of its own (CUS-11).
    mobile = serializers.CharField(source="masked_mobile", read_only=True)
    store_name = serializers.CharField(source="store.name", read_only=True, default=None)
    owner_assistant_name = serializers.CharField(source="owner_assistant.name", read_only=True, default=None)

    class Meta:
        model = Customer
        fields = [
            "id", "name", "gender", "mobile", "community", "source", "store", "store_name",
            "owner_assistant", "owner_assistant_name", "openid", "unionid", "is_wecom_friend",
            "intent_grade", "member_level", "created_at",
        ]
        read_only_fields = fields
