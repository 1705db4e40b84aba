"""Pages for privacy (CUS-11): the contact buttons of the workbench customer header (masked call,
reveal a number, consent recorded in the store) and the customer's own privacy page on H5.

Thin views: they read input, call ``customers.privacy``, render. An htmx request gets the fragment
that replaces the button; any other request gets a whole page with the same fragment."""

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from surfaces.access import workbench_required
from surfaces.views import is_htmx

from .errors import CustomerError
from .models import Consent, PrivacyRequest
from .households import household_leave, household_members
from .identity import customer_of_identity
from .privacy import (consent_record, consent_state, masked_contact_start, mobile_reveal, privacy_request_create,
                      reveals_left_today, reveals_per_day)
from .workbench import customer_for_page


def _answer(request, customer, partial: str, context: dict, status: int = 200):
    context = {"customer": customer, "partial": partial, **context}
    if is_htmx(request):
        return render(request, partial, context, status=status)
    return render(request, "workbench/privacy_result.html", {**context, "tab": "customers"}, status=status)


@workbench_required
@require_POST
def customer_reveal_mobile(request, pk):
    """"Show number": the full number in place of the masked one, logged."""
    customer = customer_for_page(request, pk)
    try:
        mobile = mobile_reveal(customer=customer, actor=request.user, surface="workbench", request=request)
    except CustomerError as error:
        return _answer(request, customer, "workbench/partials/privacy_number.html", {"error": str(error)}, 400)
    return _answer(request, customer, "workbench/partials/privacy_number.html", {
        "revealed": mobile, "left": reveals_left_today(actor=request.user), "cap": reveals_per_day(),
    })


@workbench_required
@require_POST
def customer_call(request, pk):
    """"Call": a relay number that reaches the customer without either side seeing a number."""
    customer = customer_for_page(request, pk)
    try:
        session = masked_contact_start(customer=customer, actor=request.user, request=request)
    except CustomerError as error:
        return _answer(request, customer, "workbench/partials/privacy_call.html", {"error": str(error)}, 400)
    return _answer(request, customer, "workbench/partials/privacy_call.html", {"session": session})


@workbench_required
def customer_consents(request, pk):
    """The customer's consents; POST records what the customer told staff in the store."""
    customer = customer_for_page(request, pk)
    context, status = {}, 200
    if request.method == "POST":
        granted = request.POST.get("granted")
        if granted not in ("0", "1"):
            context["error"], status = _("Say whether the customer agreed or refused."), 400
        else:
            try:
                consent_record(customer=customer, purpose=request.POST.get("purpose", ""), granted=granted == "1",
                               source=Consent.Source.IN_STORE, recorded_by=getattr(request.user, "staff", None))
            except CustomerError as error:
                context["error"], status = str(error), 400
            else:
                context["saved"] = True
        customer.refresh_from_db()
    context["consents"] = consent_state(customer=customer)
    return _answer(request, customer, "workbench/partials/privacy_consents.html", context, status)


# --- The customer's own page (H5) --------------------------------------------------------------


@never_cache
def h5_privacy(request):
    """"My privacy": the consents the customer gave, marketing on or off, ask for a copy or erasure."""
    from surfaces.h5 import _message, h5_sign_in
    from stores.models import HeadOffice
    from wechat.identity import request_identity

    if request_identity(request) is None:
        if request.method == "POST":
            return _message(request, 403, _("Please open this page in WeChat"))
        return h5_sign_in(request, next_url=reverse("h5:privacy"))
    # Looking at one's privacy must not create a customer: a visitor we do not know has nothing here.
    customer = customer_of_identity(request_identity(request))
    if customer is None:
        return _message(request, 200, _("We keep no data about you"),
                        _("You have not scanned a code or kept anything with us yet."), action=_("See our stores"))
    notice = ""
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action in ("marketing_on", "marketing_off"):
                consent_record(customer=customer, purpose=Consent.Purpose.MARKETING, granted=action == "marketing_on",
                               source=Consent.Source.H5)
                notice = (_("Thank you: we will tell you about offers and invitations.") if action == "marketing_on"
                          else _("Done: you will receive no more offers or invitations."))
            elif action in ("household_on", "household_off"):
                consent_record(customer=customer, purpose=Consent.Purpose.HOUSEHOLD, granted=action == "household_on",
                               source=Consent.Source.H5)
                notice = (_("Thank you: family members who open what you share can join your household.")
                          if action == "household_on" else _("Done: nobody new joins your household."))
            elif action == "household_leave":
                household_leave(member=customer)
                notice = _("You left the household.")
            elif action in ("copy", "erasure"):
                privacy_request_create(customer=customer, kind=action)
                notice = (_("We have your request. Head office will send you a copy of your data.") if action == "copy"
                          else _("We have your request. Head office will erase your data and tell your store."))
            else:
                notice, status = _("Something was wrong with that request"), 400
        except CustomerError as error:
            notice, status = str(error), 400
        customer.refresh_from_db()
    pending = set(PrivacyRequest.objects.filter(customer=customer, status=PrivacyRequest.Status.PENDING)
                  .values_list("kind", flat=True))
    return render(request, "h5/privacy.html", {
        "office": HeadOffice.current(), "page_title": _("My privacy"), "customer": customer,
        "consents": consent_state(customer=customer), "history": customer.consents.all()[:20],
        "requests": customer.privacy_requests.all()[:10], "pending": pending, "notice": notice,
        "household": household_members(customer),
        "is_error": status >= 400,
    }, status=status)
