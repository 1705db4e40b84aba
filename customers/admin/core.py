from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from stores.admin_base import ScopedModelAdmin
from stores.admin import QRCodeAdmin
from stores.models import Role, Staff

from ..attribution import customer_reassign
from ..errors import CustomerError
from .filters import FollowUpDueListFilter, TagListFilter
from ..models import (CodeTag, Customer, CustomerTag, Favourite, OwnerChange, PageView, ScanEvent, Share,
                     ShareOpen, Tag)
from .privacy import CustomerPrivacyAdminMixin
from .profile import CustomerProfileAdminMixin


class OwnerChangeInline(admin.TabularInline):
    model = OwnerChange
    fields = ["changed_at", "reason", "from_store", "to_store", "from_assistant", "to_assistant", "note", "changed_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-changed_at"]

    def has_add_permission(self, request, obj=None):
        return False


class ReassignForm(forms.Form):
    assistant = forms.ModelChoiceField(
        queryset=Staff.objects.filter(role=Role.ASSISTANT, is_active=True).select_related("store"),
        label=_("New owner assistant"),
    )
    note = forms.CharField(label=_("Reason"), max_length=200)


@admin.register(Customer)
class CustomerAdmin(CustomerPrivacyAdminMixin, CustomerProfileAdminMixin, ScopedModelAdmin):
    list_display = ["name", "masked_mobile", "store", "owner_assistant", "intent_grade", "source", "created_at"]
    list_filter = ["intent_grade", "decoration_status", FollowUpDueListFilter, TagListFilter, "is_wecom_friend",
                   "source", "store__region", "store"]
    search_fields = ["name", "=mobile", "openid", "unionid", "community"]  # whole numbers only (CUS-11)
    list_select_related = ["store", "owner_assistant"]
    raw_id_fields = ["owner_assistant"]
    readonly_fields = ["reassign_link"]
    inlines = [OwnerChangeInline]
    show_full_result_count = False  # a COUNT(*) over a million rows on every page is not worth it

    def get_urls(self):
        reassign = path("<path:object_id>/reassign/", self.admin_site.admin_view(self.reassign_view),
                        name="customers_customer_reassign")
        return [reassign, *super().get_urls()]

    @admin.display(description=_("attribution"))
    def reassign_link(self, obj):
        if not obj.pk:
            return "—"
        return format_html('<a class="button" href="{}">{}</a>',
                           reverse("admin:customers_customer_reassign", args=[obj.pk]),
                           _("Reassign to another assistant"))

    def reassign_view(self, request, object_id):
        """Head office moves a customer to another assistant (and store); the reason is kept."""
        customer = self.get_object(request, object_id)
        if customer is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        form = ReassignForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                customer_reassign(customer=customer, assistant=form.cleaned_data["assistant"], actor=request.user,
                                  note=form.cleaned_data["note"])
            except CustomerError as error:
                form.add_error(None, str(error))
            else:
                self.message_user(request, _("Customer reassigned."), messages.SUCCESS)
                return redirect("admin:customers_customer_change", customer.pk)
        context = {**self.admin_site.each_context(request), "opts": self.opts, "original": customer, "form": form,
                   "title": _("Reassign %(customer)s") % {"customer": customer}}
        return TemplateResponse(request, "admin/customers/reassign.html", context)


# Orders: customers/admin/orders.py (with items, payments and logistics).


class _ReadOnly(ScopedModelAdmin):
    show_full_result_count = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ShareOpenInline(admin.TabularInline):
    model = ShareOpen
    fields = ["opened_at", "customer", "is_new_customer", "bound", "user_agent"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Share)
class ShareAdmin(_ReadOnly):
    list_display = ["created_at", "sharer", "page_type", "page_id", "open_count", "token"]
    list_filter = ["page_type"]
    list_select_related = ["sharer"]
    search_fields = ["token", "sharer__name"]
    date_hierarchy = "created_at"
    inlines = [ShareOpenInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(open_count=Count("opens"))

    @admin.display(description=_("opens"), ordering="open_count")
    def open_count(self, obj):
        return obj.open_count


@admin.register(PageView)
class PageViewAdmin(_ReadOnly):
    list_display = ["viewed_at", "customer", "page_type", "page_id"]
    list_filter = ["page_type"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer"]
    date_hierarchy = "viewed_at"


@admin.register(Favourite)
class FavouriteAdmin(_ReadOnly):
    list_display = ["created_at", "customer", "page_type", "page_id"]
    list_filter = ["page_type"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer"]


@admin.register(ScanEvent)
class ScanEventAdmin(_ReadOnly):
    list_display = ["scanned_at", "qr_code", "customer", "store", "staff", "channel", "bound"]
    list_filter = ["channel", "bound", "target_type", "store"]
    list_select_related = ["qr_code", "customer", "store", "staff"]
    date_hierarchy = "scanned_at"


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "customer_count", "created_at"]
    search_fields = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(customer_count=Count("customer_links"))

    @admin.display(description=_("customers"), ordering="customer_count")
    def customer_count(self, obj):
        return obj.customer_count


class CustomerTagInline(admin.TabularInline):
    model = CustomerTag
    fields = ["tag", "source", "added_at"]
    readonly_fields = ["added_at"]
    extra = 0


class CodeTagInline(admin.TabularInline):
    """Tags given to everyone who scans this code (shown on the QR code's admin page)."""

    model = CodeTag
    extra = 1


CustomerAdmin.inlines = [*CustomerAdmin.inlines, CustomerTagInline]
# The code's page belongs to stores, which must not import customers: the inline is added from here.
QRCodeAdmin.inlines = [*QRCodeAdmin.inlines, CodeTagInline]
