"""The scan endpoint ``/q/<token>`` (QR-2, QR-3) and the manager's hand-over page (QR-4)."""

from django import forms
from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from stores.models import HeadOffice, Role, Staff
from stores.services import staff_deactivate
from surfaces.access import dashboard_required
from stores.touchpoints import target_page_url
from wechat.identity import needs_oauth, oauth_authorize_url, request_identity

from .attribution import customers_hand_over
from .errors import CustomerError
from .models import Customer, ScanEvent
from .scans import code_by_token, scan_record


@never_cache
def scan(request, token: str):
    code = code_by_token(token)
    if code is None or not code.is_active:
        # Forged, mistyped or withdrawn: a friendly page, never an error screen (QR-2).
        return render(request, "h5/code_invalid.html", {"office": HeadOffice.current(), "known": code is not None},
                      status=404 if code is None else 410)
    if needs_oauth(request):
        return redirect(oauth_authorize_url(request, request.get_full_path()))
    identity = request_identity(request)
    scan_record(
        code=code, identity=identity, channel=ScanEvent.Channel.OAUTH if identity else ScanEvent.Channel.BROWSER,
        user_agent=request.headers.get("User-Agent", ""),
    )
    return redirect(target_page_url(code) or "h5:home")


class HandOverForm(forms.Form):
    heir = forms.ModelChoiceField(queryset=Staff.objects.none(), required=False, label=_("Hand over to"),
                                  empty_label=_("Share among the store's other assistants (round robin)"))
    mark_left = forms.BooleanField(required=False, initial=True, label=_("This assistant has left: disable the login"))

    def __init__(self, *args, leaving: Staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["heir"].queryset = Staff.objects.filter(
            store_id=leaving.store_id, role=Role.ASSISTANT, is_active=True).exclude(pk=leaving.pk)


@dashboard_required
def staff_hand_over(request, pk):
    """A manager hands a leaving assistant's customers over (QR-4); printed codes keep working."""
    leaving = get_object_or_404(Staff.objects.visible_to(request.user).select_related("store"), pk=pk,
                                store__isnull=False)
    form = HandOverForm(request.POST or None, leaving=leaving)
    customer_count = Customer.objects.filter(owner_assistant=leaving).count()
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                moved = customers_hand_over(leaving=leaving, to=form.cleaned_data["heir"], actor=request.user)
                if form.cleaned_data["mark_left"]:
                    staff_deactivate(staff=leaving)
        except CustomerError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("%(n)d customers of %(name)s were handed over.") % {
                "n": moved, "name": leaving.name})
            return redirect("dashboard:staff")
    return render(request, "dashboard/hand_over.html", {
        "leaving": leaving, "form": form, "customer_count": customer_count, "nav": "staff"})
