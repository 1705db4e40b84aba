"""Admin for privacy (CUS-11): the audit log and consents (read-only), customers' privacy requests,
and the customer page's privacy tools: the number masked with an audited reveal, a logged
correction, the PIPL export (JSON download) and erasure (with a confirmation page)."""

import json

from django import forms
from django.contrib import admin, messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from stores.admin_base import ScopedModelAdmin

from ..errors import CustomerError
from ..models import AuditLog, Consent, MaskedContactSession, PrivacyRequest
from ..privacy import (customer_data_export, customer_erase, export_filename, is_head_office, mobile_correct,
                       mobile_reveal, reveals_left_today, reveals_per_day)


class _HeadOfficeReadOnly(ScopedModelAdmin):
    """Lists head office reads and nobody edits (append-only records)."""

    show_full_result_count = False

    def has_view_permission(self, request, obj=None):
        return is_head_office(request.user)

    def has_module_permission(self, request):
        return is_head_office(request.user)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditLog)
class AuditLogAdmin(_HeadOfficeReadOnly):
    list_display = ["created_at", "action", "actor_name", "customer_link", "rows", "ip_address"]
    list_filter = ["action", "created_at", ("actor", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["actor_name", "=customer_ref"]
    date_hierarchy = "created_at"
    fields = ["created_at", "action", "actor", "actor_name", "customer_ref", "rows", "detail", "ip_address"]
    readonly_fields = fields

    @admin.display(description=_("customer"), ordering="customer_ref")
    def customer_link(self, obj):
        if obj.customer_ref is None:
            return "—"
        return format_html('<a href="{}">#{}</a>', reverse("admin:customers_customer_change", args=[obj.customer_ref]),
                           obj.customer_ref)


@admin.register(Consent)
class ConsentAdmin(_HeadOfficeReadOnly):
    list_display = ["recorded_at", "customer", "purpose", "granted", "source", "recorded_by"]
    list_filter = ["purpose", "granted", "source", "recorded_at"]
    list_select_related = ["customer", "recorded_by"]
    search_fields = ["=customer__id"]
    date_hierarchy = "recorded_at"


@admin.register(MaskedContactSession)
class MaskedContactSessionAdmin(_HeadOfficeReadOnly):
    list_display = ["created_at", "customer", "staff", "virtual_number", "expires_at"]
    list_select_related = ["customer", "staff"]
    date_hierarchy = "created_at"


@admin.register(PrivacyRequest)
class PrivacyRequestAdmin(_HeadOfficeReadOnly):
    """Requests customers made on their privacy page; the customer's page has the tools to answer."""

    list_display = ["requested_at", "kind", "status", "customer_tools", "handled_at", "handled_by"]
    list_filter = ["status", "kind"]
    list_select_related = ["customer", "handled_by"]

    @admin.display(description=_("customer"))
    def customer_tools(self, obj):
        if obj.customer_id is None:
            return "—"
        url = reverse("admin:customers_customer_pipl_export" if obj.kind == PrivacyRequest.Kind.COPY
                      else "admin:customers_customer_erase", args=[obj.customer_id])
        label = _("Download the data") if obj.kind == PrivacyRequest.Kind.COPY else _("Erase…")
        return format_html('#{} · <a href="{}">{}</a>', obj.customer_id, url, label)


class ConsentInline(admin.TabularInline):
    model = Consent
    fields = ["recorded_at", "purpose", "granted", "source", "policy_version", "recorded_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-recorded_at", "-id"]
    verbose_name_plural = _("consent history")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class MobileCorrectForm(forms.Form):
    mobile = forms.CharField(label=_("New mobile number"), max_length=11, min_length=11)


class CustomerPrivacyAdminMixin:
    """On the customer's change page the number is masked: revealing it is an audited action, and a
    correction is typed without seeing the old number. Erased customers are read-only."""

    # Changed only through the privacy services: the opt-out follows consent, erasure sets erased_at.
    privacy_fields = ["mobile_masked", "privacy_tools", "marketing_opt_out", "erased_at"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        result = [(name, {**options, "fields": [f for f in options.get("fields", []) if f not in (
            "mobile", "mobile_masked")]}) for name, options in fieldsets]
        # The masked number stands where the mobile field stood among the model's fields: after the age.
        target = next((options for _name, options in result if "age" in options["fields"]), result[0][1])
        fields = target["fields"]
        at = fields.index("age") + 1 if "age" in fields else len(fields)
        target["fields"] = [*fields[:at], "mobile_masked", *fields[at:]]
        flat = [f for _name, options in result for f in options["fields"]]
        if "privacy_tools" not in flat:
            result[-1][1]["fields"] = [*result[-1][1]["fields"], "privacy_tools"]
        return result

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        extra = self.privacy_fields if obj is not None else ["erased_at"]
        return [*readonly, *[f for f in extra if f not in readonly]]

    def get_exclude(self, request, obj=None):
        exclude = list(super().get_exclude(request, obj) or [])
        return [*exclude, "mobile"] if obj is not None else exclude or None

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.erased_at is not None:
            return False
        return super().has_change_permission(request, obj)

    def get_inlines(self, request, obj):
        inlines = list(super().get_inlines(request, obj))
        return [*inlines, ConsentInline] if obj is not None else inlines

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not is_head_office(request.user):
            actions.pop("pipl_export_action", None)
            actions.pop("pipl_erase_action", None)
        return actions

    @admin.display(description=_("mobile"))
    def mobile_masked(self, obj):
        if obj.erased_at is not None:
            return _("erased")
        if not obj.mobile:
            return format_html('— <a href="{}">{}</a>', reverse("admin:customers_customer_mobile_correct", args=[obj.pk]),
                               _("Add a number"))
        return format_html(
            '{} <a class="button" href="{}">{}</a> <a href="{}">{}</a>', obj.masked_mobile,
            reverse("admin:customers_customer_reveal_mobile", args=[obj.pk]), _("Reveal (logged)"),
            reverse("admin:customers_customer_mobile_correct", args=[obj.pk]), _("Correct the number"))

    @admin.display(description=_("personal data (PIPL)"))
    def privacy_tools(self, obj):
        if obj.erased_at is not None:
            return _("Erased on %(date)s") % {"date": f"{obj.erased_at:%Y-%m-%d %H:%M}"}
        return format_html(
            '<a class="button" href="{}">{}</a> <a class="button" href="{}">{}</a>',
            reverse("admin:customers_customer_pipl_export", args=[obj.pk]), _("Export this customer's data (PIPL)"),
            reverse("admin:customers_customer_erase", args=[obj.pk]), _("Erase this customer's data (PIPL)"))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/reveal-mobile/", view(self.reveal_mobile_view),
                 name="customers_customer_reveal_mobile"),
            path("<path:object_id>/correct-mobile/", view(self.mobile_correct_view),
                 name="customers_customer_mobile_correct"),
            path("<path:object_id>/pipl-export/", view(self.pipl_export_view), name="customers_customer_pipl_export"),
            path("<path:object_id>/erase/", view(self.erase_view), name="customers_customer_erase"),
            *super().get_urls(),
        ]

    def _privacy_page(self, request, customer, template, title, **context):
        context = {**self.admin_site.each_context(request), "opts": self.opts, "original": customer,
                   "title": title, **context}
        return TemplateResponse(request, template, context)

    def _customer_or_redirect(self, request, object_id):
        customer = self.get_object(request, object_id)
        if customer is None:
            return None, self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        return customer, None

    def reveal_mobile_view(self, request, object_id):
        """GET asks (and logs nothing); POST reveals and logs."""
        customer, missing = self._customer_or_redirect(request, object_id)
        if missing:
            return missing
        context = {"left": reveals_left_today(actor=request.user), "cap": reveals_per_day()}
        if request.method == "POST":
            try:
                context["revealed"] = mobile_reveal(customer=customer, actor=request.user, surface="admin",
                                                    request=request)
                context["left"] = reveals_left_today(actor=request.user)
            except CustomerError as error:
                context["error"] = str(error)
        return self._privacy_page(request, customer, "admin/customers/privacy_reveal.html",
                                  _("Reveal the mobile number of %(customer)s") % {"customer": customer}, **context)

    def mobile_correct_view(self, request, object_id):
        customer, missing = self._customer_or_redirect(request, object_id)
        if missing:
            return missing
        form = MobileCorrectForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                mobile_correct(customer=customer, actor=request.user, mobile=form.cleaned_data["mobile"],
                               request=request)
            except CustomerError as error:
                form.add_error("mobile", str(error))
            else:
                self.message_user(request, _("Mobile number corrected; the change is in the audit log."),
                                  messages.SUCCESS)
                return redirect("admin:customers_customer_change", customer.pk)
        return self._privacy_page(request, customer, "admin/customers/privacy_correct.html",
                                  _("Correct the mobile number of %(customer)s") % {"customer": customer}, form=form)

    def pipl_export_view(self, request, object_id):
        """A confirmation page; the POST downloads (and is audited, and answers copy requests)."""
        customer, missing = self._customer_or_redirect(request, object_id)
        if missing:
            return missing
        if request.method not in ("GET", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        if request.method == "GET":
            if not is_head_office(request.user):
                self.message_user(request, _("Only head office can export one customer's data."), messages.ERROR)
                return redirect("admin:customers_customer_change", customer.pk)
            return self._privacy_page(
                request, customer, "admin/customers/privacy_export.html",
                _("Export the data of %(customer)s") % {"customer": customer},
                order_count=customer.orders.count(),
                pending_copies=customer.privacy_requests.filter(
                    kind=PrivacyRequest.Kind.COPY, status=PrivacyRequest.Status.PENDING).count())
        try:
            document = customer_data_export(customer=customer, actor=request.user, request=request)
        except CustomerError as error:
            self.message_user(request, str(error), messages.ERROR)
            return redirect("admin:customers_customer_change", customer.pk)
        response = HttpResponse(json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
                                content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{export_filename(customer)}"'
        return response

    def erase_view(self, request, object_id):
        """A confirmation page; the POST erases."""
        customer, missing = self._customer_or_redirect(request, object_id)
        if missing:
            return missing
        if request.method not in ("GET", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        if request.method == "POST":
            try:
                customer_erase(customer=customer, actor=request.user, request=request)
            except CustomerError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(request, _("The customer's personal data was erased. Orders and figures stay."),
                                  messages.SUCCESS)
            return redirect("admin:customers_customer_change", customer.pk)
        return self._privacy_page(request, customer, "admin/customers/privacy_erase.html",
                                  _("Erase the data of %(customer)s") % {"customer": customer},
                                  order_count=customer.orders.count())

    @admin.action(description=_("Export this customer's data (PIPL)"))
    def pipl_export_action(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one customer to export."), messages.WARNING)
            return None
        return redirect("admin:customers_customer_pipl_export", queryset.get().pk)

    @admin.action(description=_("Erase this customer's data (PIPL)"))
    def pipl_erase_action(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one customer to erase."), messages.WARNING)
            return None
        return redirect("admin:customers_customer_erase", queryset.get().pk)

    actions = ["pipl_export_action", "pipl_erase_action"]
