"""Attribution (QR-4): which store and assistant a customer belongs to, and every change of it.

Rules:
* The first scan of a code that belongs to a store binds the customer to that store and to the
  code's assistant (staff code), or to an assistant chosen by the code's rule (store code:
  round robin among the store's active assistants, or the store only).
* Within the protection period (head office setting, default 90 days) later scans elsewhere are
  recorded but change nothing. After it, a scan of another store's or another assistant's code
  binds the customer anew.
* A staff code whose assistant has left keeps working: it acts as a round-robin store code.
* Head-office codes (no store) never bind.
* A share link (QR-6) binds only a customer no store has yet, to the sharer's store and assistant
  (see the end of this module).
Every change writes an ``OwnerChange`` row with its reason.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stores.models import HeadOffice, QRCode, Role, Staff, Store
from stores.scope import Level, scope_of

from .errors import CustomerError
from .models import Customer, OwnerChange

PROTECTION_CACHE_KEY = "attribution:protection_days"


def protection_days() -> int:
    days = cache.get(PROTECTION_CACHE_KEY)
    if days is None:
        office = HeadOffice.objects.order_by("pk").first()
        days = office.protection_days if office else 90
        cache.set(PROTECTION_CACHE_KEY, days, 300)
    return days


def protection_days_changed() -> None:
    """Call after head office edits the protection period so it applies at once."""
    cache.delete(PROTECTION_CACHE_KEY)


@dataclass(frozen=True)
class Binding:
    store: Store
    reason: str


def is_protected(customer: Customer, now: datetime, days: int) -> bool:
    since = customer.bound_at or customer.created_at
    return customer.store_id is not None and since + timedelta(days=days) > now


def binding_for_scan(customer: Customer, code: QRCode, now: datetime, days: Callable[[], int]) -> Binding | None:
    """What a scan of ``code`` does to ``customer``'s attribution (None: nothing). ``days`` gives
    the protection period; it is asked only when the answer depends on it."""
    if code.store_id is None:
        return None
    if customer.store_id is None:
        return Binding(code.store, OwnerChange.Reason.FIRST_SCAN)
    same_store = code.store_id == customer.store_id
    if same_store and (code.staff_id is None or code.staff_id == customer.owner_assistant_id):
        return None
    if is_protected(customer, now, days()):
        return None
    return Binding(code.store, OwnerChange.Reason.PROTECTION_EXPIRED)


def assistant_for_code(code: QRCode) -> Staff | None:
    """The assistant a new customer of this code gets (QR-4 store-code rules): the code's own
    assistant; else, when they are off, gone or over the daily cap, the backup assistant; store
    codes rotate among the store's assistants (or those on duty today), skipping anyone over the
    cap, then fall back to the backup; None binds to the store only."""
    staff = code.staff
    if staff is not None and staff.store_id == code.store_id and _can_take(staff, code):
        return staff
    if staff is None and code.assignment == QRCode.Assignment.STORE_ONLY:
        return None
    if staff is not None and code.backup_staff_id and _can_take(code.backup_staff, code):
        return code.backup_staff
    chosen = _next_in_rotation(code.store_id, code=code)
    if chosen is None and code.backup_staff_id and _can_take(code.backup_staff, code):
        return code.backup_staff
    return chosen


def _can_take(staff: Staff, code: QRCode) -> bool:
    if not staff.is_active or staff.store_id != code.store_id:
        return False
    return code.daily_cap is None or _taken_today(staff) < code.daily_cap


def _taken_today(staff: Staff) -> int:
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return OwnerChange.objects.filter(to_assistant=staff, changed_at__gte=start,
                                      reason__in=[OwnerChange.Reason.FIRST_SCAN,
                                                  OwnerChange.Reason.PROTECTION_EXPIRED]).count()


def _next_in_rotation(store_id: int, *, code: QRCode | None = None) -> Staff | None:
    """The next active assistant of the store in turn (for a code: on duty and under its cap)."""
    # The store row is locked so that two simultaneous new customers get different assistants.
    store = Store.objects.select_for_update().only("id", "assignment_cursor").get(pk=store_id)
    pool = Staff.objects.filter(store_id=store_id, role=Role.ASSISTANT, is_active=True).order_by("pk")
    if code is not None and code.assignment == QRCode.Assignment.ON_DUTY:
        on_duty = pool.filter(duty_shifts__date=timezone.localdate())
        if on_duty.exists():
            pool = on_duty
    cap = code.daily_cap if code is not None else None
    assistants = [a for a in pool if cap is None or _taken_today(a) < cap]
    if not assistants:
        return None
    chosen = assistants[store.assignment_cursor % len(assistants)]
    store.assignment_cursor += 1
    store.save(update_fields=["assignment_cursor"])
    return chosen


def _apply(customer: Customer, *, store: Store | None, assistant: Staff | None, reason: str,
           code: QRCode | None = None, actor=None, note: str = "", now: datetime | None = None) -> OwnerChange:
    now = now or timezone.now()
    change = OwnerChange.objects.create(
        customer=customer, from_store_id=customer.store_id, to_store=store,
        from_assistant_id=customer.owner_assistant_id, to_assistant=assistant, reason=reason,
        note=note, qr_code=code, changed_by=actor, changed_at=now,
    )
    customer.store, customer.owner_assistant, customer.bound_at = store, assistant, now
    fields = ["store", "owner_assistant", "bound_at"]
    if code is not None:
        customer.bound_via = code
        fields.append("bound_via")
    customer.save(update_fields=fields)
    return change


def attribution_on_scan(*, customer: Customer, code: QRCode, now: datetime) -> bool:
    """Bind ``customer`` if this scan should; True when it did. Safe under concurrent scans:
    the customer row is locked and the decision taken again on the locked row. A scan that
    changes nothing (the common case) costs no query here."""
    if binding_for_scan(customer, code, now, protection_days) is None:
        return False
    with transaction.atomic():
        locked = Customer.objects.select_for_update().get(pk=customer.pk)
        binding = binding_for_scan(locked, code, now, protection_days)
        if binding is None:
            return False
        _apply(locked, store=binding.store, assistant=assistant_for_code(code), reason=binding.reason, code=code,
               now=now)
    customer.store_id, customer.owner_assistant_id, customer.bound_at = (
        locked.store_id, locked.owner_assistant_id, locked.bound_at)
    return True


@transaction.atomic
def customer_reassign(*, customer: Customer, assistant: Staff, actor, note: str) -> OwnerChange:
    """Head office moves a customer to another assistant (and their store)."""
    if scope_of(actor).level is not Level.ALL:
        raise CustomerError(_("Only head office can reassign a customer."))
    if not note.strip():
        raise CustomerError(_("Please give a reason for the reassignment."))
    if not assistant.is_active or assistant.store_id is None:
        raise CustomerError(_("Customers can only be assigned to an active member of a store's staff."))
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    return _apply(locked, store=assistant.store, assistant=assistant, reason=OwnerChange.Reason.REASSIGNED,
                  actor=actor, note=note.strip())


@transaction.atomic
def customers_hand_over(*, leaving: Staff, to: Staff | None, actor) -> int:
    """Hand every customer of ``leaving`` to ``to``, or round robin among the store's other
    active assistants when ``to`` is None. Returns how many customers moved."""
    scope = scope_of(actor)
    if scope.level not in (Level.ALL, Level.REGION, Level.STORE) or not Staff.objects.visible_to(actor).filter(
        pk=leaving.pk
    ).exists():
        raise CustomerError(_("You can only hand over the customers of your own store's staff."))
    if to is not None and (to.store_id != leaving.store_id or not to.is_active or to.pk == leaving.pk):
        raise CustomerError(_("Hand customers over to an active assistant of the same store."))
    heirs = [to] if to else list(
        Staff.objects.filter(store_id=leaving.store_id, role=Role.ASSISTANT, is_active=True)
        .exclude(pk=leaving.pk).order_by("pk")
    )
    if not heirs:
        raise CustomerError(_("There is no other active assistant in this store to take the customers."))
    customers = list(Customer.objects.select_for_update().filter(owner_assistant=leaving).order_by("pk"))
    now = timezone.now()
    for n, customer in enumerate(customers):
        _apply(customer, store=customer.store, assistant=heirs[n % len(heirs)], reason=OwnerChange.Reason.HANDOVER,
               actor=actor, now=now, note=_("from %(name)s") % {"name": leaving.name})
    return len(customers)


# --- Through a share link (QR-6) -----------------------------------------------------------------
#
# A person who opens a page another customer shared with them ("discuss it with the family") is
# that customer's family or friend. If no store has them yet, they become a customer of the
# sharer's store and assistant: the assistant who served the sharer serves the household. A
# customer some store already has is never moved by a share, not even after the protection
# period: a share is not a visit, and only visits (scans) or head office move customers.


def binding_for_share(customer: Customer, sharer: Customer | None) -> Binding | None:
    """What opening a page shared by ``sharer`` does to ``customer``'s attribution (None: nothing)."""
    if sharer is None or sharer.store_id is None or sharer.pk == customer.pk:
        return None
    if customer.store_id is not None:
        return None
    return Binding(sharer.store, OwnerChange.Reason.SHARED_BY_CUSTOMER)


def assistant_for_sharer(sharer: Customer) -> Staff | None:
    """The assistant a family member gets: the sharer's own; when the sharer's assistant has left
    the store, the next in the store's rotation (as a leaving assistant's printed code does); none
    when the sharer has none either (the manager assigns both)."""
    assistant = sharer.owner_assistant
    if assistant is None:
        return None
    if assistant.is_active and assistant.store_id == sharer.store_id:
        return assistant
    return _next_in_rotation(sharer.store_id)


def attribution_on_share_open(*, customer: Customer, share, now: datetime) -> bool:
    """Bind ``customer`` through ``share``'s sharer if they belong to no store yet; True when it
    did. The change is an ``OwnerChange`` with reason ``SHARED_BY_CUSTOMER``, no code, and the
    sharer's name as its note. Decided again on the locked row, as for scans; the sharer is read
    afresh, so a sharer reassigned since making the link brings the family to the new owner."""
    if binding_for_share(customer, share.sharer) is None:
        return False
    with transaction.atomic():
        locked = Customer.objects.select_for_update().get(pk=customer.pk)
        sharer = Customer.objects.select_related("store", "owner_assistant").get(pk=share.sharer_id)
        binding = binding_for_share(locked, sharer)
        if binding is None:
            return False
        _apply(locked, store=binding.store, assistant=assistant_for_sharer(sharer), reason=binding.reason,
               note=str(sharer.display_name)[:200], now=now)
    customer.store_id, customer.owner_assistant_id, customer.bound_at = (
        locked.store_id, locked.owner_assistant_id, locked.bound_at)
    return True
