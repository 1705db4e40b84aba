"""Points and stored-value ledgers (CUS-8), and points redemption.

Invariants:
* Entries are only appended, never edited. Each append holds a lock on the customer row
  (``select_for_update``), reads the newest entry, and writes ``seq + 1`` and the new
  ``balance_after``; so the current balance is the newest entry's ``balance_after`` and equals
  the sum of all deltas, and no balance goes below zero (also a database check).
* An idempotency key makes a retried write (a double tap, a re-run import) add nothing.
* Lock order, always: customer row, then reward row, then redemption row. Every path takes
  them in that order, so two redemptions never deadlock.
* A reward's stock is taken under its row lock and never goes below zero.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import models, transaction
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _

from stores.models import Staff
from stores.scope import Level, scope_of

from .errors import CustomerError
from .models import Customer, Order, PointsEntry, PointsRedemption, PointsReward, StoredValueEntry

MAX_POINTS_DELTA = 10_000_000


def _lock_customer(customer: Customer) -> Customer:
    return Customer.objects.select_for_update().only("id", "store_id").get(pk=customer.pk)


def _append(model, *, customer: Customer, kind: str, delta, staff: Staff | None = None, order: Order | None = None,
            note: str = "", idempotency_key: str | None = None, actor=None, **extra):
    """Append one entry to ``model``'s ledger of ``customer``; the caller holds the transaction."""
    if not delta:
        raise CustomerError(_("A ledger entry needs a change other than zero."))
    if len(note) > 200:
        raise CustomerError(_("The note is too long (up to 200 characters)."))
    if idempotency_key is not None and len(idempotency_key) > 100:
        raise ValueError("idempotency key longer than 100 characters")
    locked = _lock_customer(customer)
    # Looked up after the lock: a concurrent writer with the same key has committed by now.
    if idempotency_key:
        existing = model.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    last = model.objects.filter(customer=locked).order_by("-seq").values("seq", "balance_after").first()
    seq, balance = (last["seq"], last["balance_after"]) if last else (0, 0)
    balance_after = balance + delta
    if balance_after < 0:
        if model is PointsEntry:
            raise CustomerError(_("Not enough points: the balance is %(balance)s.") % {"balance": balance})
        raise CustomerError(_("Not enough stored value: the balance is %(balance)s yuan.") % {"balance": balance})
    store_id = staff.store_id if staff is not None and staff.store_id else locked.store_id
    return model.objects.create(
        customer=locked, seq=seq + 1, kind=kind, delta=delta, balance_after=balance_after, store_id=store_id,
        staff=staff, order=order, note=note, idempotency_key=idempotency_key or None,
        created_by=actor if getattr(actor, "pk", None) else None, **extra,
    )


def _points(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value).strip())
        except (TypeError, ValueError):
            raise CustomerError(_("Points are a whole number.")) from None
    if value <= 0 or value > MAX_POINTS_DELTA:
        raise CustomerError(_("Points must be a whole number from 1 to %(max)d.") % {"max": MAX_POINTS_DELTA})
    return value


def _yuan(value) -> Decimal:
    from .orders import money

    amount = money(value)
    if amount <= 0:
        raise CustomerError(_("The amount must be more than zero."))
    return amount


# --- points ------------------------------------------------------------------------------------


@transaction.atomic
def points_add(*, customer: Customer, points: int, kind: str = PointsEntry.Kind.ADJUST, staff: Staff | None = None,
               note: str = "", idempotency_key: str | None = None, actor=None,
               order: Order | None = None) -> PointsEntry:
    return _append(PointsEntry, customer=customer, kind=kind, delta=_points(points), staff=staff, note=note,
                   idempotency_key=idempotency_key, actor=actor, order=order)


@transaction.atomic
def points_spend(*, customer: Customer, points: int, kind: str = PointsEntry.Kind.ADJUST, staff: Staff | None = None,
                 note: str = "", idempotency_key: str | None = None, actor=None) -> PointsEntry:
    return _append(PointsEntry, customer=customer, kind=kind, delta=-_points(points), staff=staff, note=note,
                   idempotency_key=idempotency_key, actor=actor)


def points_per_yuan() -> Decimal:
    return Decimal(str(getattr(settings, "POINTS_PER_YUAN", 1)))


@transaction.atomic
def points_for_order(*, order: Order, staff: Staff | None = None) -> PointsEntry | None:
    """Points earned with a fully paid order (``POINTS_PER_YUAN`` a yuan, rounded down), once."""
    points = int(order.amount * points_per_yuan())
    if points <= 0:
        return None
    return _append(PointsEntry, customer=order.customer, kind=PointsEntry.Kind.EARN_ORDER, delta=points,
                   staff=staff, order=order, note=order.number, idempotency_key=f"points:order:{order.pk}")


@transaction.atomic
def points_for_order_reverse(*, order: Order, staff: Staff | None = None) -> PointsEntry | None:
    """Take back the points of a cancelled order (refused if the customer has spent them)."""
    earned = PointsEntry.objects.filter(idempotency_key=f"points:order:{order.pk}").first()
    if earned is None:
        return None
    try:
        return _append(PointsEntry, customer=order.customer, kind=PointsEntry.Kind.REVERSAL, delta=-earned.delta,
                       staff=staff, order=order, note=order.number,
                       idempotency_key=f"points:order-reversal:{order.pk}")
    except CustomerError:
        raise CustomerError(_("The customer has already spent the %(n)d points earned with this order.")
                            % {"n": earned.delta}) from None


# --- stored value ------------------------------------------------------------------------------


@transaction.atomic
def stored_value_top_up(*, customer: Customer, amount, staff: Staff | None = None, note: str = "",
                        idempotency_key: str | None = None, actor=None) -> StoredValueEntry:
    return _append(StoredValueEntry, customer=customer, kind=StoredValueEntry.Kind.TOP_UP, delta=_yuan(amount),
                   staff=staff, note=note, idempotency_key=idempotency_key, actor=actor)


@transaction.atomic
def stored_value_spend(*, customer: Customer, amount, staff: Staff | None = None, order: Order | None = None,
                       note: str = "", idempotency_key: str | None = None, actor=None) -> StoredValueEntry:
    return _append(StoredValueEntry, customer=customer, kind=StoredValueEntry.Kind.SPEND, delta=-_yuan(amount),
                   staff=staff, order=order, note=note, idempotency_key=idempotency_key, actor=actor)


@transaction.atomic
def stored_value_adjust(*, customer: Customer, amount, staff: Staff | None = None, note: str = "",
                        actor=None) -> StoredValueEntry:
    """A correction by head office: ``amount`` may be negative. Needs a note saying why."""
    from .orders import CENT

    if not note.strip():
        raise CustomerError(_("Say why the balance is adjusted."))
    try:
        delta = Decimal(str(amount).strip()).quantize(CENT)
    except (InvalidOperation, ValueError):
        raise CustomerError(_("“%(value)s” is not an amount of money.") % {"value": amount}) from None
    if not delta.is_finite() or abs(delta) >= Decimal("10000000000"):
        raise CustomerError(_("This amount is too large."))
    return _append(StoredValueEntry, customer=customer, kind=StoredValueEntry.Kind.ADJUST, delta=delta, staff=staff,
                   note=note, actor=actor)


# --- redemption --------------------------------------------------------------------------------


@transaction.atomic
def points_redeem(*, customer: Customer, reward: PointsReward, quantity: int = 1, staff: Staff | None = None,
                  actor=None, idempotency_key: str | None = None) -> PointsRedemption:
    """Exchange points for ``quantity`` of ``reward``; stock and points are taken together."""
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= 99:
        raise CustomerError(_("The quantity must be a whole number from 1 to 99."))
    _lock_customer(customer)  # lock order: customer, then reward
    if idempotency_key:
        earlier = PointsEntry.objects.filter(idempotency_key=idempotency_key).select_related("redemption").first()
        if earlier is not None and earlier.redemption is not None:
            return earlier.redemption
    reward = PointsReward.objects.select_for_update().get(pk=reward.pk)
    if not reward.is_active:
        raise CustomerError(_("“%(name)s” can no longer be redeemed.") % {"name": reward.name})
    if reward.stock is not None and reward.stock < quantity:
        raise CustomerError(_("Only %(n)d of “%(name)s” left.") % {"n": reward.stock, "name": reward.name})
    points = reward.points_cost * quantity
    store_id = staff.store_id if staff is not None and staff.store_id else customer.store_id
    redemption = PointsRedemption.objects.create(customer=customer, reward=reward, quantity=quantity, points=points,
                                                 store_id=store_id, staff=staff)
    _append(PointsEntry, customer=customer, kind=PointsEntry.Kind.REDEEM, delta=-points, staff=staff,
            note=f"{reward.name} × {quantity}", redemption=redemption, actor=actor, idempotency_key=idempotency_key)
    if reward.stock is not None:
        reward.stock -= quantity
        reward.save(update_fields=["stock"])
    return redemption


def may_reverse_redemptions(user) -> bool:
    """Store managers and above may take a redemption back."""
    return scope_of(user).level >= Level.STORE


@transaction.atomic
def points_redemption_reverse(*, redemption: PointsRedemption, reason: str, actor,
                              staff: Staff | None = None) -> PointsRedemption:
    """Undo a redemption (a manager, with a reason): the points come back, and the stock."""
    if not may_reverse_redemptions(actor):
        raise CustomerError(_("Only a store manager or head office can reverse a redemption."))
    reason = (reason or "").strip()
    if not reason:
        raise CustomerError(_("Say why the redemption is reversed."))
    if len(reason) > 200:
        raise CustomerError(_("The reason is too long (up to 200 characters)."))
    _lock_customer(redemption.customer)
    reward = PointsReward.objects.select_for_update().get(pk=redemption.reward_id)
    redemption = PointsRedemption.objects.select_for_update().get(pk=redemption.pk)
    if redemption.status != PointsRedemption.Status.REDEEMED:
        raise CustomerError(_("This redemption was already reversed."))
    redemption.status = PointsRedemption.Status.REVERSED
    redemption.reversal_reason = reason
    redemption.save(update_fields=["status", "reversal_reason"])
    _append(PointsEntry, customer=redemption.customer, kind=PointsEntry.Kind.REVERSAL, delta=redemption.points,
            staff=staff, note=reason, redemption=redemption, actor=actor,
            idempotency_key=f"points:redemption-reversal:{redemption.pk}")
    if reward.stock is not None:
        reward.stock += redemption.quantity
        reward.save(update_fields=["stock"])
    return redemption


# --- selectors ---------------------------------------------------------------------------------


def _balance(model, customer_id: int):
    value = (model.objects.filter(customer_id=customer_id).order_by("-seq")
             .values_list("balance_after", flat=True).first())
    return value if value is not None else (0 if model is PointsEntry else Decimal("0.00"))


def points_balance(customer: Customer) -> int:
    return _balance(PointsEntry, customer.pk)


def stored_value_balance(customer: Customer) -> Decimal:
    return _balance(StoredValueEntry, customer.pk)


def balances_annotate(customers: models.QuerySet) -> models.QuerySet:
    """``customers`` with ``points_balance`` and ``stored_value_balance`` (newest entries), one query."""
    newest = lambda model: Subquery(  # noqa: E731
        model.objects.filter(customer=OuterRef("pk")).order_by("-seq").values("balance_after")[:1])
    return customers.annotate(points_balance=newest(PointsEntry), stored_value_balance=newest(StoredValueEntry))


def balances_for(customer_ids) -> dict[int, tuple[int, Decimal]]:
    """{customer id: (points, stored value)} for many customers in one query."""
    rows = balances_annotate(Customer.objects.filter(pk__in=list(customer_ids))).values_list(
        "pk", "points_balance", "stored_value_balance")
    return {pk: (points or 0, value if value is not None else Decimal("0.00")) for pk, points, value in rows}


def rewards_available() -> models.QuerySet:
    return PointsReward.objects.filter(is_active=True).exclude(stock=0)
