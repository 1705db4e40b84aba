"""The workbench's Profile and Follow-ups tabs (CUS-1..5), made for the shop floor: a grade is one
tap, a tag is one tap, a follow-up is chips plus one submit.

Every view goes through ``customer_for_page`` (scope: out of scope is 404) and writes through
``customers.profiles``. An htmx request gets the tab's fragment (plus the header, swapped out of
band, so the grade and tags at the top follow); a plain form post is redirected back to the tab.
A refused write answers 400 with the reason in the fragment."""

from __future__ import annotations

import re
from datetime import timedelta

from django import forms
from django.forms.models import fields_for_model
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from stores.models import Product, Room, Style
from surfaces.access import workbench_required

from . import profiles
from .errors import CustomerError
from .merges import mobile_verified
from .models import AfterSalesRecord, Customer, CustomerProfile, CustomerTag, FollowUp, IntentGradeChange, Tag
from .workbench import customer_for_page, render_customer_tab

PROFILE_PARTIAL = "workbench/partials/customer_profile.html"
FOLLOW_UPS_PARTIAL = "workbench/partials/customer_follow_ups.html"
TAG_CHOICES_SHOWN = 30


# --- Forms: short sections; choice fields are rendered as chips in the templates ----------------


def _form_class(name: str, model, fields: list[str], **overrides) -> type[forms.Form]:
    base = fields_for_model(model, fields=fields)
    for form_field in base.values():
        if isinstance(form_field.widget, forms.Textarea):
            form_field.widget.attrs["rows"] = 3
    base.update(overrides)
    return type(name, (forms.Form,), base)


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

BasicForm = _form_class(
    "BasicForm", Customer, profiles.STAGE_1_FIELDS,
    gender=forms.ChoiceField(label=gettext_lazy("gender"), choices=Customer.Gender.choices, required=False,
                             widget=forms.RadioSelect),
    birthday=forms.DateField(label=gettext_lazy("birthday"), required=False, widget=DATE),
    house_handover_on=forms.DateField(label=gettext_lazy("house handover date"), required=False, widget=DATE),
    mobile=forms.CharField(label=gettext_lazy("mobile"), required=False, max_length=20,
                           widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off",
                                                         "placeholder": gettext_lazy("11 digits, e.g. 13800138000")})),
    decoration_status=forms.ChoiceField(label=gettext_lazy("decoration status"), required=False,
                                        choices=Customer.DecorationStatus.choices, widget=forms.RadioSelect),
)


class NeedsForm(_form_class("_Needs", CustomerProfile, ["budget", "house_area", "toilet_rough_in", "notes"])):
    style = forms.ModelChoiceField(label=gettext_lazy("style"), queryset=Style.objects.all(), required=False)
    rooms = forms.MultipleChoiceField(label=gettext_lazy("rooms"), choices=Room.choices, required=False,
                                      widget=forms.CheckboxSelectMultiple)
    categories = forms.MultipleChoiceField(label=gettext_lazy("product categories of interest"),
                                           choices=Product.Category.choices, required=False,
                                           widget=forms.CheckboxSelectMultiple)
    accepts_home_measurement = forms.ChoiceField(
        label=gettext_lazy("accepts home measurement"), required=False, widget=forms.RadioSelect,
        choices=[("unknown", gettext_lazy("Not asked")), ("true", gettext_lazy("Yes")), ("false", gettext_lazy("No"))])

    def clean_accepts_home_measurement(self):
        return {"true": True, "false": False}.get(self.cleaned_data.get("accepts_home_measurement"))

    field_order = ["budget", "style", "rooms", "categories", "house_area", "toilet_rough_in",
                   "accepts_home_measurement", "notes"]


PersonalForm = _form_class("PersonalForm", CustomerProfile, profiles.STAGE_3_FIELDS)

SECTIONS = {"basic": BasicForm, "needs": NeedsForm, "personal": PersonalForm}


def _initial(section: str, customer: Customer, profile: CustomerProfile | None) -> dict:
    if section == "basic":
        # The full number is not put in the page (CUS-11): an empty mobile keeps the stored one.
        return {name: getattr(customer, name) for name in profiles.STAGE_1_FIELDS if name != "mobile"}
    if profile is None:
        return {}
    names = NeedsForm.base_fields if section == "needs" else PersonalForm.base_fields
    initial = {name: getattr(profile, name) for name in names}
    if section == "needs":
        initial["accepts_home_measurement"] = {None: "unknown", True: "true", False: "false"}[
            profile.accepts_home_measurement]
    return initial


class FollowUpForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("kind"), choices=FollowUp.Kind.choices, widget=forms.RadioSelect,
                             initial=FollowUp.Kind.CALL)
    outcome = forms.ChoiceField(label=gettext_lazy("outcome"), choices=FollowUp.Outcome.choices,
                                widget=forms.RadioSelect)
    note = forms.CharField(label=gettext_lazy("note"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2, "placeholder": gettext_lazy("What was said?")}))
    next_in = forms.ChoiceField(label=gettext_lazy("next follow-up"), required=False, widget=forms.RadioSelect,
                                choices=[("", gettext_lazy("None")), ("1", gettext_lazy("Tomorrow")),
                                         ("3", gettext_lazy("In 3 days")), ("7", gettext_lazy("In a week")),
                                         ("date", gettext_lazy("Pick a date"))])
    next_on = forms.DateField(label=gettext_lazy("date"), required=False, widget=DATE)

    def clean(self):
        data = super().clean()
        choice = data.get("next_in")
        if choice == "date" or (not choice and data.get("next_on")):
            if not data.get("next_on"):
                self.add_error("next_on", _("Pick the date of the next follow-up."))
            data["next_follow_up_on"] = data.get("next_on")
        elif choice:
            data["next_follow_up_on"] = timezone.localdate() + timedelta(days=int(choice))
        else:
            data["next_follow_up_on"] = None
        return data


class AfterSalesForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("kind"), choices=AfterSalesRecord.Kind.choices,
                             widget=forms.RadioSelect)
    description = forms.CharField(label=gettext_lazy("description"),
                                  widget=forms.Textarea(attrs={"rows": 2}))


# --- Rendering ------------------------------------------------------------------------------------


def _respond(request, customer: Customer, tab: str, context: dict, *, status: int = 200):
    if request.method == "POST" and status == 200 and not _htmx(request):
        return redirect(reverse(f"workbench:customer_{tab}", args=[customer.pk]))
    builder = _profile_context if tab == "profile" else _follow_ups_context
    partial = PROFILE_PARTIAL if tab == "profile" else FOLLOW_UPS_PARTIAL
    response = render_customer_tab(request, customer, tab, partial,
                                   {**builder(request, customer), "oob_header": request.method == "POST", **context})
    response.status_code = status
    return response


def _htmx(request) -> bool:
    from surfaces.views import is_htmx

    return is_htmx(request)


def header_context(customer: Customer) -> dict:
    """What the header partial shows besides the customer: their tags (one query)."""
    links = list(CustomerTag.objects.filter(customer=customer).select_related("tag").order_by("tag__name"))
    return {"header_tags": links, "today": timezone.localdate()}


def _profile_context(request, customer: Customer) -> dict:
    profile = (CustomerProfile.objects.filter(customer=customer).select_related("style", "updated_by")
               .prefetch_related("intent_products").first())
    header = header_context(customer)
    mine = {link.tag_id: link for link in header["header_tags"]}
    offered = [t for t in Tag.objects.exclude(pk__in=list(mine)).order_by("name")[:TAG_CHOICES_SHOWN]]
    return {
        **header,
        "profile": profile,
        # "A: strong intent, has visited" → "strong intent, has visited" under a big "A".
        "grades": [(value, re.split(r"[:：]\s*", str(label), maxsplit=1)[-1])
                   for value, label in Customer.IntentGrade.choices],
        "grade_changes": IntentGradeChange.objects.filter(customer=customer).select_related("changed_by")[:10],
        "tag_links": header["header_tags"],
        "offered_tags": offered,
        "after_sales": AfterSalesRecord.objects.filter(customer=customer).select_related("created_by", "order")[:20],
        "after_sales_form": AfterSalesForm(),
        "editing": None,
        "can_edit": customer.erased_at is None,
        "mobile_verified": mobile_verified(customer),
    }


def _follow_ups_context(request, customer: Customer) -> dict:
    return {
        **header_context(customer),
        "follow_ups": FollowUp.objects.filter(customer=customer).select_related("staff")[:50],
        "form": FollowUpForm(),
        "can_edit": customer.erased_at is None,
    }


# --- Profile tab ------------------------------------------------------------------------------------


@workbench_required
def customer_profile(request, pk):
    customer = customer_for_page(request, pk)
    return _respond(request, customer, "profile", {})


@workbench_required
@require_POST
def customer_grade_set(request, pk):
    """One tap on A/B/C/D (from the profile tab, or the follow-ups tab's suggestion)."""
    customer = customer_for_page(request, pk)
    tab = "follow_ups" if request.POST.get("tab") == "follow_ups" else "profile"
    try:
        change = profiles.intent_grade_set(customer=customer, actor=request.user, grade=request.POST.get("grade", ""),
                                           note=request.POST.get("note", ""))
    except CustomerError as error:
        return _respond(request, customer, tab, {"error": str(error)}, status=400)
    notice = None
    if change is not None:
        notice = (_("Grade set to %(grade)s.") % {"grade": customer.intent_grade} if customer.intent_grade
                  else _("Grade cleared."))
    return _respond(request, customer, tab, {"notice": notice})


@workbench_required
@require_POST
def customer_mobile_verify(request, pk):
    """"Confirmed with the customer": the mobile number is verified; the same verified number on
    another record makes them one customer (CUS-12)."""
    from .merges import mobile_verify

    customer = customer_for_page(request, pk)
    try:
        merge = mobile_verify(customer=customer, actor=request.user)
    except CustomerError as error:
        return _respond(request, customer, "profile", {"error": str(error)}, status=400)
    if merge is not None and merge.survivor_id != customer.pk:
        # This record was the newer one: the customer lives on in the record kept.
        survivor = Customer.objects.visible_to(request.user).filter(pk=merge.survivor_id).first()
        if survivor is None:
            from django.shortcuts import render

            return render(request, "workbench/partials/customer_merged_away.html", {})
        customer = survivor
    notice = (_("Mobile number verified.") if merge is None
              else _("Mobile number verified: the same person's records are one customer now."))
    return _respond(request, customer, "profile", {"notice": notice})


@workbench_required
@require_POST
def customer_tag_toggle(request, pk):
    """One tap: a tag the customer has comes off, one they do not have goes on; or a new tag by name."""
    customer = customer_for_page(request, pk)
    notice = None
    try:
        name = request.POST.get("name", "").strip()
        if name:
            link = profiles.customer_tag_add(customer=customer, actor=request.user, name=name)
            notice = _("Tag “%(tag)s” added.") % {"tag": link.tag.name}
        else:
            tag = Tag.objects.filter(pk=_int(request.POST.get("tag"))).first()
            if tag is None:
                raise CustomerError(_("That tag no longer exists."))
            if CustomerTag.objects.filter(customer=customer, tag=tag).exists():
                removed = profiles.customer_tag_remove(customer=customer, actor=request.user, tag=tag)
                notice = _("Tag “%(tag)s” removed.") % {"tag": tag.name}
                if removed is not None and removed.source == CustomerTag.Source.RULE:
                    notice += " " + _("A rule gave it: it comes back at the next nightly run while the rule matches.")
                elif removed is not None and removed.source == CustomerTag.Source.CODE:
                    notice += " " + _("A scanned code gave it: scanning that code again gives it back.")
            else:
                profiles.customer_tag_add(customer=customer, actor=request.user, tag=tag)
                notice = _("Tag “%(tag)s” added.") % {"tag": tag.name}
    except CustomerError as error:
        return _respond(request, customer, "profile", {"error": str(error)}, status=400)
    return _respond(request, customer, "profile", {"notice": notice})


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@workbench_required
@require_http_methods(["GET", "POST"])
def customer_profile_edit(request, pk, section):
    """Edit one section (stage 1, 2 or 3) in place; saving shows the whole tab again."""
    form_class = SECTIONS.get(section)
    if form_class is None:
        raise Http404
    customer = customer_for_page(request, pk)
    profile = CustomerProfile.objects.filter(customer=customer).first()
    if request.method == "GET":
        form = form_class(initial=_initial(section, customer, profile))
        return _respond(request, customer, "profile", {"editing": section, "edit_form": form})
    form = form_class(request.POST)
    if not form.is_valid():
        return _respond(request, customer, "profile", {"editing": section, "edit_form": form,
                                                       "error": _("Please correct the marked fields.")}, status=400)
    data = dict(form.cleaned_data)
    try:
        if section == "basic":
            if not data.get("mobile"):
                data.pop("mobile", None)
            profiles.customer_update(customer=customer, actor=request.user, **data)
        else:
            profiles.customer_profile_update(customer=customer, actor=request.user, **data)
    except CustomerError as error:
        return _respond(request, customer, "profile", {"editing": section, "edit_form": form, "error": str(error)},
                        status=400)
    return _respond(request, customer, "profile", {"notice": _("Saved.")})


@workbench_required
@require_POST
def customer_after_sales_add(request, pk):
    customer = customer_for_page(request, pk)
    form = AfterSalesForm(request.POST)
    if not form.is_valid():
        return _respond(request, customer, "profile", {"after_sales_form": form, "after_sales_open": True,
                                                       "error": _("Please correct the marked fields.")}, status=400)
    try:
        profiles.after_sales_record_create(customer=customer, actor=request.user, **form.cleaned_data)
    except CustomerError as error:
        return _respond(request, customer, "profile", {"after_sales_form": form, "after_sales_open": True,
                                                       "error": str(error)}, status=400)
    return _respond(request, customer, "profile", {"notice": _("After-sales case recorded.")})


@workbench_required
@require_POST
def customer_after_sales_resolve(request, pk, record_pk):
    customer = customer_for_page(request, pk)
    record = get_object_or_404(AfterSalesRecord.objects.filter(customer=customer), pk=record_pk)
    try:
        profiles.after_sales_record_resolve(record=record, actor=request.user)
    except CustomerError as error:
        return _respond(request, customer, "profile", {"error": str(error)}, status=400)
    return _respond(request, customer, "profile", {"notice": _("Marked as resolved.")})


# --- Follow-ups tab -------------------------------------------------------------------------------


@workbench_required
@require_http_methods(["GET", "POST"])
def customer_follow_ups(request, pk):
    customer = customer_for_page(request, pk)
    if request.method == "GET":
        return _respond(request, customer, "follow_ups", {})
    form = FollowUpForm(request.POST)
    if not form.is_valid():
        return _respond(request, customer, "follow_ups", {"form": form,
                                                          "error": _("Please correct the marked fields.")}, status=400)
    data = form.cleaned_data
    try:
        result = profiles.follow_up_create(customer=customer, actor=request.user, kind=data["kind"],
                                           outcome=data["outcome"], note=data["note"],
                                           next_follow_up_on=data["next_follow_up_on"])
    except CustomerError as error:
        return _respond(request, customer, "follow_ups", {"form": form, "error": str(error)}, status=400)
    return _respond(request, customer, "follow_ups", {"notice": _("Follow-up recorded."),
                                                      "suggested_grade": result.suggested_grade})


@workbench_required
@require_POST
def customer_follow_up_clear(request, pk):
    customer = customer_for_page(request, pk)
    try:
        profiles.follow_up_due_clear(customer=customer, actor=request.user)
    except CustomerError as error:
        return _respond(request, customer, "follow_ups", {"error": str(error)}, status=400)
    return _respond(request, customer, "follow_ups", {"notice": _("No follow-up planned any more.")})
