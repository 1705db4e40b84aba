from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from django.urls import reverse

from stores.models import QRCode, Region, Staff, Store
from stores.qr_render import code_url


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


class QRCodeSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="The absolute URL the printed code carries.")
    scene = serializers.CharField(read_only=True, help_text="scene_str of the WeChat parametric code.")
    png = serializers.SerializerMethodField()
    svg = serializers.SerializerMethodField()
    wechat_qr_url = serializers.SerializerMethodField(
        help_text="Image of the WeChat parametric code (follow + scene), once head office made one.")

    class Meta:
        model = QRCode
        fields = [
            "id", "token", "url", "scene", "target_type", "target_id", "label", "store", "staff", "assignment",
            "welcome_message", "is_active", "png", "svg", "wechat_qr_url", "created_at",
        ]
        read_only_fields = fields

    def get_url(self, code) -> str:
        return code_url(code.token)

    def get_wechat_qr_url(self, code) -> str | None:
        from wechat.scene_codes import wechat_scene_code_url

        return wechat_scene_code_url(code)

    def get_png(self, code) -> str:
        return self.context["request"].build_absolute_uri(reverse("qrcodes:png", args=[code.pk]))

    def get_svg(self, code) -> str:
        return self.context["request"].build_absolute_uri(reverse("qrcodes:svg", args=[code.pk]))
