"""Privacy of customer data (CUS-11, PIPL): who sees a full mobile number, masked calls, consent,
and one customer's data exported or erased on request.

Policy (the one place it is decided):

* Lists, exports, API payloads and pages show mobile numbers masked (``138****1234``); nobody sees
  full numbers in bulk.
* Staff who may see a customer (``Customer.objects.visible_to``: the owner assistant and other
  floor staff for their own customers, the store manager, the region supervisor, head office) may
  *reveal* that one customer's number. Every reveal is an ``AuditLog`` row, and each staff member
  may reveal at most ``PRIVACY_REVEALS_PER_DAY`` different customers a day (Shanghai time);
  revealing the same customer again that day is logged but does not count twice.
* Partners and anyone without a staff record never reveal a number, nor start a masked call.
* A masked call (隐号通讯) binds the staff member's phone and the customer's phone to a relay number
  (``customers.relay``) for ``RELAY_SESSION_MINUTES``; neither side sees the other's number. A
  live binding of the same pair is reused. Every start is logged (``masked_call``).
* Consent rows are append-only; the newest row per purpose is the customer's current choice.
  Marketing consent withdrawn sets ``Customer.marketing_opt_out`` (the outbox skips marketing to
  them), granted clears it.
* Head office alone exports one customer's data (PIPL art. 45) and erases it (art. 47). Erasure
  blanks every personal field and free text but keeps the customer row, orders, payments, ledger
  entries and anonymised scans, so counts and sums stay right; ``erased_at`` marks the row, and
  services refuse to change an erased customer (:func:`customer_ensure_editable`).
"""

from __future__ import annotations

import json
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from common.days import day_start
from stores.scope import Level, scope_of

from .audit import audit_record
from .errors import CustomerError
from .models import (AuditLog, Consent, Customer, CustomerProfile, MaskedContactSession, PrivacyRequest)
from .relay import RelayUnavailable, provider, session_minutes

STAFF_LEVELS = {Level.ALL, Level.REGION, Level.STORE, Level.OWN}


# --- Who may do what ------------------------------------------------------------------------------


def may_reveal(user) -> bool:
    """Staff may reveal (one customer at a time, in their scope); partners and outsiders never."""
    return scope_of(user).level in STAFF_LEVELS


def is_head_office(user) -> bool:
    """PIPL export and erasure, and reading the audit log, are head office's alone."""
    return scope_of(user).level is Level.ALL


def reveals_per_day() -> int:
    return max(0, int(getattr(settings, "PRIVACY_REVEALS_PER_DAY", 30)))


def _revealed_today(actor):
    return AuditLog.objects.filter(action=AuditLog.Action.REVEAL_MOBILE, actor=actor,
                                   created_at__gte=day_start(timezone.localdate()))


def reveals_left_today(*, actor) -> int:
    used = _revealed_today(actor).values("customer_ref").distinct().count()
    return max(0, reveals_per_day() - used)


def customer_ensure_editable(customer: Customer) -> None:
    """Raise if the customer was erased (PIPL): their row stays for the figures, nobody edits it."""
    if customer.erased_at is not None:
        raise CustomerError(_("This customer's data was erased on their request; it can no longer be changed."))


def _scoped_customer(actor, customer: Customer, *, lock: bool = False) -> Customer:
    """The customer again, read through the actor's scope (and locked): out of scope is missing."""
    queryset = Customer.objects.visible_to(actor)
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    found = queryset.filter(pk=customer.pk).first()
    if found is None:
        raise CustomerError(_("This customer was not found."))
    return found


def _lock_actor(actor) -> None:
    """Serialise one actor's reveals, so two at once cannot both take the last one of the day."""
    get_user_model().objects.select_for_update().filter(pk=actor.pk).first()


# --- Reveal and masked call ------------------------------------------------------------------------


@transaction.atomic
def mobile_reveal(*, customer: Customer, actor, surface: str = "", request=None) -> str:
    """The customer's full mobile number, for one staff member in scope; audited."""
    if not may_reveal(actor):
        raise CustomerError(_("Your role cannot see customers' full mobile numbers."))
    _lock_actor(actor)
    customer = _scoped_customer(actor, customer)
    customer_ensure_editable(customer)
    if not customer.mobile:
        raise CustomerError(_("This customer has not given a mobile number."))
    already = _revealed_today(actor).filter(customer_ref=customer.pk).exists()
    if not already and reveals_left_today(actor=actor) <= 0:
        raise CustomerError(
            _("You have revealed %(cap)d customers' numbers today, the daily limit. Call through the relay "
              "or WeCom instead, or ask head office.") % {"cap": reveals_per_day()})
    audit_record(action=AuditLog.Action.REVEAL_MOBILE, actor=actor, customer=customer,
                 detail={"surface": surface} if surface else {}, request=request)
    return customer.mobile


def _live_session(customer: Customer, staff) -> MaskedContactSession | None:
    # A binding about to end is not worth reusing: the call would drop a minute in.
    return (MaskedContactSession.objects.filter(customer=customer, staff=staff,
                                                expires_at__gt=timezone.now() + timedelta(minutes=1))
            .order_by("-expires_at").first())


def _unbind_quietly(provider_ref: str) -> None:
    """End a binding nobody recorded; it expires on its own if the provider cannot be reached."""
    try:
        provider().unbind(provider_ref=provider_ref)
    except Exception:  # noqa: BLE001 - best effort: the binding lapses after RELAY_SESSION_MINUTES
        pass


def masked_contact_start(*, customer: Customer, actor, request=None) -> MaskedContactSession:
    """A relay number that connects the staff member and the customer without showing either
    side's number; a live binding of the same pair is reused. Audited as ``masked_call``.

    The relay is an outside call, so it is never made while the customer row is locked: the
    request is checked (and a live binding reused) under a short lock, the provider binds with no
    lock held, and a second short lock checks again and records the session. A binding that is not
    recorded (the customer was erased or their number changed meanwhile, a simultaneous call of
    the same pair recorded its own first, or recording failed) is unbound at once. Call it outside
    any transaction of your own: a rollback of yours would leave the binding to expire by itself."""
    if not may_reveal(actor):
        raise CustomerError(_("Your role cannot call customers."))
    staff = getattr(actor, "staff", None)
    if staff is None:
        raise CustomerError(_("Only staff can call customers through the relay."))
    if not staff.phone:
        raise CustomerError(_("Add your own mobile number to your staff record first: the relay connects it."))

    def checked() -> Customer:
        locked = _scoped_customer(actor, customer, lock=True)
        customer_ensure_editable(locked)
        if not locked.mobile:
            raise CustomerError(_("This customer has not given a mobile number."))
        return locked

    def record(locked: Customer, session: MaskedContactSession, reused: bool) -> None:
        audit_record(action=AuditLog.Action.MASKED_CALL, actor=actor, customer=locked,
                     detail={"session": session.pk, "reused": reused}, request=request)

    with transaction.atomic():
        locked = checked()
        session = _live_session(locked, staff)
        if session is not None:
            record(locked, session, True)
            return session
        mobile = locked.mobile

    try:
        binding = provider().bind(staff_phone=staff.phone, customer_phone=mobile, minutes=session_minutes())
    except RelayUnavailable as error:
        raise CustomerError(_("The relay has no number free right now. Try again in a minute.")) from error

    kept_ref = None  # the provider reference of a binding someone else recorded, which we reuse
    try:
        with transaction.atomic():
            locked = checked()
            if locked.mobile != mobile:
                raise CustomerError(_("The customer's mobile number was changed just now. Try again."))
            session = _live_session(locked, staff)
            if session is not None:
                kept_ref = session.provider_ref
                record(locked, session, True)
            else:
                session = MaskedContactSession.objects.create(
                    customer=locked, staff=staff, virtual_number=binding.virtual_number,
                    provider_ref=binding.provider_ref, expires_at=binding.expires_at)
                record(locked, session, False)
    except BaseException:
        if binding.provider_ref != kept_ref:
            _unbind_quietly(binding.provider_ref)
        raise
    if kept_ref is not None and binding.provider_ref != kept_ref:
        _unbind_quietly(binding.provider_ref)
    return session


@transaction.atomic
def mobile_correct(*, customer: Customer, actor, mobile: str, request=None) -> Customer:
    """Head office corrects a customer's number without seeing the old one; audited."""
    from stores.models import mobile_validator

    if not is_head_office(actor):
        raise CustomerError(_("Only head office can correct a customer's mobile number."))
    customer = _scoped_customer(actor, customer, lock=True)
    customer_ensure_editable(customer)
    mobile = (mobile or "").strip()
    try:
        mobile_validator(mobile)
    except Exception as error:  # noqa: BLE001 - Django's ValidationError carries the message
        raise CustomerError(_("Enter a mainland mobile number of 11 digits starting with 1.")) from error
    if mobile == customer.mobile:
        raise CustomerError(_("That is already the customer's number."))
    customer.mobile = mobile
    customer.updated_at = timezone.now()
    customer.save(update_fields=["mobile", "updated_at"])
    audit_record(action=AuditLog.Action.MOBILE_CHANGE, actor=actor, customer=customer, request=request)
    return customer


# --- Consent ----------------------------------------------------------------------------------------


@transaction.atomic
def consent_record(*, customer: Customer, purpose: str, granted: bool, source: str, recorded_by=None,
                   policy_version: str = "") -> Consent:
    """Append the customer's decision for one purpose. Marketing withdrawn → opted out."""
    if purpose not in Consent.Purpose.values:
        raise CustomerError(_("Unknown consent purpose."))
    if source not in Consent.Source.values:
        raise CustomerError(_("Unknown consent source."))
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    customer_ensure_editable(customer)
    consent = Consent.objects.create(customer=customer, purpose=purpose, granted=bool(granted), source=source,
                                     recorded_by=recorded_by, policy_version=policy_version[:20])
    if purpose == Consent.Purpose.MARKETING and customer.marketing_opt_out == bool(granted):
        customer.marketing_opt_out = not granted
        customer.updated_at = timezone.now()
        customer.save(update_fields=["marketing_opt_out", "updated_at"])
    return consent


def consent_state(*, customer: Customer) -> list[dict]:
    """Every purpose with the customer's current choice (None: never asked), newest first per purpose."""
    latest: dict[str, Consent] = {}
    for consent in customer.consents.order_by("-recorded_at", "-id"):
        latest.setdefault(consent.purpose, consent)
    return [{"purpose": value, "label": label, "consent": latest.get(value)}
            for value, label in Consent.Purpose.choices]


# --- Requests from the customer -----------------------------------------------------------------


def privacy_request_create(*, customer: Customer, kind: str) -> PrivacyRequest:
    """The customer asks for a copy or an erasure; asking again while one waits returns it."""
    if kind not in PrivacyRequest.Kind.values:
        raise CustomerError(_("Unknown request."))
    customer_ensure_editable(customer)
    pending = PrivacyRequest.objects.filter(customer=customer, kind=kind, status=PrivacyRequest.Status.PENDING)
    existing = pending.first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return PrivacyRequest.objects.create(customer=customer, kind=kind)
    except IntegrityError:  # the same request sent twice at once: the first one stands
        return pending.get()


def _requests_done(customer: Customer, kinds, actor) -> None:
    PrivacyRequest.objects.filter(customer=customer, kind__in=kinds, status=PrivacyRequest.Status.PENDING).update(
        status=PrivacyRequest.Status.DONE, handled_at=timezone.now(), handled_by=actor if actor.pk else None)


# --- PIPL export ------------------------------------------------------------------------------------


def _row(obj, exclude=()) -> dict:
    return {field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields
            if field.attname not in exclude}


def _rows(queryset, exclude=()) -> list[dict]:
    return [_row(obj, exclude) for obj in queryset]


def customer_data(customer: Customer) -> dict:
    """Everything stored about one customer, as plain JSON values."""
    from wechat.models import Message, WeComContact

    from .models import (AfterSalesRecord, CustomerIdentity, Favourite, FollowUp, HouseholdMember,
                         IntentGradeChange, Order, OwnerChange, PageView, PointsEntry, PointsRedemption, RadarEvent,
                         Review, ScanEvent, Share, ShareOpen, StoredValueEntry)

    profile = CustomerProfile.objects.filter(customer=customer).first()
    profile_data = None
    if profile is not None:
        profile_data = _row(profile)
        profile_data["intent_products"] = list(profile.intent_products.values("id", "sku", "name"))
    orders = []
    for order in Order.objects.filter(customer=customer).prefetch_related("items", "payments", "logistics"):
        data = _row(order)
        data["items"] = _rows(order.items.all())
        data["payments"] = _rows(order.payments.all())
        data["logistics"] = _rows(order.logistics.all())
        orders.append(data)
    shares = []
    for share in Share.objects.filter(sharer=customer):
        data = _row(share)
        data["opens"] = share.opens.count()
        shares.append(data)
    document = {
        "format": "storelink-pipl-export/1",
        "exported_at": timezone.now(),
        "customer": _row(customer),
        "profile": profile_data,
        "tags": list(customer.tag_links.values("tag__name", "source", "added_at")),
        "grade_history": _rows(IntentGradeChange.objects.filter(customer=customer)),
        "follow_ups": _rows(FollowUp.objects.filter(customer=customer)),
        "after_sales": _rows(AfterSalesRecord.objects.filter(customer=customer)),
        "owner_changes": _rows(OwnerChange.objects.filter(customer=customer)),
        "orders": orders,
        "points_ledger": _rows(PointsEntry.objects.filter(customer=customer).order_by("seq"),
                               exclude=("idempotency_key",)),
        "stored_value_ledger": _rows(StoredValueEntry.objects.filter(customer=customer).order_by("seq"),
                                     exclude=("idempotency_key",)),
        "points_redemptions": _rows(PointsRedemption.objects.filter(customer=customer)),
        "reviews": _rows(Review.objects.filter(customer=customer)),
        "scans": _rows(ScanEvent.objects.filter(customer=customer)),
        "page_views": _rows(PageView.objects.filter(customer=customer)),
        "favourites": _rows(Favourite.objects.filter(customer=customer)),
        "shares": shares,
        "share_opens": _rows(ShareOpen.objects.filter(customer=customer)),
        "consents": _rows(Consent.objects.filter(customer=customer)),
        "wecom_contacts": _rows(WeComContact.objects.filter(customer=customer)),
        "messages": list(Message.objects.filter(customer=customer).values(
            "purpose", "is_marketing", "status", "created_at", "sent_at")),
        "masked_contact_sessions": _rows(MaskedContactSession.objects.filter(customer=customer),
                                         exclude=("provider_ref",)),
        "privacy_requests": _rows(PrivacyRequest.objects.filter(customer=customer)),
        "identities": _rows(CustomerIdentity.objects.filter(customer=customer)),
        "household": _rows(HouseholdMember.objects.filter(customer=customer)),
        "radar_events": _rows(RadarEvent.objects.filter(customer=customer)),
    }
    return json.loads(json.dumps(document, cls=DjangoJSONEncoder))


def _count_rows(document: dict) -> int:
    return sum(len(value) for value in document.values() if isinstance(value, list)) + 1


@transaction.atomic
def customer_data_export(*, customer: Customer, actor, request=None) -> dict:
    """Head office exports one customer's data (PIPL art. 45); audited as ``pipl_export``."""
    if not is_head_office(actor):
        raise CustomerError(_("Only head office can export one customer's data."))
    customer = _scoped_customer(actor, customer)
    document = customer_data(customer)
    audit_record(action=AuditLog.Action.PIPL_EXPORT, actor=actor, customer=customer,
                 rows=_count_rows(document), request=request)
    _requests_done(customer, [PrivacyRequest.Kind.COPY], actor)
    return document


def export_filename(customer: Customer) -> str:
    return f"customer-{customer.pk}-pipl-{timezone.localdate():%Y%m%d}.json"


# --- PIPL erasure -----------------------------------------------------------------------------------


def _names_shown(customer: Customer) -> list[str]:
    """``Customer.display_name`` in every language of the site (it is stored as shown)."""
    from django.utils import translation

    names = set()
    for code, _label in settings.LANGUAGES:
        with translation.override(code):
            names.add(str(customer.display_name)[:200])
    return sorted(name for name in names if name)


@transaction.atomic
def customer_erase(*, customer: Customer, actor, request=None) -> Customer:
    """Erase one customer's personal data (PIPL art. 47) and keep every figure: the customer row,
    orders and their amounts, payments, ledger entries, scans and tags stay (anonymised).
    Idempotent: erasing an erased customer changes nothing and logs nothing."""
    from wechat.models import Message, WeComContact

    from .models import (AfterSalesRecord, CustomerIdentity, CustomerMerge, FollowUp, HouseholdMember,
                         IntentGradeChange, LogisticsEvent, Order, OwnerChange, PointsEntry, PointsRedemption, Review,
                         ScanEvent, ShareOpen, StoredValueEntry)

    if not is_head_office(actor):
        raise CustomerError(_("Only head office can erase a customer's data."))
    customer = _scoped_customer(actor, customer, lock=True)
    if customer.erased_at is not None:
        return customer
    now = timezone.now()
    # A family member bound through this customer's share has the sharer's name as the note of their
    # owner change (QR-6): the names it may have been written under, before they are blanked.
    shown_as = _names_shown(customer)
    blanks = {
        "name": "", "gender": "", "birthday": None, "age": None, "mobile": "", "community": "", "address": "",
        "house_handover_on": None, "openid": None, "unionid": None, "is_wecom_friend": False,
        "wechat_subscribed": False, "marketing_opt_out": True,
    }
    for field, blank in blanks.items():
        setattr(customer, field, blank)
    customer.erased_at = now
    customer.updated_at = now
    customer.save()
    # Rows merged into this customer are the same person (CUS-12): everything below is erased for
    # them too (what stayed with them: a profile, notes), and the merges' snapshots of both rows
    # (kept for undo) are dropped, so such a merge can no longer be undone.
    merged_rows = Customer.objects.filter(merged_into=customer)
    ids = [customer.pk, *merged_rows.values_list("pk", flat=True)]
    merges = CustomerMerge.objects.filter(Q(survivor_id__in=ids) | Q(merged_id__in=ids))
    counts = {
        "merged_rows": merged_rows.update(**blanks, erased_at=now, updated_at=now),
        "merge_snapshots": merges.update(before={}),
        "identities": CustomerIdentity.objects.filter(customer_id__in=ids).delete()[0],
        "households": HouseholdMember.objects.filter(customer_id__in=ids).delete()[0],
        "profiles": CustomerProfile.objects.filter(customer_id__in=ids).update(
            notes="", preferences="", family_notes="", measurements={}, updated_at=now),
        "follow_ups": FollowUp.objects.filter(customer_id__in=ids).update(note=""),
        "grade_changes": IntentGradeChange.objects.filter(customer_id__in=ids).update(note=""),
        "after_sales": AfterSalesRecord.objects.filter(customer_id__in=ids).update(description=""),
        "reviews": Review.objects.filter(customer_id__in=ids).update(comment=""),
        "scans": ScanEvent.objects.filter(customer_id__in=ids).update(user_agent=""),
        "share_opens": ShareOpen.objects.filter(customer_id__in=ids).update(user_agent=""),
        "owner_changes": OwnerChange.objects.filter(customer_id__in=ids).update(note=""),
        "shared_owner_changes": OwnerChange.objects.filter(
            reason=OwnerChange.Reason.SHARED_BY_CUSTOMER, note__in=shown_as,
            customer__in=ShareOpen.objects.filter(share__sharer_id__in=ids).values("customer")).update(note=""),
        "orders": Order.objects.filter(customer_id__in=ids).update(note=""),
        "logistics": LogisticsEvent.objects.filter(order__customer_id__in=ids).update(location="", note=""),
        "points_entries": PointsEntry.objects.filter(customer_id__in=ids).update(note=""),
        "stored_value_entries": StoredValueEntry.objects.filter(customer_id__in=ids).update(note=""),
        "points_redemptions": PointsRedemption.objects.filter(customer_id__in=ids).update(reversal_reason=""),
        "messages": Message.objects.filter(customer_id__in=ids).update(openid="", data={}),
    }
    contacts = list(WeComContact.objects.filter(customer_id__in=ids))
    for contact in contacts:
        contact.external_userid = f"erased:{contact.pk}"
        contact.removed_at = contact.removed_at or now
        contact.save(update_fields=["external_userid", "removed_at"])
    counts["wecom_contacts"] = len(contacts)
    sessions = list(MaskedContactSession.objects.filter(customer_id__in=ids).values_list("provider_ref", flat=True))
    MaskedContactSession.objects.filter(customer_id__in=ids).delete()
    counts["masked_sessions"] = len(sessions)

    def unbind():
        relay = provider()
        for ref in sessions:
            try:
                relay.unbind(provider_ref=ref)
            except Exception:  # noqa: BLE001 - the binding expires on its own anyway
                pass

    transaction.on_commit(unbind)
    audit_record(action=AuditLog.Action.ERASURE, actor=actor, customer=customer, detail=counts, request=request)
    _requests_done(customer, PrivacyRequest.Kind.values, actor)
    return customer
