from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from stores.models import Region, Staff, Store


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "name", "code"]


class StoreSerializer(serializers.ModelSerializer):
    region_name = serializers.CharField(source="region.name", read_only=True)

    class Meta:
        model = Store
        fields = [
            "id", "code", "name", "region", "region_name", "city", "address", "phone",
            "opening_hours", "wifi_ssid", "is_active",
        ]


class StaffSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    role_display = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = Staff
        fields = [
            "id", "username", "name", "role", "role_display", "region", "store", "job_number",
            "phone", "wechat_id", "wecom_userid", "is_active",
        ]
        read_only_fields = ["username"]

    def validate(self, attrs):
        # The role decides where a member of staff belongs; check it as the admin form does.
        current = {f: getattr(self.instance, f) for f in ("role", "region", "store")} if self.instance else {}
        try:
            Staff(**{**current, **attrs}).clean()
        except DjangoValidationError as exc:
            raise serializers.ValidationError(serializers.as_serializer_error(exc)) from exc
        return attrs
