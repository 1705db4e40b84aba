from decimal import Decimal

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from . import qr_render, services
from .admin_base import ScopedModelAdmin
from .models import (Case, CasePicture, DutyShift, EffectPicture, HeadOffice, InstallationTeam, Product, QRCode, Region,
                     Solution, Staff, Store, Style)

admin.site.site_header = _("StoreLink head office")
admin.site.site_title = _("StoreLink")
admin.site.index_title = _("Head-office administration")


@admin.register(HeadOffice)
class HeadOfficeAdmin(admin.ModelAdmin):
    list_display = ["name", "service_phone", "protection_days", "contact_interval_days"]
    fieldsets = [
        (None, {"fields": ["name", "logo", "service_phone", "protection_days"]}),
        # Read at every dispatch and customer list, so a change applies at once (INV-11, seed 003).
        (_("Customer invitation"), {"fields": ["contact_interval_days", "daily_call_target",
                                               "daily_group_invitation_target"]}),
        (_("Interaction radar"), {"fields": ["radar_remind_minutes", "radar_quiet_from", "radar_quiet_until"]}),
    ]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        from customers.attribution import protection_days_changed

        protection_days_changed()

    def has_add_permission(self, request):
        return not HeadOffice.objects.exists()


class StoreInline(admin.TabularInline):
    model = Store
    fields = ["code", "name", "city", "is_active"]
    extra = 0
    show_change_link = True


@admin.register(Region)
class RegionAdmin(ScopedModelAdmin):
    list_display = ["name", "code", "store_count"]
    search_fields = ["name", "code"]
    inlines = [StoreInline]

    @admin.display(description=_("stores"))
    def store_count(self, obj):
        return obj.stores.count()


@admin.register(Store)
class StoreAdmin(ScopedModelAdmin):
    list_display = ["name", "code", "region", "city", "phone", "is_active"]
    list_filter = ["region", "city", "is_active"]
    search_fields = ["name", "code", "city", "address"]
    list_select_related = ["region"]
    fieldsets = [
        (None, {"fields": ["region", "name", "code", "is_active"]}),
        (_("Location and contact"), {"fields": ["city", "address", "phone", "opening_hours", "photo"]}),
        (_("Wi-Fi"), {"fields": ["wifi_ssid", "wifi_password"]}),
    ]


class StaffCreationForm(forms.ModelForm):
    username = forms.CharField(label=_("Login name"), max_length=150)
    password = forms.CharField(label=_("Initial password"), widget=forms.PasswordInput, min_length=8)

    class Meta:
        model = Staff
        fields = ["name", "role", "region", "store", "job_number", "phone", "wechat_id", "wecom_userid"]

    def clean_username(self):
        username = self.cleaned_data["username"]
        if get_user_model().objects.filter(username=username).exists():
            raise forms.ValidationError(_("This login name is taken."))
        return username


@admin.register(Staff)
class StaffAdmin(ScopedModelAdmin):
    list_display = ["job_number", "name", "role", "store", "region", "phone", "is_active"]
    list_filter = ["role", "is_active", "store__region", "store"]
    search_fields = ["name", "job_number", "phone", "user__username"]
    list_select_related = ["store", "region", "user"]
    readonly_fields = ["user"]
    actions = ["deactivate"]
    fields = [
        "user", "name", "role", "region", "store", "job_number", "phone", "avatar",
        "wechat_id", "wecom_userid", "is_active", "joined_on", "left_on",
    ]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = StaffCreationForm
            kwargs["fields"] = None
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["username", "password", *StaffCreationForm.Meta.fields]
        return self.fields

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            services.staff_update(staff=obj, **{f: form.cleaned_data[f] for f in form.changed_data
                                               if f in services.STAFF_EDITABLE})
            return
        data = form.cleaned_data
        created = services.staff_create(
            username=data["username"],
            password=data["password"],
            name=data["name"],
            role=data["role"],
            job_number=data["job_number"],
            store=data.get("store"),
            region=data.get("region"),
            phone=data.get("phone", ""),
        )
        # The admin logs and redirects with the unsaved instance it built: point it at the row.
        obj.pk, obj.user_id, obj._state.adding = created.pk, created.user_id, False

    @admin.action(description=_("Mark as left (disable login)"))
    def deactivate(self, request, queryset):
        for staff in queryset:
            services.staff_deactivate(staff=staff)


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["sku", "name", "category", "price", "is_active"]
    list_filter = ["category", "is_active"]
    search_fields = ["sku", "name"]


@admin.register(QRCode)
class QRCodeAdmin(ScopedModelAdmin):
    list_display = ["preview", "label", "target_type", "store", "staff", "assignment", "is_active", "downloads"]
    list_filter = ["target_type", "is_active", "assignment", "store"]
    search_fields = ["label", "token", "store__name", "staff__name"]
    list_select_related = ["store", "staff"]
    readonly_fields = ["token", "scan_url", "preview", "downloads", "created_at"]
    raw_id_fields = ["staff", "backup_staff"]
    actions = ["make_wechat_codes"]

    @admin.action(description=_("Make WeChat parametric codes (follow the account on scan)"))
    def make_wechat_codes(self, request, queryset):
        from django.db import transaction

        from .tasks import qr_codes_make_wechat

        ids = list(queryset.filter(wechat_ticket="").values_list("pk", flat=True))
        transaction.on_commit(lambda: qr_codes_make_wechat.delay(ids))
        self.message_user(request, _("%(n)d WeChat codes are being made.") % {"n": len(ids)})
    fieldsets = [
        (None, {"fields": ["label", "target_type", "target_content_type", "target_id", "is_active"]}),
        (_("Attribution"), {"fields": ["store", "staff", "assignment", "daily_cap", "backup_staff",
                                       "welcome_message"]}),
        (_("Code"), {"fields": ["token", "scan_url", "preview", "downloads", "created_at"]}),
    ]

    @admin.display(description=_("code"))
    def preview(self, obj):
        if not obj.pk:
            return "—"
        return format_html('<img src="{}" width="72" height="72" alt="">', reverse("qrcodes:png", args=[obj.pk]))

    @admin.display(description=_("download"))
    def downloads(self, obj):
        if not obj.pk:
            return "—"
        return format_html(
            '<a href="{}">PNG</a> · <a href="{}">SVG</a> · <a href="{}" target="_blank">{}</a>',
            reverse("qrcodes:png", args=[obj.pk]), reverse("qrcodes:svg", args=[obj.pk]),
            reverse("qrcodes:poster", args=[obj.pk]), _("poster"),
        )

    @admin.display(description=_("URL"))
    def scan_url(self, obj):
        return qr_render.code_url(obj.token) if obj.pk else "—"


def _generate_codes(modeladmin, request, queryset, target_type=None):
    made = 0
    for target in queryset:
        before = QRCode.objects.count()
        services.qr_code_for(target, target_type=target_type)
        made += QRCode.objects.count() - before
    modeladmin.message_user(request, _("%(n)d new codes; targets that had one keep it.") % {"n": made})


@admin.action(description=_("Make QR codes (store and Wi-Fi)"))
def make_store_codes(modeladmin, request, queryset):
    _generate_codes(modeladmin, request, queryset)
    _generate_codes(modeladmin, request, queryset, target_type="wifi")


@admin.action(description=_("Make QR codes"))
def make_codes(modeladmin, request, queryset):
    _generate_codes(modeladmin, request, queryset)


StoreAdmin.actions = [make_store_codes]
StaffAdmin.actions = [*StaffAdmin.actions, make_codes]
ProductAdmin.actions = [make_codes]


# --- Digital store (ORG-4): styles, effect pictures, solutions, cases ------------------------------


def _thumbnail(image, size=48):
    if not image:
        return "—"
    return format_html('<img src="{}" width="{}" style="aspect-ratio:3/2;object-fit:cover;border-radius:4px" alt="">',
                       image.url, size)


@admin.register(Style)
class StyleAdmin(admin.ModelAdmin):
    list_display = ["name", "position"]
    list_editable = ["position"]
    search_fields = ["name"]


class EffectPictureInline(admin.TabularInline):
    """Effect pictures on the product page: one per style, switched on the customer's phone (QR-5)."""

    model = EffectPicture
    fields = ["style", "image", "preview", "caption"]
    readonly_fields = ["preview"]
    extra = 0

    @admin.display(description=_("preview"))
    def preview(self, obj):
        return _thumbnail(obj.image, 96)


ProductAdmin.inlines = [*ProductAdmin.inlines, EffectPictureInline]


def _code_links(target, target_type):
    code = QRCode.objects.filter(target_content_type=ContentType.objects.get_for_model(target), target_id=target.pk,
                                 target_type=target_type, is_active=True).order_by("pk").first()
    if code is None:
        return _("No code yet: use the action “Make QR codes” on the list.")
    return format_html(
        '<img src="{}" width="96" height="96" alt=""><br><a href="{}">PNG</a> · <a href="{}">SVG</a> · '
        '<a href="{}" target="_blank">{}</a>',
        reverse("qrcodes:png", args=[code.pk]), reverse("qrcodes:png", args=[code.pk]),
        reverse("qrcodes:svg", args=[code.pk]), reverse("qrcodes:poster", args=[code.pk]), _("poster"),
    )


@admin.register(Solution)
class SolutionAdmin(ScopedModelAdmin):
    list_display = ["name", "thumbnail", "room", "style", "price_from", "price_to", "store", "is_active", "position"]
    list_filter = ["room", "style", "is_active", "store"]
    list_select_related = ["style", "store"]
    search_fields = ["name", "description"]
    filter_horizontal = ["products"]
    readonly_fields = ["cover_preview", "products_total", "qr_code", "page_link"]
    actions = [make_codes]
    fieldsets = [
        (None, {"fields": ["name", "room", "style", "store", "is_active", "position"]}),
        (_("Content"), {"fields": ["description", "cover", "cover_preview", "video_url"]}),
        (_("Products and price"), {"fields": ["products", "products_total", "price_from", "price_to"]}),
        (_("Customer page and code"), {"fields": ["page_link", "qr_code"]}),
    ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "video_url":
            kwargs["assume_scheme"] = "https"  # what a pasted "v.qq.com/..." means
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description=_("cover"))
    def thumbnail(self, obj):
        return _thumbnail(obj.cover)

    @admin.display(description=_("cover preview"))
    def cover_preview(self, obj):
        return _thumbnail(obj.cover, 240)

    @admin.display(description=_("list price of the products (CNY)"))
    def products_total(self, obj):
        if not obj.pk:
            return "—"
        return sum((p.price for p in obj.products.all()), Decimal("0.00"))

    @admin.display(description=_("QR code"))
    def qr_code(self, obj):
        return _code_links(obj, QRCode.TargetType.SOLUTION) if obj.pk else "—"

    @admin.display(description=_("customer page"))
    def page_link(self, obj):
        if not obj.pk:
            return "—"
        url = reverse("h5:solution", args=[obj.pk])
        return format_html('<a href="{}" target="_blank">{}</a>', url, url)


class CasePictureInline(admin.TabularInline):
    model = CasePicture
    fields = ["position", "image", "preview", "caption"]
    readonly_fields = ["preview"]
    extra = 1

    @admin.display(description=_("preview"))
    def preview(self, obj):
        return _thumbnail(obj.image, 96)


@admin.register(Case)
class CaseAdmin(ScopedModelAdmin):
    list_display = ["title", "store", "community", "area", "room", "style", "solution", "completed_on", "is_active"]
    list_filter = ["room", "style", "is_active", "store__region", "store"]
    list_select_related = ["store", "style", "solution"]
    search_fields = ["title", "community", "description"]
    filter_horizontal = ["products"]
    raw_id_fields = ["designer"]
    date_hierarchy = "completed_on"
    inlines = [CasePictureInline]
    readonly_fields = ["page_link"]
    fieldsets = [
        (None, {"fields": ["title", "store", "is_active"]}),
        (_("The home"), {"fields": ["community", "area", "room", "style", "completed_on", "designer"]}),
        (_("Content"), {"fields": ["description", "solution", "products", "page_link"]}),
    ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "solution":
            # Head office's solutions serve every store; a store's own only that store.
            kwargs["queryset"] = Solution.objects.filter(
                Q(store__isnull=True) | Q(pk__in=Solution.objects.visible_to(request.user).values("pk")))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("customer page"))
    def page_link(self, obj):
        if not obj.pk:
            return "—"
        url = reverse("h5:case", args=[obj.pk])
        return format_html('<a href="{}" target="_blank">{}</a>', url, url)


@admin.register(DutyShift)
class DutyShiftAdmin(ScopedModelAdmin):
    """The duty roster: store codes set to "on duty" give new customers to these assistants."""

    list_display = ["date", "store", "staff"]
    list_filter = ["store", "date"]
    date_hierarchy = "date"
    list_select_related = ["store", "staff"]


class InstallationTeamMemberInline(admin.TabularInline):
    model = Staff
    fk_name = "installation_team"
    fields = ["name", "job_number", "role", "store", "is_active"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name = _("installer")
    verbose_name_plural = _("installers (set a staff member's team on their own page)")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(InstallationTeam)
class InstallationTeamAdmin(admin.ModelAdmin):
    """Third-party installation teams (seed 001); their reputation is on the dashboard."""

    list_display = ["name", "company", "contact_name", "phone", "is_active"]
    list_filter = ["is_active", "stores"]
    search_fields = ["name", "company", "contact_name"]
    filter_horizontal = ["stores"]
    inlines = [InstallationTeamMemberInline]
