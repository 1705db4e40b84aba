"""Writes on what the store knows about a customer (CUS-1..5): stage 1 on ``Customer``, stages 2-3
on ``CustomerProfile``, intent grade with history, tags by hand, follow-ups with the next date,
after-sales records; and the "due today" read of the workbench.

Every service takes the acting user: they must see the customer (``visible_to``, ORG-3) and the
customer must not be erased (PIPL, CUS-11). The customer row is locked for the write, so two
taps at once leave one consistent result (one grade change, one next date).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from stores.models import Product, Room, Staff, Style

from .errors import CustomerError
from .models import (AfterSalesRecord, Customer, CustomerProfile, CustomerTag, FollowUp, IntentGradeChange, Order,
                     Tag)
from .privacy import customer_ensure_editable

# Stage 1 fields staff may edit. Source, store, owner and WeChat identities come from scans and
# attribution; member level from orders.
STAGE_1_FIELDS = ["name", "gender", "birthday", "age", "mobile", "community", "address", "house_handover_on",
                  "decoration_status"]
STAGE_2_FIELDS = ["budget", "style", "rooms", "categories", "house_area", "toilet_rough_in", "measurements",
                  "accepts_home_measurement", "notes"]
STAGE_3_FIELDS = ["preferences", "household_size", "family_notes"]
PROFILE_FIELDS = [*STAGE_2_FIELDS, *STAGE_3_FIELDS]

# The grade a follow-up outcome points to (seed 003). Only suggested: the assistant decides.
SUGGESTED_GRADE = {FollowUp.Outcome.VISITED: Customer.IntentGrade.A,
                   FollowUp.Outcome.NOT_INTERESTED: Customer.IntentGrade.D}


def acting_staff(actor) -> Staff | None:
    return getattr(actor, "staff", None) if actor is not None else None


def _locked_for_edit(*, customer: Customer, actor) -> Customer:
    """The customer's row, locked, after checking the actor sees it and it is not erased."""
    if not Customer.objects.visible_to(actor).filter(pk=customer.pk).exists():
        raise CustomerError(_("This customer does not exist or is not yours to edit."))
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    customer_ensure_editable(locked)
    return locked


def _clean_model_field(model, name: str, value, instance):
    field = model._meta.get_field(name)
    try:
        return field.clean(value, instance)
    except ValidationError as error:
        raise CustomerError(_("%(field)s: %(error)s") % {
            "field": field.verbose_name, "error": " ".join(error.messages)}) from None


def mobile_normalise(value: str) -> str:
    """What staff type (``+86 138-0013-8000``) as the 11 digits we store."""
    digits = re.sub(r"[\s\-()]", "", value or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits


def _refresh(customer: Customer, locked: Customer, names) -> None:
    for name in names:
        setattr(customer, name, getattr(locked, name))


@transaction.atomic
def customer_update(*, customer: Customer, actor, **changes) -> Customer:
    """Change stage-1 fields (CUS-1). Unknown fields are a programming error (TypeError); a bad
    value is a ``CustomerError`` and nothing is saved. ``updated_at`` moves only when something
    changed."""
    unknown = set(changes) - set(STAGE_1_FIELDS)
    if unknown:
        raise TypeError(f"customer_update() cannot change {', '.join(sorted(unknown))}")
    locked = _locked_for_edit(customer=customer, actor=actor)
    if "mobile" in changes:
        changes["mobile"] = mobile_normalise(changes["mobile"])
    for text in ("name", "community", "address"):
        if text in changes:
            changes[text] = (changes[text] or "").strip()
    changed = []
    for name, value in changes.items():
        if value is None and not Customer._meta.get_field(name).null:
            value = ""
        value = _clean_model_field(Customer, name, value, locked)
        if getattr(locked, name) != value:
            setattr(locked, name, value)
            changed.append(name)
    if changed:
        locked.updated_at = timezone.now()
        locked.save(update_fields=[*changed, "updated_at"])
    if "mobile" in changed:  # a new number is not verified yet (CUS-12)
        from .models import CustomerIdentity

        CustomerIdentity.objects.filter(customer=locked, kind=CustomerIdentity.Kind.MOBILE).delete()
    _refresh(customer, locked, [*changed, "updated_at"])
    return customer


@transaction.atomic
def customer_profile_update(*, customer: Customer, actor, intent_products=None, **changes) -> CustomerProfile:
    """Change stage-2/3 fields (CUS-2, CUS-3); the profile row is made on the first edit.
    ``rooms`` and ``categories`` are lists of choice values; ``intent_products`` a list of products."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"customer_profile_update() cannot change {', '.join(sorted(unknown))}")
    locked = _locked_for_edit(customer=customer, actor=actor)
    profile = CustomerProfile.objects.filter(customer=locked).first() or CustomerProfile(customer=locked)
    for name, allowed in (("rooms", Room.values), ("categories", Product.Category.values)):
        if name in changes:
            values = list(dict.fromkeys(changes[name] or []))
            wrong = [v for v in values if v not in allowed]
            if wrong:
                raise CustomerError(_("Unknown choice for %(field)s: %(values)s") % {
                    "field": CustomerProfile._meta.get_field(name).verbose_name, "values": ", ".join(map(str, wrong))})
            changes[name] = values
    if "measurements" in changes and not isinstance(changes["measurements"] or {}, dict):
        raise CustomerError(_("Measurements must be pairs of a name and a value."))
    if "style" in changes and changes["style"] is not None and not isinstance(changes["style"], Style):
        changes["style"] = Style.objects.filter(pk=changes["style"]).first()
        if changes["style"] is None:
            raise CustomerError(_("Unknown decoration style."))
    for name in ("notes", "preferences", "family_notes"):
        if name in changes:
            changes[name] = (changes[name] or "").strip()
    for name, value in changes.items():
        model_field = CustomerProfile._meta.get_field(name)
        if value is None and not model_field.null:
            value = model_field.get_default()
        if name != "style":
            value = _clean_model_field(CustomerProfile, name, value, profile)
        setattr(profile, name, value)
    now = timezone.now()
    profile.updated_at, profile.updated_by = now, acting_staff(actor)
    profile.save()
    if intent_products is not None:
        profile.intent_products.set(intent_products)
    locked.updated_at = now
    locked.save(update_fields=["updated_at"])
    customer.updated_at = now
    return profile


@transaction.atomic
def intent_grade_set(*, customer: Customer, actor, grade: str, note: str = "") -> IntentGradeChange | None:
    """Set the intent grade A/B/C/D ("" clears it) and keep the change in the history (CUS-4).
    Setting the grade it already has writes nothing and returns None."""
    grade = (grade or "").strip().upper()
    if grade and grade not in Customer.IntentGrade.values:
        raise CustomerError(_("Intent grade must be A, B, C or D."))
    locked = _locked_for_edit(customer=customer, actor=actor)
    if locked.intent_grade == grade:
        return None
    change = IntentGradeChange.objects.create(customer=locked, from_grade=locked.intent_grade, to_grade=grade,
                                              note=(note or "").strip()[:200], changed_by=acting_staff(actor))
    locked.intent_grade, locked.updated_at = grade, change.changed_at
    locked.save(update_fields=["intent_grade", "updated_at"])
    customer.intent_grade, customer.updated_at = grade, locked.updated_at
    return change


@transaction.atomic
def customer_tag_add(*, customer: Customer, actor, tag: Tag | None = None, name: str = "") -> CustomerTag:
    """Put a tag on the customer by hand. With ``name`` instead of ``tag``, the tag is found by
    name or created (any staff member who sees the customer may create one). Adding a tag the
    customer already has returns the existing link unchanged."""
    if tag is None:
        name = re.sub(r"\s+", " ", name or "").strip()
        if not name:
            raise CustomerError(_("Give the tag a name."))
        longest = Tag._meta.get_field("name").max_length
        if len(name) > longest:
            raise CustomerError(_("A tag name has at most %(n)s characters.") % {"n": longest})
        if acting_staff(actor) is None and not getattr(actor, "is_superuser", False):
            raise CustomerError(_("Only staff can create tags."))
        tag = Tag.objects.filter(name__iexact=name).first() or Tag.objects.get_or_create(name=name)[0]
    locked = _locked_for_edit(customer=customer, actor=actor)
    link, _created = CustomerTag.objects.get_or_create(customer=locked, tag=tag,
                                                       defaults={"source": CustomerTag.Source.MANUAL})
    return link


@transaction.atomic
def customer_tag_remove(*, customer: Customer, actor, tag: Tag) -> CustomerTag | None:
    """Take a tag off by hand, whatever gave it. Returns the removed link (its ``source`` tells
    the caller whether a rule or a code gave it: a rule gives it back at its next run while the
    customer still matches), or None when the customer did not have the tag."""
    locked = _locked_for_edit(customer=customer, actor=actor)
    link = CustomerTag.objects.filter(customer=locked, tag=tag).first()
    if link is None:
        return None
    link.delete()
    return link


@dataclass(frozen=True)
class FollowUpResult:
    follow_up: FollowUp
    # A grade the outcome points to and the customer does not have yet; shown as a one-tap offer.
    suggested_grade: str | None


@transaction.atomic
def follow_up_create(*, customer: Customer, actor, kind: str, outcome: str, note: str = "",
                     next_follow_up_on: date | None = None) -> FollowUpResult:
    """Record a follow-up (CUS-5). The customer's next follow-up date becomes the record's (empty:
    nothing planned), so the "due today" list drops them or shows them again on that day."""
    staff = acting_staff(actor)
    if staff is None:
        raise CustomerError(_("Only staff members can record follow-ups."))
    if kind not in FollowUp.Kind.values:
        raise CustomerError(_("Choose how you followed up."))
    if outcome not in FollowUp.Outcome.values:
        raise CustomerError(_("Choose the outcome of the follow-up."))
    today = timezone.localdate()
    if next_follow_up_on is not None and next_follow_up_on < today:
        raise CustomerError(_("The next follow-up cannot be in the past."))
    locked = _locked_for_edit(customer=customer, actor=actor)
    follow_up = FollowUp.objects.create(customer=locked, staff=staff, kind=kind, outcome=outcome,
                                        note=(note or "").strip(), next_follow_up_on=next_follow_up_on)
    locked.next_follow_up_on, locked.updated_at = next_follow_up_on, follow_up.created_at
    locked.save(update_fields=["next_follow_up_on", "updated_at"])
    customer.next_follow_up_on, customer.updated_at = next_follow_up_on, locked.updated_at
    suggested = SUGGESTED_GRADE.get(outcome)
    return FollowUpResult(follow_up, suggested if suggested and suggested != locked.intent_grade else None)


@transaction.atomic
def follow_up_due_clear(*, customer: Customer, actor) -> Customer:
    """Drop the planned next follow-up without recording one (the plan is no longer needed)."""
    locked = _locked_for_edit(customer=customer, actor=actor)
    if locked.next_follow_up_on is not None:
        locked.next_follow_up_on, locked.updated_at = None, timezone.now()
        locked.save(update_fields=["next_follow_up_on", "updated_at"])
    customer.next_follow_up_on = None
    return customer


def follow_ups_due(*, user, today: date | None = None) -> QuerySet[Customer]:
    """Customers in the user's scope whose planned follow-up is today or overdue, oldest first."""
    today = today or timezone.localdate()
    return (Customer.objects.visible_to(user)
            .filter(next_follow_up_on__lte=today, erased_at__isnull=True)
            .order_by("next_follow_up_on", "pk"))


@transaction.atomic
def after_sales_record_create(*, customer: Customer, actor, kind: str, description: str,
                              order: Order | None = None) -> AfterSalesRecord:
    """Record an after-sales case (CUS-3): repair, installation problem, return, complaint, upkeep."""
    if kind not in AfterSalesRecord.Kind.values:
        raise CustomerError(_("Choose the kind of after-sales case."))
    description = (description or "").strip()
    if not description:
        raise CustomerError(_("Describe the after-sales case."))
    locked = _locked_for_edit(customer=customer, actor=actor)
    if order is not None and order.customer_id != locked.pk:
        raise CustomerError(_("That order is not this customer's."))
    return AfterSalesRecord.objects.create(customer=locked, order=order, kind=kind, description=description,
                                           created_by=acting_staff(actor))


@transaction.atomic
def after_sales_record_resolve(*, record: AfterSalesRecord, actor) -> AfterSalesRecord:
    """Mark an after-sales case resolved (once)."""
    _locked_for_edit(customer=record.customer, actor=actor)
    locked = AfterSalesRecord.objects.select_for_update().get(pk=record.pk)
    if locked.status == AfterSalesRecord.Status.RESOLVED:
        raise CustomerError(_("This after-sales case is already resolved."))
    locked.status, locked.resolved_at = AfterSalesRecord.Status.RESOLVED, timezone.now()
    locked.save(update_fields=["status", "resolved_at"])
    record.status, record.resolved_at = locked.status, locked.resolved_at
    return record


def customer_community_fill(*, customer: Customer, community: str, now=None) -> bool:
    """Record ``community`` on the customer when they have none yet: the customer's own act (a
    community group-buy they joined, PRO-5), with no staff actor. One conditional UPDATE, so a
    community the customer or staff already gave is never overwritten and an erased customer is
    left alone; only the customer row is touched. Returns whether it was recorded."""
    community = (community or "").strip()[:100]
    if not community:
        return False
    now = now or timezone.now()
    return bool(Customer.objects.filter(pk=customer.pk, community="", erased_at__isnull=True)
                .update(community=community, updated_at=now))
