"""Coupon writes (PRO-2, PRO-3): claim/issue, redeem, reverse, expire. (The "expires in 3 days"
reminder is the built-in marketing journey "优惠券到期提醒", ``automation``.)

Invariants:

* **Stock never negative, never oversold.** Issuing locks the definition row, counts the
  person's coupons of it under that lock, then takes one from ``stock_remaining`` with a
  conditional UPDATE (``... WHERE stock_remaining > 0``; a CHECK constraint backs it).
* **Per person, not per WeChat account.** The per-customer limit counts the coupons of every
  customer row with the same mobile number as the claimant's (staff record mobiles; a customer
  cannot type one in on the H5 pages), so a second WeChat identity of the same person gets no
  second coupon. The definition lock serialises the count.
* **Redeemed at most once.** Redemption is one conditional UPDATE ``claimed → redeemed WHERE
  status = 'claimed' AND valid today AND usable in this store``; exactly one of any number of
  concurrent attempts gets the row. On PostgreSQL the UPDATE and the redemption row are one
  statement (a data-modifying CTE), prepared once per connection and prepared again if the
  session lost it: one round trip (0.8x a bare UPDATE; unprepared 0.25-0.3x). A partial unique
  index (one live redemption per coupon) is the last guard.
* **The code is the coupon.** Only the customer's own "my coupons" page shows it; whoever holds
  the phone shows it at the counter, where the assistant sees whose coupon it is (masked). Staff
  redeem coupons of any customer presented in their store, not only of customers in their scope.
* **Lock order, always: definition row, then coupon row, then redemption row.** Issuing takes
  the definition (and inserts a coupon); redeeming takes only the coupon (by its UPDATE) and
  inserts the redemption; reversing takes the coupon, then the redemption. Customer rows are never
  locked here, so nothing here waits on the customers app's locks (customer → reward → ...).
* **Messages** go through the outbox inside the transaction (``coupon_claimed:<coupon id>``):
  never sent from a request, sent once whatever reruns; a broker
  that is down delays them, never the write.
* Refusals raise :class:`PromotionError` with a message for the person and change nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache, cached_property

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Customer, RadarEvent
from customers.radar import radar_record
from stores.models import Role, Store
from stores.scope import Level, scope_of

from .codes import code_new, code_normalise, code_well_formed
from .display import coupon_value_text
from .errors import PromotionError, PromotionForbidden
from .models import Activity, Coupon, CouponDefinition, Redemption, usable_in_store

logger = logging.getLogger(__name__)

REVERSAL_REASON_MAX = 200


def my_coupons_url() -> str:
    return settings.PUBLIC_BASE_URL + reverse("promotions_h5:my_coupons")


# --- Who is one person --------------------------------------------------------------------------


def person_customer_ids(customer: Customer) -> list[int]:
    """The customer rows of the same person: this one and every other with its mobile number."""
    mobile = (customer.mobile or "").strip()
    if not mobile:
        return [customer.pk]
    same = Customer.objects.filter(mobile=mobile, erased_at__isnull=True).values_list("pk", flat=True)
    return sorted({customer.pk, *same})


# --- Claim and issue ----------------------------------------------------------------------------


def _validity(definition: CouponDefinition, today: date) -> tuple[date, date]:
    if definition.validity == CouponDefinition.Validity.AFTER_CLAIM:
        return today, today + timedelta(days=definition.valid_days - 1)
    return definition.valid_from, definition.valid_until


def claim_refusal(definition: CouponDefinition, *, today: date | None = None) -> str | None:
    """Why nobody can claim ``definition`` now (activity not running, paused, out of date), or None."""
    today = today or timezone.localdate()
    activity = definition.activity
    if activity is None or activity.status == Activity.Status.DRAFT:
        return _("This coupon cannot be claimed here.")
    if activity.status == Activity.Status.ENDED or activity.ends_on < today:
        return _("The activity has ended.")
    if activity.starts_on > today:
        return _("The activity starts on %(date)s.") % {"date": f"{activity.starts_on:%Y-%m-%d}"}
    if not definition.is_active:
        return _("This coupon can no longer be claimed.")
    if definition.validity == CouponDefinition.Validity.FIXED and definition.valid_until < today:
        return _("This coupon's validity has ended.")
    if definition.stock_remaining == 0:
        return _("Sorry, all of these coupons have been claimed.")
    return None


def _insert(definition: CouponDefinition, customer: Customer, *, source: str, key: str | None, now: datetime,
            today: date) -> Coupon:
    valid_from, valid_until = _validity(definition, today)
    for _attempt in range(5):  # a code collision (1 in 10^16) just draws another code
        try:
            with transaction.atomic():
                return Coupon.objects.create(
                    definition=definition, customer=customer, code=code_new(), source=source, issue_key=key,
                    claimed_at=now, valid_from=valid_from, valid_until=valid_until)
        except IntegrityError:
            if key and Coupon.objects.filter(issue_key=key).exists():
                raise
    raise PromotionError(_("Please try again."))


def _notify_claimed(coupon: Coupon) -> None:
    from wechat.outbox import message_enqueue

    customer = coupon.customer
    if not customer.openid:
        return
    definition = coupon.definition
    message_enqueue(
        key=f"coupon_claimed:{coupon.pk}", openid=customer.openid,
        template_id=settings.WECHAT_TEMPLATE_COUPON_CLAIMED,
        data={"thing1": {"value": definition.name[:20]}, "thing2": {"value": coupon_value_text(definition)[:20]},
              "time3": {"value": f"{coupon.valid_until:%Y-%m-%d}"}},
        url=my_coupons_url(), purpose="coupon_claimed", customer=customer,
    )


@transaction.atomic
def coupon_issue(*, definition: CouponDefinition, customer: Customer, source: str = Coupon.Source.CLAIM,
                 key: str | None = None, now: datetime | None = None) -> Coupon:
    """Give ``customer`` one coupon of ``definition``: the stock and the per-person limit apply.
    ``key`` makes it idempotent (a prize or a journey step issues once, however often it runs).
    Callers check what else applies (an activity page: :func:`coupon_claim`)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    customer = Customer.objects.select_related("store").get(pk=customer.pk)
    if customer.erased_at is not None:
        raise PromotionError(_("This customer's data was erased."))
    if customer.merged_into_id is not None:  # a record merged into another of the same person (CUS-12)
        raise PromotionError(_("This customer was merged into another record."))
    definition = CouponDefinition.objects.select_for_update().get(pk=definition.pk)  # lock order: definition first
    # Prizes and journeys issue without an activity page: a paused or ended coupon is never given.
    if not definition.is_active:
        raise PromotionError(_("This coupon can no longer be claimed."))
    if definition.validity == CouponDefinition.Validity.FIXED and definition.valid_until < today:
        raise PromotionError(_("This coupon's validity has ended."))
    if key:
        earlier = Coupon.objects.filter(issue_key=key).first()
        if earlier is not None:
            return earlier
    held = Coupon.objects.filter(definition=definition, customer_id__in=person_customer_ids(customer)).count()
    if held >= definition.per_customer_limit:
        if definition.per_customer_limit == 1:
            raise PromotionError(_("You have already claimed this coupon (one per person)."))
        raise PromotionError(_("You have already claimed %(n)d of these coupons, the most one person may have.")
                             % {"n": definition.per_customer_limit})
    if definition.stock_remaining is not None:
        taken = (CouponDefinition.objects.filter(pk=definition.pk, stock_remaining__gt=0)
                 .update(stock_remaining=F("stock_remaining") - 1))
        if not taken:
            raise PromotionError(_("Sorry, all of these coupons have been claimed."))
    coupon = _insert(definition, customer, source=source, key=key, now=now, today=today)
    coupon.definition = definition
    coupon.customer = customer
    _notify_claimed(coupon)
    if source in (Coupon.Source.CLAIM, Coupon.Source.PRIZE):  # the customer's own act: their assistant's radar
        radar_record(customer=customer, kind=RadarEvent.Kind.CLAIMED_COUPON, what=definition.name, at=now)
    return coupon


def coupon_claim(*, definition: CouponDefinition, customer: Customer, now: datetime | None = None) -> Coupon:
    """The customer taps "claim" on the activity page (PRO-2)."""
    now = now or timezone.now()
    with transaction.atomic():
        definition = CouponDefinition.objects.select_related("activity").get(pk=definition.pk)
        refusal = claim_refusal(definition, today=timezone.localdate(now))
        if refusal:
            raise PromotionError(refusal)
        return coupon_issue(definition=definition, customer=customer, source=Coupon.Source.CLAIM, now=now)


# --- Redemption ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verified:
    """A coupon that can be redeemed here now, and what to show the assistant."""

    coupon: Coupon
    value: str
    holder: str


def verified_of(coupon: Coupon) -> Verified:
    """What the assistant is shown of ``coupon``: before redeeming (verify) and after."""
    return Verified(coupon=coupon, value=coupon_value_text(coupon.definition), holder=holder_text(coupon.customer))


def _masked_name(customer: Customer) -> str:
    name = (customer.name or "").strip()
    if name:
        return name[0] + "*" * max(len(name) - 1, 1)
    return str(customer.display_name)


def holder_text(customer: Customer) -> str:
    """Whose coupon it is, masked: "张** · 138****1234"."""
    parts = [_masked_name(customer)]
    if customer.masked_mobile and customer.masked_mobile not in parts:
        parts.append(customer.masked_mobile)
    return " · ".join(parts)


@dataclass(frozen=True)
class _Counter:
    """Who redeems, and where: from the actor's data scope (computed once per user, no query)."""

    staff_id: int
    store_id: int

    @cached_property
    def store(self) -> Store:
        return Store.objects.only("id", "name").get(pk=self.store_id)


# PRO-3 "by an assistant in the store": the store's assistants and its manager, not the designers,
# installers and measurers who also belong to it.
REDEEMING_ROLES = (Role.STORE_MANAGER, Role.ASSISTANT)


def _redeeming_staff(actor) -> _Counter:
    scope = scope_of(actor)
    # Store roles only: managers (STORE) and floor staff (OWN), always with their store.
    if scope.level not in (Level.STORE, Level.OWN) or not scope.store_id or not scope.staff_id:
        raise PromotionForbidden(_("Only staff of a store can redeem coupons, in their own store."))
    if actor.staff.role not in REDEEMING_ROLES:  # the user's staff row, cached on the user after the first call
        raise PromotionForbidden(_("Only the store's shop assistants and its manager can redeem coupons."))
    return _Counter(staff_id=scope.staff_id, store_id=scope.store_id)


def may_redeem(actor) -> bool:
    """Whether ``actor`` may redeem coupons at all (in their own store)."""
    try:
        _redeeming_staff(actor)
    except PromotionForbidden:
        return False
    return True


def _well_formed(text: str) -> str:
    """The normalised code, or a refusal for a mistyped or tampered one: no database involved."""
    code = code_normalise(text)
    if not code:
        raise PromotionError(_("Type the coupon code, or scan it."))
    if not code_well_formed(code):
        raise PromotionError(_("This is not a valid coupon code: check every character and type it again."))
    return code


def _coupon_by_code(code: str) -> Coupon:
    coupon = (Coupon.objects.select_related("definition", "customer", "redeemed_store")
              .filter(code=code).first())
    if coupon is None:
        raise PromotionError(_("No coupon has this code."))
    return coupon


def _usable_in(definition: CouponDefinition, store_id: int) -> bool:
    return CouponDefinition.objects.filter(usable_in_store(store_id, via=""), pk=definition.pk).exists()


def _refusal(coupon: Coupon, counter: _Counter, today: date) -> str | None:
    if coupon.status == Coupon.Status.REDEEMED:
        when = timezone.localtime(coupon.redeemed_at)
        return _("This coupon was already used on %(when)s in %(store)s.") % {
            "when": f"{when:%Y-%m-%d %H:%M}", "store": coupon.redeemed_store.name if coupon.redeemed_store else "-"}
    if coupon.status == Coupon.Status.EXPIRED or coupon.valid_until < today:
        return _("This coupon expired on %(date)s.") % {"date": f"{coupon.valid_until:%Y-%m-%d}"}
    if coupon.valid_from > today:
        return _("This coupon can be used from %(date)s.") % {"date": f"{coupon.valid_from:%Y-%m-%d}"}
    if coupon.customer.erased_at is not None:
        return _("This customer's data was erased.")
    if not _usable_in(coupon.definition, counter.store_id):
        return _("This coupon cannot be used in %(store)s.") % {"store": counter.store.name}
    return None


def coupon_verify(*, code: str, actor, now: datetime | None = None) -> Verified:
    """Check a typed or scanned code for the actor's store: what the customer gets and whose
    coupon it is, or a refusal saying why not (mistyped, unknown, used, expired, other store)."""
    code = _well_formed(code)
    staff = _redeeming_staff(actor)
    coupon = _coupon_by_code(code)
    refusal = _refusal(coupon, staff, timezone.localdate(now or timezone.now()))
    if refusal:
        raise PromotionError(refusal)
    return verified_of(coupon)


def coupon_redeem(*, code: str, actor, now: datetime | None = None) -> Redemption:
    """Redeem the coupon of ``code`` in the actor's store, attributed to them (PRO-3)."""
    code = _well_formed(code)
    staff = _redeeming_staff(actor)
    now = now or timezone.now()
    today = timezone.localdate(now)
    if connection.vendor == "postgresql":
        redemption = _redeem_in_one_statement(code, staff, now, today)
    else:
        redemption = _redeem_orm(code, staff, now, today)
    if redemption is None:  # unknown, used, expired, erased, not usable here: the full read says which
        coupon = _coupon_by_code(code)
        raise PromotionError(_refusal(coupon, staff, today) or _("This coupon cannot be used now."))
    return redemption


@cache
def _redeem_sql() -> str:
    coupon, definition = Coupon._meta.db_table, CouponDefinition._meta.db_table
    listed, customer = CouponDefinition.stores.through._meta.db_table, Customer._meta.db_table
    return f"""
        WITH won AS (
            UPDATE {coupon} AS c
               SET status = 'redeemed', redeemed_at = %(now)s, redeemed_store_id = %(store)s,
                   redeemed_by_id = %(staff)s
              FROM {definition} AS d, {customer} AS cu
             WHERE c.code = %(code)s AND c.status = 'claimed' AND c.valid_from <= %(today)s
               AND c.valid_until >= %(today)s AND d.id = c.definition_id AND cu.id = c.customer_id
               AND cu.erased_at IS NULL
               -- usable in this store: promotions.models.usable_in_store, in SQL
               AND (d.all_stores OR EXISTS (SELECT 1 FROM {listed} AS s
                                             WHERE s.coupondefinition_id = d.id AND s.store_id = %(store)s))
         RETURNING c.id
        )
        INSERT INTO {Redemption._meta.db_table} (coupon_id, store_id, assistant_id, redeemed_at, status,
                                                 reversal_reason)
        SELECT id, %(store)s, %(staff)s, %(now)s, 'redeemed', '' FROM won
        RETURNING id, coupon_id"""  # noqa: S608 (table names from the models, values as parameters)


_PARAMS = ("now", "today", "code", "store", "staff")
_PREPARED = "promotions_coupon_redeem"
# SQLSTATE invalid_sql_statement_name, duplicate_prepared_statement
_NO_SUCH_STATEMENT, _STATEMENT_EXISTS = "26000", "42P05"


def _sqlstate(exc: DatabaseError) -> str | None:
    cause = exc.__cause__
    return getattr(cause, "pgcode", None) or getattr(cause, "sqlstate", None)


def _guarded(cursor, sql: str, params=None, *, tolerate: str) -> bool:
    """Run ``sql``; False when it fails with SQLSTATE ``tolerate`` (re-raised otherwise). Inside a
    transaction a savepoint keeps that failure from aborting the caller's transaction."""
    try:
        if connection.in_atomic_block:
            with transaction.atomic(savepoint=True):
                cursor.execute(sql, params)
        else:
            cursor.execute(sql, params)
    except DatabaseError as exc:
        if _sqlstate(exc) != tolerate:
            raise
        return False
    return True


def _prepare(cursor) -> None:
    """PREPARE the statement on this session: planning the CTE costs more than running it (measured:
    without PREPARE the service reached 0.3x a bare UPDATE, goal 0.5x). One that already exists
    (prepared by an earlier use of the same session) is as good as ours."""
    sql = _redeem_sql()
    for n, name in enumerate(_PARAMS, start=1):
        sql = sql.replace(f"%({name})s", f"${n}")
    _guarded(cursor, f"PREPARE {_PREPARED} (timestamptz, date, text, bigint, bigint) AS {sql}",
             tolerate=_STATEMENT_EXISTS)
    connection._promotions_prepared_on = connection.connection


def _redeem_in_one_statement(code: str, staff: _Counter, now: datetime, today: date) -> Redemption | None:
    """PostgreSQL: the conditional UPDATE and the redemption row in ONE statement (atomic by itself):
    one round trip (bench/bench_redemption.py). Of concurrent attempts the first takes the row; the
    others wait for it, see ``status = 'redeemed'`` and write nothing.

    Prepared once per connection. A session that lost the statement (a pooler's DISCARD ALL, a
    DEALLOCATE, a recycled server connection) is told by PostgreSQL "does not exist": prepare
    again and run it once more."""
    execute = f"EXECUTE {_PREPARED} (%s, %s, %s, %s, %s)"
    params = [now, today, code, staff.store_id, staff.staff_id]
    with connection.cursor() as cursor:
        if getattr(connection, "_promotions_prepared_on", None) is not connection.connection:
            _prepare(cursor)
        if not _guarded(cursor, execute, params, tolerate=_NO_SUCH_STATEMENT):
            _prepare(cursor)
            cursor.execute(execute, params)
        row = cursor.fetchone()
    if row is None:
        return None
    return Redemption(pk=row[0], coupon_id=row[1], store_id=staff.store_id, assistant_id=staff.staff_id,
                      redeemed_at=now, status=Redemption.Status.REDEEMED)


@transaction.atomic
def _redeem_orm(code: str, staff: _Counter, now: datetime, today: date) -> Redemption | None:
    """Elsewhere (SQLite): the same conditions as one conditional UPDATE, then the redemption row."""
    pk = (Coupon.objects.filter(usable_in_store(staff.store_id), code=code, status=Coupon.Status.CLAIMED,
                                valid_from__lte=today, valid_until__gte=today, customer__erased_at__isnull=True)
          .values_list("pk", flat=True).first())
    if pk is None:
        return None
    won = (Coupon.objects.filter(pk=pk, status=Coupon.Status.CLAIMED)
           .update(status=Coupon.Status.REDEEMED, redeemed_at=now, redeemed_store_id=staff.store_id,
                   redeemed_by_id=staff.staff_id))
    if not won:
        return None
    return Redemption.objects.create(coupon_id=pk, store_id=staff.store_id, assistant_id=staff.staff_id,
                                     redeemed_at=now)


def may_reverse(actor, redemption: Redemption) -> bool:
    """The manager of the store where the coupon was redeemed."""
    staff = getattr(actor, "staff", None) if actor is not None and actor.is_authenticated else None
    return (staff is not None and staff.is_active and staff.role == Role.STORE_MANAGER
            and staff.store_id == redemption.store_id)


@transaction.atomic
def redemption_reverse(*, redemption: Redemption, actor, reason: str, now: datetime | None = None) -> Redemption:
    """Undo a redemption (the store's manager, with a reason): the coupon is usable again while it
    is still valid, else it is expired."""
    now = now or timezone.now()
    if not may_reverse(actor, redemption):
        raise PromotionForbidden(_("Only the manager of the store where it was redeemed can reverse a redemption."))
    reason = (reason or "").strip()
    if not reason:
        raise PromotionError(_("Say why the redemption is reversed."))
    if len(reason) > REVERSAL_REASON_MAX:
        raise PromotionError(_("The reason is too long (up to 200 characters)."))
    coupon = Coupon.objects.select_for_update().get(pk=redemption.coupon_id)  # lock order: coupon, redemption
    redemption = Redemption.objects.select_for_update().get(pk=redemption.pk)
    if redemption.status != Redemption.Status.REDEEMED:
        raise PromotionError(_("This redemption was already reversed."))
    redemption.status = Redemption.Status.REVERSED
    redemption.reversed_at = now
    redemption.reversed_by = actor.staff
    redemption.reversal_reason = reason
    redemption.save(update_fields=["status", "reversed_at", "reversed_by", "reversal_reason"])
    still_valid = coupon.valid_until >= timezone.localdate(now)
    coupon.status = Coupon.Status.CLAIMED if still_valid else Coupon.Status.EXPIRED
    coupon.redeemed_at = coupon.redeemed_store = coupon.redeemed_by = None
    coupon.save(update_fields=["status", "redeemed_at", "redeemed_store", "redeemed_by"])
    return redemption


# --- Nightly job --------------------------------------------------------------------------


def coupons_expire(*, today: date | None = None) -> int:
    """Coupons past their last valid day are expired (one UPDATE; rerunning changes nothing)."""
    today = today or timezone.localdate()
    return Coupon.objects.filter(status=Coupon.Status.CLAIMED, valid_until__lt=today).update(
        status=Coupon.Status.EXPIRED)


# --- Head office: definitions and activity codes (admin) -----------------------------------------


def coupons_issued(definition: CouponDefinition) -> int:
    return Coupon.objects.filter(definition=definition).count() if definition.pk else 0


def stock_left(*, total: int | None, taken, refusal) -> int | None:
    """What is left of a stock whose total head office set (empty: unlimited), after ``taken()``
    already given out; a total below that is refused with ``refusal(n)``. Called under the row lock."""
    if total is None:
        return None
    given = taken()
    if total < given:
        raise PromotionError(refusal(given))
    return total - given


@transaction.atomic
def coupon_definition_save(*, definition: CouponDefinition) -> CouponDefinition:
    """Save a definition head office created or changed. The stock left follows the total: a new
    definition starts full; a changed total keeps the coupons already claimed (refused below them)."""
    if definition.pk is not None:
        CouponDefinition.objects.select_for_update().filter(pk=definition.pk).first()  # lock order: definition
    definition.stock_remaining = stock_left(
        total=definition.stock_total, taken=lambda: coupons_issued(definition),
        refusal=lambda n: _("%(n)d coupons were already claimed: the stock cannot be lower.") % {"n": n})
    definition.full_clean(exclude=["stores"])
    definition.save()
    return definition


def activity_stores(activity: Activity):
    stores = Store.objects.filter(is_active=True)
    return stores if activity.all_stores else stores.filter(pk__in=activity.stores.values("pk"))


@transaction.atomic
def activity_codes_make(*, activity: Activity) -> int:
    """One touchpoint code per store of the activity (scans attribute to that store, QR-4); stores
    that have one keep it. Returns how many were made."""
    from django.contrib.contenttypes.models import ContentType

    from stores.models import QRCode
    from stores.services import qr_code_create

    kind = ContentType.objects.get_for_model(Activity)
    have = set(QRCode.objects.filter(target_content_type=kind, target_id=activity.pk, target_type="activity",
                                     is_active=True).values_list("store_id", flat=True))
    made = 0
    for store in activity_stores(activity).order_by("code"):
        if store.pk not in have:
            qr_code_create(target=activity, target_type="activity", store=store,
                           label=f"{activity.name} · {store.name}"[:100])
            made += 1
    return made
