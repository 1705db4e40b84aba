"""Merging two customer rows of one person, and undoing it (CUS-12).

What a merge does, in one transaction holding the merged customer's rows and then both customer
rows (locked in id order, like every other multi-customer write; rows before customers, as the
outbox, journeys and invitations take them):

* **History moves.** Every row that points at the merged customer — scans, owner changes, page
  views, favourites, tags, orders, follow-ups, after-sales, reviews, coupons, draws, invitation
  entries, messages, WeCom friendships, radar entries, identities, and whatever table is added
  later (found through ``Customer._meta.related_objects``, not a list to keep up to date) — points
  at the survivor instead; the ids are kept in ``CustomerMerge.moved`` for undo. A row that cannot
  move because the survivor already has its twin (the same favourite, tag, share or privacy
  request; a second running invitation entry) stays with the merged row, where undo finds it.
  Apps above customers act on what stayed through :func:`merge_participant_register`
  (invitations ends a running entry left behind, so no to-do shows a merged customer).
* **Ledgers stay append-only.** Points and stored value are not moved entry by entry (their
  numbering and balances belong to one customer): the merged customer's balance leaves by one
  "customer merge" entry and arrives on the survivor by another; both ledgers keep every entry.
* **Identities.** The merged customer's openid / unionid go to the survivor (its column when that is
  empty, else an identity row marked with the merge), so its next scan resolves to the survivor.
* **Profile.** The survivor's empty fields are filled from the merged customer (name, mobile,
  birthday, community, ...); opting out of marketing and following the official account are the
  person's, so either row's "yes" holds; the last contact is the later one (INV-11).
* **Owner** (QR-4 rules): of the two bindings, the earliest one still inside its protection period
  wins; when neither is protected, the latest binding wins (it would have won by scanning again).
  An owner change is written with the reason "merged", and the assistant who lost the customer is
  told why through the official account.
* **The merged row** stays as a tombstone: ``merged_into`` set, no store, owner or identity, so no
  list, segment or count shows it; ``before`` keeps its fields for undo.

Undo (head office only) puts back exactly what the merge changed and nothing newer: rows recorded
as moved that still point at the survivor go back; the identities the merge added are removed;
both rows' fields and the survivor's owner are restored (owner change "merge undone"); balances
move back by a second pair of entries — refused when the survivor has since spent them.

Refusals (``CustomerError``, in the user's language): a customer into itself, an erased or already
merged customer, a customer the actor cannot see.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.core import serializers
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from stores.scope import Level, scope_of

from .attribution import is_protected, protection_days
from .errors import CustomerError
from .identity import identity_attach
from .models import Customer, CustomerProfile, OwnerChange, PointsEntry, RadarReminder, StoredValueEntry
from .models.identity import CustomerIdentity, CustomerMerge, MergeDismissal

# Filled on the survivor from the merged customer when the survivor's is empty.
FILLED_FIELDS = ("name", "gender", "birthday", "age", "mobile", "community", "address", "house_handover_on",
                 "decoration_status", "intent_grade", "next_follow_up_on")
# The person's own choices and facts: either row's "yes" / the later date holds.
EITHER_TRUE = ("marketing_opt_out", "wechat_subscribed", "is_wecom_friend")
OWNER_FIELDS = ("store_id", "owner_assistant_id", "bound_at", "bound_via_id")
LEDGERS = (PointsEntry, StoredValueEntry)
# Rows that never move: ledgers (append-only, see above), the merge records themselves, and the
# radar's rate-limit row (keyed by the customer itself; the survivor keeps its own turn).
_NOT_MOVED = {PointsEntry, StoredValueEntry, CustomerMerge, MergeDismissal, RadarReminder}
NOTE_MAX = 200


def _relations():
    """(model, field name) of every foreign key to Customer that a merge moves."""
    # Hidden relations too (``related_name="+"``, e.g. segment members): every reverse foreign key.
    for rel in Customer._meta.get_fields(include_hidden=True):
        if not (rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one)):
            continue
        if rel.related_model in _NOT_MOVED:
            continue
        yield rel.related_model, rel.field.name


def _relation_key(model, field: str) -> str:
    return f"{model._meta.label}.{field}"


def _relation_of(key: str):
    for model, field in _relations():
        if _relation_key(model, field) == key:
            return model, field
    return None, None


def _has_unique_with(model, field: str) -> bool:
    for constraint in model._meta.constraints:
        if field in (getattr(constraint, "fields", None) or ()):
            return True
    return any(field in together for together in model._meta.unique_together) or model._meta.get_field(field).unique


def _snapshot(customer: Customer) -> dict:
    return json.loads(serializers.serialize("json", [customer]))[0]["fields"]


def _restore(pk: int, fields: dict, only: list[str] | None = None) -> None:
    """Write ``fields`` (a snapshot) back onto customer ``pk`` (all of them, or ``only``)."""
    payload = json.dumps([{"model": "customers.customer", "pk": pk, "fields": fields}])
    obj = next(serializers.deserialize("json", payload)).object
    names = only or [f.name for f in Customer._meta.concrete_fields if f.name in fields]
    obj.save(update_fields=names)


def _locked_pair(a: Customer, b: Customer) -> tuple[Customer, Customer]:
    rows = {c.pk: c for c in Customer.objects.select_for_update().filter(pk__in=[a.pk, b.pk]).order_by("pk")}
    if a.pk not in rows or b.pk not in rows:
        raise CustomerError(_("This customer no longer exists."))
    return rows[a.pk], rows[b.pk]


def _check_actor(actor, *customers: Customer) -> None:
    if actor is None:  # an automatic merge: the identities proved it
        return
    visible = set(Customer.objects.visible_to(actor).filter(pk__in=[c.pk for c in customers])
                  .values_list("pk", flat=True))
    if len(visible) != len(customers):
        raise CustomerError(_("You can only merge customers you can see."))
    if scope_of(actor).level < Level.STORE:
        raise CustomerError(_("Only store managers and head office can merge customers."))


def merge_refusal(survivor: Customer, merged: Customer) -> str | None:
    """Why these two cannot be merged (None: they can)."""
    if survivor.pk == merged.pk:
        return _("A customer cannot be merged into itself.")
    for customer in (survivor, merged):
        if customer.erased_at is not None:
            return _("An erased customer cannot be merged.")
        if customer.merged_into_id is not None:
            return _("This customer was already merged into another.")
    return None


@dataclass(frozen=True)
class Owner:
    store_id: int | None
    owner_assistant_id: int | None
    bound_at: datetime | None
    bound_via_id: int | None


def _owner_of(customer: Customer) -> Owner:
    return Owner(customer.store_id, customer.owner_assistant_id, customer.bound_at or customer.created_at,
                 customer.bound_via_id)


def merge_owner(survivor: Customer, merged: Customer, now: datetime) -> Owner:
    """The binding the merged customer keeps (see the module docstring)."""
    bound = [c for c in (survivor, merged) if c.store_id is not None]
    if not bound:
        return _owner_of(survivor)
    days = protection_days()
    protected = [c for c in bound if is_protected(c, now, days)]
    if protected:
        return _owner_of(min(protected, key=lambda c: (c.bound_at or c.created_at, c.pk)))
    return _owner_of(max(bound, key=lambda c: (c.bound_at or c.created_at, c.pk)))


def _move_rows(merge: CustomerMerge, survivor: Customer, merged: Customer) -> dict[str, list[int]]:
    moved: dict[str, list[int]] = {}
    for model, field in _relations():
        rows = model._base_manager.filter(**{field: merged.pk})
        if model is CustomerProfile:
            if CustomerProfile.objects.filter(customer=survivor).exists():
                continue  # the survivor's profile stays; the merged one is kept with the merged row
        pks = list(rows.values_list("pk", flat=True))
        if not pks:
            continue
        if _has_unique_with(model, field):
            done = []
            for pk in pks:
                try:
                    with transaction.atomic():
                        model._base_manager.filter(pk=pk).update(**{field: survivor.pk})
                    done.append(pk)
                except IntegrityError:  # the survivor has its twin: it stays with the merged row
                    continue
            pks = done
        else:
            model._base_manager.filter(pk__in=pks).update(**{field: survivor.pk})
        if pks:
            moved[_relation_key(model, field)] = pks
    return moved


# Apps above customers that must act on rows left with the merged customer (invitations ends a
# running entry the survivor has a twin of) register here from their AppConfig.ready:
# name -> (on_merge(merged) -> JSON-able record, on_undo(record)).
_PARTICIPANTS: dict[str, tuple[Callable, Callable]] = {}


def merge_participant_register(name: str, on_merge: Callable, on_undo: Callable) -> None:
    _PARTICIPANTS[name] = (on_merge, on_undo)


def _balance(model, customer: Customer):
    last = model.objects.filter(customer=customer).order_by("-seq").values_list("balance_after", flat=True).first()
    return last or 0


def _transfer(model, *, source: Customer, target: Customer, amount, key: str, note_out: str, note_in: str) -> None:
    from .ledgers import _append

    kind = model.Kind.MERGE
    _append(model, customer=source, kind=kind, delta=-amount, note=note_out[:NOTE_MAX], idempotency_key=f"{key}:out")
    _append(model, customer=target, kind=kind, delta=amount, note=note_in[:NOTE_MAX], idempotency_key=f"{key}:in")


def _tell_losing_assistant(merge: CustomerMerge, survivor: Customer, lost_owner_id: int | None) -> None:
    from stores.models import Staff
    from wechat.outbox import staff_remind

    if not lost_owner_id or lost_owner_id == survivor.owner_assistant_id:
        return
    staff = Staff.objects.filter(pk=lost_owner_id).select_related("store").first()
    if staff is None:
        return
    winner = survivor.owner_assistant.name if survivor.owner_assistant_id else _("the store")
    staff_remind(staff=staff, key=f"customer_merge:{merge.pk}:lost:{staff.pk}",
                 title=_("Customer merged: %(name)s") % {"name": survivor.display_name},
                 body=_("Same person; bound earlier to %(winner)s") % {"winner": winner})


@transaction.atomic
def customer_merge(*, survivor: Customer, merged: Customer, reason: str, actor=None, note: str = "",
                   now: datetime | None = None) -> CustomerMerge:
    """Merge ``merged`` into ``survivor`` (see the module docstring). ``actor`` None: automatic
    (two identities of one person met); else a manager or head office, who must see both."""
    now = now or timezone.now()
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise CustomerError(_("The note is too long (up to 200 characters)."))
    # Lock order: the merged customer's rows first, then both customer rows. The outbox (a message,
    # then its customer's contact), journeys (a delivery, then its customer) and invitations (an
    # entry, then its customer) all go row → customer; so does the merge, so none of them deadlock.
    for model, field in _relations():
        list(model._base_manager.select_for_update().filter(**{field: merged.pk}).values_list("pk", flat=True))
    survivor, merged = _locked_pair(survivor, merged)
    refusal = merge_refusal(survivor, merged)
    if refusal:
        raise CustomerError(refusal)
    _check_actor(actor, survivor, merged)
    before = {"merged": _snapshot(merged), "survivor": _snapshot(survivor)}
    owner = merge_owner(survivor, merged, now)
    lost_owner = merged.owner_assistant_id if owner.owner_assistant_id != merged.owner_assistant_id \
        else survivor.owner_assistant_id
    merge = CustomerMerge.objects.create(
        survivor=survivor, merged=merged, reason=reason, note=note, merged_at=now,
        merged_by=actor if getattr(actor, "pk", None) else None, owner_before_id=survivor.owner_assistant_id,
        owner_after_id=owner.owner_assistant_id)

    # The merged row gives up its identities first (they are unique), then its history moves.
    identities = {"openid": merged.openid, "unionid": merged.unionid}
    Customer.objects.filter(pk=merged.pk).update(openid=None, unionid=None)
    moved = _move_rows(merge, survivor, merged)
    left = {name: on_merge(merged) for name, (on_merge, _undo) in _PARTICIPANTS.items()}
    # The merged row's openid / unionid: into the survivor's column when that is empty (messages go
    # to the column), else an identity row marked with the merge; undo takes both back.
    filled_columns = []
    for kind, value in identities.items():
        if value:
            had = getattr(survivor, kind)
            identity_attach(customer=survivor, kind=kind, value=value, merge=merge)
            if had is None and getattr(survivor, kind) == value:
                filled_columns.append(kind)

    for model in LEDGERS:
        amount = _balance(model, merged)
        if amount > 0:
            _transfer(model, source=merged, target=survivor, amount=amount, key=f"merge:{merge.pk}",
                      note_out=_("Moved to customer #%(pk)s (merged)") % {"pk": survivor.pk},
                      note_in=_("From customer #%(pk)s (merged)") % {"pk": merged.pk})

    changed = []
    for name in FILLED_FIELDS:
        if getattr(survivor, name) in ("", None) and getattr(merged, name) not in ("", None):
            setattr(survivor, name, getattr(merged, name))
            changed.append(name)
    for name in EITHER_TRUE:
        if getattr(merged, name) and not getattr(survivor, name):
            setattr(survivor, name, True)
            changed.append(name)
    if merged.last_contacted_at and (survivor.last_contacted_at is None
                                     or merged.last_contacted_at > survivor.last_contacted_at):
        survivor.last_contacted_at = merged.last_contacted_at
        changed.append("last_contacted_at")
    owner_changed = (owner.store_id, owner.owner_assistant_id) != (survivor.store_id, survivor.owner_assistant_id)
    if owner_changed:
        OwnerChange.objects.create(
            customer=survivor, from_store_id=survivor.store_id, to_store_id=owner.store_id,
            from_assistant_id=survivor.owner_assistant_id, to_assistant_id=owner.owner_assistant_id,
            reason=OwnerChange.Reason.MERGED, note=_("Merged with customer #%(pk)s") % {"pk": merged.pk},
            changed_by=actor if getattr(actor, "pk", None) else None, changed_at=now)
        survivor.store_id, survivor.owner_assistant_id = owner.store_id, owner.owner_assistant_id
        survivor.bound_at, survivor.bound_via_id = owner.bound_at, owner.bound_via_id
        changed += ["store", "owner_assistant", "bound_at", "bound_via"]
    survivor.updated_at = now
    survivor.save(update_fields=[*changed, "updated_at"])

    Customer.objects.filter(pk=merged.pk).update(
        merged_into=survivor, store=None, owner_assistant=None, bound_at=None, bound_via=None, mobile="",
        updated_at=now)
    merge.moved = moved
    merge.before = {**before, "survivor_changed": changed, "participants": left, "filled_columns": filled_columns}
    merge.save(update_fields=["moved", "before"])
    if owner_changed or lost_owner != survivor.owner_assistant_id:
        survivor.owner_assistant = survivor.owner_assistant if survivor.owner_assistant_id else None
        _tell_losing_assistant(merge, survivor, lost_owner)
    return merge


def _may_undo(actor) -> None:
    if actor is None or scope_of(actor).level is not Level.ALL:
        raise CustomerError(_("Only head office can undo a merge."))


@transaction.atomic
def merge_undo(*, merge: CustomerMerge, actor, reason: str, now: datetime | None = None) -> CustomerMerge:
    """Undo ``merge`` (head office, with a reason): see the module docstring."""
    now = now or timezone.now()
    _may_undo(actor)
    reason = (reason or "").strip()
    if not reason:
        raise CustomerError(_("Say why the merge is undone."))
    if len(reason) > NOTE_MAX:
        raise CustomerError(_("The reason is too long (up to 200 characters)."))
    merge = CustomerMerge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at is not None:
        raise CustomerError(_("This merge was already undone."))
    if not merge.before:  # dropped when the person's data was erased (PIPL)
        raise CustomerError(_("This customer's data was erased; the merge can no longer be undone."))
    survivor, merged = _locked_pair(merge.survivor, merge.merged)
    if survivor.merged_into_id is not None:
        raise CustomerError(_("The kept customer was merged again since: undo that merge first."))
    for model in LEDGERS:  # refused before anything changes
        moved_in = model.objects.filter(idempotency_key=f"merge:{merge.pk}:in").values_list("delta", flat=True).first()
        if moved_in and _balance(model, survivor) < moved_in:
            raise CustomerError(_("The merged balance was partly spent since the merge; it cannot be undone."))

    # Identities the merge gave the survivor go back with the merged customer's columns.
    CustomerIdentity.objects.filter(merge=merge).delete()
    filled = merge.before.get("filled_columns", [])
    if filled:
        Customer.objects.filter(pk=survivor.pk).update(**dict.fromkeys(filled))
    before = merge.before
    survivor_before, merged_before = before["survivor"], before["merged"]
    for key, pks in merge.moved.items():
        model, field = _relation_of(key)
        if model is None:
            continue
        model._base_manager.filter(pk__in=pks, **{field: survivor.pk}).update(**{field: merged.pk})
    for name, record in before.get("participants", {}).items():
        if name in _PARTICIPANTS:
            _PARTICIPANTS[name][1](record)

    changed = [name for name in before.get("survivor_changed", []) if name not in ("store", "owner_assistant",
                                                                                     "bound_at", "bound_via")]
    owner_back = {"store", "owner_assistant", "bound_at", "bound_via"} & set(before.get("survivor_changed", []))
    if owner_back:
        OwnerChange.objects.create(
            customer=survivor, from_store_id=survivor.store_id, to_store_id=survivor_before["store"],
            from_assistant_id=survivor.owner_assistant_id, to_assistant_id=survivor_before["owner_assistant"],
            reason=OwnerChange.Reason.MERGE_UNDONE, note=reason[:NOTE_MAX], changed_by=actor, changed_at=now)
    fields = [*changed, *sorted(owner_back)]
    if fields:
        _restore(survivor.pk, survivor_before, only=fields)
    _restore(merged.pk, merged_before)
    Customer.objects.filter(pk=merged.pk).update(merged_into=None, updated_at=now)

    for model in LEDGERS:
        moved_in = model.objects.filter(idempotency_key=f"merge:{merge.pk}:in").values_list("delta", flat=True).first()
        if moved_in:
            merged_fresh = Customer.objects.get(pk=merged.pk)
            survivor_fresh = Customer.objects.get(pk=survivor.pk)
            _transfer(model, source=survivor_fresh, target=merged_fresh, amount=moved_in, key=f"unmerge:{merge.pk}",
                      note_out=_("Back to customer #%(pk)s (merge undone)") % {"pk": merged.pk},
                      note_in=_("Back from customer #%(pk)s (merge undone)") % {"pk": survivor.pk})
    merge.undone_at, merge.undone_by, merge.undo_reason = now, actor, reason
    merge.save(update_fields=["undone_at", "undone_by", "undo_reason"])
    return merge


# --- Candidates for the manager ------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    first: Customer
    second: Customer
    why: str

    @property
    def people(self) -> tuple[Customer, Customer]:
        return self.first, self.second


def merge_candidates(*, actor, limit: int = 50) -> list[Candidate]:
    """Pairs that look like one person (same mobile number; same name in the same community) among
    the customers ``actor`` sees, not dismissed, for the manager to confirm or dismiss. Five
    queries, however many groups."""
    from collections import defaultdict
    from functools import reduce
    from operator import or_

    visible = Customer.objects.visible_to(actor).filter(erased_at__isnull=True, merged_into__isnull=True)
    mobiles = list(visible.exclude(mobile="").values("mobile").order_by().annotate(n=Count("pk"))
                   .filter(n__gt=1).values_list("mobile", flat=True)[:limit])
    names = list(visible.exclude(name="").exclude(community="").values("name", "community").order_by()
                 .annotate(n=Count("pk")).filter(n__gt=1).values_list("name", "community")[:limit])
    groups: dict[tuple, list[int]] = defaultdict(list)
    if mobiles:
        for mobile, pk in visible.filter(mobile__in=mobiles).order_by("mobile", "pk").values_list("mobile", "pk"):
            groups[("mobile", mobile)].append(pk)
    if names:
        same_name = reduce(or_, (Q(name=name, community=community) for name, community in names))
        for name, community, pk in (visible.filter(same_name).order_by("name", "community", "pk")
                                    .values_list("name", "community", "pk")):
            groups[("name", name, community)].append(pk)
    why = {"mobile": _("Same mobile number"), "name": _("Same name in the same community")}
    pairs: dict[tuple[int, int], str] = {}
    for key, pks in groups.items():
        for i, low in enumerate(pks):
            for high in pks[i + 1:]:
                pairs.setdefault((low, high), why[key[0]])
    ids = {pk for pair in pairs for pk in pair}
    dismissed = set(MergeDismissal.objects.filter(customer_low_id__in=ids)
                    .values_list("customer_low_id", "customer_high_id")) if ids else set()
    chosen = [(pair, reason) for pair, reason in sorted(pairs.items()) if pair not in dismissed][:limit]
    rows = Customer.objects.select_related("store", "owner_assistant").in_bulk({pk for pair, _r in chosen for pk in pair})
    return [Candidate(rows[low], rows[high], reason) for (low, high), reason in chosen]


@transaction.atomic
def candidate_dismiss(*, actor, first: Customer, second: Customer) -> MergeDismissal:
    """The manager says these two are different people: the pair is not listed again."""
    _check_actor(actor, first, second)
    low, high = sorted([first.pk, second.pk])
    if low == high:
        raise CustomerError(_("A customer cannot be merged into itself."))
    staff = getattr(actor, "staff", None)
    dismissal, _created = MergeDismissal.objects.get_or_create(
        customer_low_id=low, customer_high_id=high, defaults={"dismissed_by": staff})
    return dismissal


__all__ = ["Candidate", "candidate_dismiss", "customer_merge", "merge_candidates",
           "merge_owner", "merge_participant_register", "merge_refusal", "merge_undo", "mobile_verified",
           "mobile_verify"]


# --- A verified mobile number is one person ------------------------------------------------------


def mobile_verified(customer: Customer) -> bool:
    return bool(customer.mobile) and CustomerIdentity.objects.filter(
        customer=customer, kind=CustomerIdentity.Kind.MOBILE, value=customer.mobile).exists()


def mobile_verify(*, customer: Customer, actor, now: datetime | None = None) -> CustomerMerge | None:
    """Staff confirmed with the customer in person that the recorded mobile number is theirs
    (CUS-12: a verified mobile number of one person resolves to one customer). The number becomes
    the customer's identity; when another customer already holds it verified, the two are one
    person and are merged at once (the older record is kept, the attribution rules choose the
    owner, the assistant who loses the customer is told). Returns that merge, or None."""
    from .profiles import _locked_for_edit

    with transaction.atomic():
        locked = _locked_for_edit(customer=customer, actor=actor)
        if not locked.mobile:
            raise CustomerError(_("Record the customer's mobile number first."))
        holder = (CustomerIdentity.objects.filter(kind=CustomerIdentity.Kind.MOBILE, value=locked.mobile)
                  .select_related("customer").first())
        if holder is None:
            identity_attach(customer=locked, kind=CustomerIdentity.Kind.MOBILE, value=locked.mobile)
            return None
        other = holder.customer
    if other.pk == customer.pk:
        return None
    survivor, merged = sorted([Customer.objects.get(pk=customer.pk), other], key=lambda c: (c.created_at, c.pk))
    return customer_merge(survivor=survivor, merged=merged, reason=CustomerMerge.Reason.SAME_MOBILE, now=now,
                          note=_("Verified mobile number %(mobile)s") % {"mobile": customer.masked_mobile})
