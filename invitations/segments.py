"""Invitation segments (SPEC INV-1..3, INV-5; seed 002 "值得邀约的客户推荐策略"), computed in the database.

A segment is a condition over ``Customer`` plus the *reason* a customer is in it, both SQL
expressions. The counts of all the segments a store may use are ONE aggregate query that reads
the store's customers once (:func:`segments_for_store`; :func:`segment_counts` is the same for
one segment), and a segment's customer list is one paged query, however many customers the
store has; no customer is ever looked at in Python. Each segment's related rows (orders, ledger
entries, running entries) are sets the database computes once per query (non-correlated
``IN (subquery)``), plus, for the ledgers, one index probe for the newest balance of customers
already in the set. Measured at 1,000,000 customers: see ``bench/bench_segments.py``.

Recommended segments (``Segment.Kind.RECOMMENDED``) are computed live from their ``key`` by a
builder of :data:`BUILDERS`. The six defaults (INV-1), all over the store's customers
(``Customer.store``), in the current month of ``settings.TIME_ZONE`` (Asia/Shanghai):

* ``birthday_this_month``  birthday in the current month — "生日 11-28".
* ``high_spenders_this_month``  the customer's *average* paid order amount this month (orders with
  ``paid_at`` in the current month placed in this store, cancelled ones left out; 客单价) is at least
  ``settings.INVITATIONS_HIGH_SPENDER_MIN_ORDER`` CNY (default 5000) — "本月客单价 ¥6800".
  The average, not the maximum: a customer who adds small extras to a big order stays a high
  spender only if the big order dominates, which is what "order unit price" means to a store.
* ``stored_value``  newest ``StoredValueEntry.balance_after`` > 0 — "储值 ¥1280.00".
* ``points``  newest ``PointsEntry.balance_after`` > 0 — "积分 3200".
* ``coupon_expiring``  a coupon expiring within 7 days. Coupons come with promotions (issue 6),
  which registers the builder with :func:`segment_register`; until then the segment is offered
  by head office's strategy but has no customers, so it is hidden (INV-3). No data is faked.
* ``dormant``  has orders in this store (not cancelled), none placed there in the last 90 days —
  "上次购买 2026-07-01". Orders count per store (``Order.store``): the store invites the customers
  it is losing, and the database reads only that store's orders (index ``store, placed_at``).

Custom segments (``Segment.Kind.CUSTOM``) hold ``customers.rules`` conditions; the nightly job
(:func:`custom_segments_compute`, Celery task ``invitations.segments_compute``) writes their
``SegmentMember`` rows, and a store sees a custom segment from its assignment's ``visible_from``
(the next day, INV-2).

Rules every segment follows:

* Offered: a segment is usable in a store while head office's strategy offers it there
  (:func:`segment_offered`): the store's own ``SegmentAssignment`` decides when there is one,
  else the all-stores one; ``is_active`` off takes effect at once; ``visible_from`` in the future
  means not yet.
* Selectable (INV-5): only customers whose owner assistant is an active staff member of that
  store can be picked; the store's other customers in the segment (owned in another store, by
  someone who left, or by nobody) are counted apart as ``not_selectable``.
* Inviting (INV-3): customers with an active ``InvitationEntry`` (a running task) are left out
  unless ``include_inviting``; ending the task brings them back.
* Hidden (INV-3): a segment with no customer of the store is not listed.
* Capped (INV-11): customers contacted within head office's interval stay in the segment and in
  its counts; ``capped`` says how many of those shown are capped right now, and the pickers show
  each one's dates without a checkbox (``invitations.candidates``).
* Erased customers (PIPL) are never in a segment. Scope: the store must be in the viewer's
  scope and the customers are ``Customer.objects.visible_to(viewer)``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    Avg, BooleanField, CharField, DateField, DateTimeField, DecimalField, Exists, Expression, ExpressionWrapper,
    IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Value,
)
from django.db.models.functions import Cast, Concat, ExtractDay, ExtractMonth, ExtractYear, LPad
from django.db.models.lookups import GreaterThan
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.contacts import ContactCap, contact_cap
from customers.models import Customer, Order, PointsEntry, StoredValueEntry
from stores.models import Staff, Store

from .errors import InvitationError
from .models import InvitationEntry, Segment, SegmentAssignment, SegmentMember

log = logging.getLogger(__name__)

HIGH_SPENDER_MIN_ORDER_DEFAULT = Decimal("5000")
DORMANT_DAYS = 90
COUPON_DAYS = 7

# The six default segments, in their order on the page (the data migration invitations/0002
# creates their rows, named in Chinese as stored data is).
DEFAULT_KEYS = ("birthday_this_month", "high_spenders_this_month", "stored_value", "points", "coupon_expiring",
                "dormant")


@dataclass(frozen=True)
class SegmentContext:
    """What a segment may depend on besides the customer: the store and the moment."""

    store: Store
    now: datetime  # aware

    @property
    def today(self):
        return timezone.localdate(self.now)

    @property
    def month_start(self) -> datetime:
        return timezone.make_aware(datetime(self.today.year, self.today.month, 1))

    @property
    def next_month_start(self) -> datetime:
        year, month = (self.today.year + 1, 1) if self.today.month == 12 else (self.today.year, self.today.month + 1)
        return timezone.make_aware(datetime(year, month, 1))


@dataclass(frozen=True)
class SegmentQuery:
    """A segment for one store: ``condition`` over ``Customer`` and the ``reason`` text expression."""

    condition: Q
    reason: Expression
    order_by: tuple = ("pk",)


Builder = Callable[[SegmentContext], SegmentQuery]
BUILDERS: dict[str, Builder] = {}


def segment_register(key: str, builder: Builder) -> Builder:
    """Register (or replace) the builder of recommended segment ``key``. Another app calls it at
    import time (``AppConfig.ready``), e.g. promotions for ``coupon_expiring``::

        segment_register("coupon_expiring", lambda ctx: SegmentQuery(condition=..., reason=...))
    """
    BUILDERS[key] = builder
    return builder


# --- Reason texts, built in SQL from a translated template ------------------------------------


def _text(template: str, *parts) -> Expression:
    """``template`` (translated, with one ``{}``) around the SQL ``parts``: "生日 {}" → Concat."""
    before, _sep, after = template.partition("{}")
    pieces = [Value(before), *parts, Value(after)]
    return Concat(*[p for p in pieces if not (isinstance(p, Value) and p.value == "")], output_field=CharField())


def _str(expression) -> Expression:
    return Cast(expression, output_field=CharField())


def _two(expression) -> Expression:
    return LPad(_str(expression), 2, Value("0"))


def _month_day(expression) -> list[Expression]:
    return [_two(ExtractMonth(expression)), Value("-"), _two(ExtractDay(expression))]


def _date(expression) -> list[Expression]:
    return [_str(ExtractYear(expression)), Value("-"), *_month_day(expression)]


# --- The default builders ---------------------------------------------------------------------


def _birthday(ctx: SegmentContext) -> SegmentQuery:
    return SegmentQuery(
        condition=Q(birthday__month=ctx.today.month),
        reason=_text(_("Birthday {}"), *_month_day("birthday")),
        order_by=("birthday__day", "pk"),
    )


def high_spender_min_order() -> Decimal:
    return Decimal(str(getattr(settings, "INVITATIONS_HIGH_SPENDER_MIN_ORDER", HIGH_SPENDER_MIN_ORDER_DEFAULT)))


def _high_spenders(ctx: SegmentContext) -> SegmentQuery:
    money = DecimalField(max_digits=14, decimal_places=2)
    paid = (Order.objects.filter(store=ctx.store, paid_at__gte=ctx.month_start, paid_at__lt=ctx.next_month_start)
            .exclude(status=Order.Status.CANCELLED).order_by())
    # The set of this month's high payers of the store, computed once (hashed by the database).
    high = (paid.values("customer").annotate(v=Avg("amount")).filter(v__gte=high_spender_min_order())
            .values("customer"))
    average = Subquery(paid.filter(customer=OuterRef("pk")).values("customer").annotate(v=Avg("amount")).values("v"),
                       output_field=money)
    return SegmentQuery(
        condition=Q(pk__in=high),
        reason=_text(_("Average order this month ¥{}"), _str(Cast(average, IntegerField()))),
    )


def _newest_balance(model, field) -> Subquery:
    return Subquery(model.objects.filter(customer=OuterRef("pk")).order_by("-seq").values("balance_after")[:1],
                    output_field=field)


def _ledger(model, field, template) -> Builder:
    def build(ctx: SegmentContext) -> SegmentQuery:
        # First the set of customers with any positive entry (hashed once), then — only for them,
        # the condition is written in that order — one backward probe of the (customer, seq)
        # unique index for the newest balance.
        newest = _newest_balance(model, field)
        ever_positive = model.objects.filter(balance_after__gt=0).values("customer_id")
        return SegmentQuery(condition=Q(pk__in=ever_positive) & Q(GreaterThan(newest, 0)),
                            reason=_text(template(), _str(newest)))

    return build


def _dormant(ctx: SegmentContext) -> SegmentQuery:
    store_orders = Order.objects.filter(store=ctx.store).exclude(status=Order.Status.CANCELLED).order_by()
    recent = store_orders.filter(placed_at__gte=ctx.now - timedelta(days=DORMANT_DAYS))
    last = Subquery(store_orders.filter(customer=OuterRef("pk")).values("customer").annotate(v=Max("placed_at"))
                    .values("v"), output_field=DateTimeField())
    # Two sets of the store's orders, each computed once: who bought here, who bought recently.
    condition = ~Q(pk__in=recent.values("customer_id")) & Q(pk__in=store_orders.values("customer_id"))
    return SegmentQuery(condition=condition, reason=_text(_("Last purchase {}"), *_date(last)))


segment_register("birthday_this_month", _birthday)
segment_register("high_spenders_this_month", _high_spenders)
segment_register("stored_value", _ledger(StoredValueEntry, DecimalField(max_digits=12, decimal_places=2),
                                         lambda: _("Stored value ¥{}")))
segment_register("points", _ledger(PointsEntry, IntegerField(), lambda: _("Points {}")))
segment_register("dormant", _dormant)
# "coupon_expiring" is registered by promotions (issue 6) when coupons exist.


def _custom(segment: Segment) -> Builder:
    def build(ctx: SegmentContext) -> SegmentQuery:
        members = SegmentMember.objects.filter(segment=segment, customer=OuterRef("pk"))
        return SegmentQuery(condition=Q(Exists(members)),
                            reason=Subquery(members.values("reason")[:1], output_field=CharField()))

    return build


def _nobody(ctx: SegmentContext) -> SegmentQuery:
    """A recommended segment whose data does not exist yet (no builder registered): no customers."""
    return SegmentQuery(condition=Q(pk__isnull=True), reason=Value("", output_field=CharField()))


def segment_query(segment: Segment, ctx: SegmentContext) -> SegmentQuery:
    if segment.kind == Segment.Kind.CUSTOM:
        return _custom(segment)(ctx)
    return BUILDERS.get(segment.key, _nobody)(ctx)


# --- Strategy (INV-2): which segments a store may use ------------------------------------------


def _offers(store: Store, today) -> dict[int, SegmentAssignment]:
    """{segment id: the assignment that decides for ``store``}: the store's own, else all stores'."""
    deciding: dict[int, SegmentAssignment] = {}
    rows = SegmentAssignment.objects.filter(Q(store=store) | Q(store__isnull=True)).select_related("segment")
    for row in sorted(rows, key=lambda r: r.store_id is not None):  # the store's own row wins
        deciding[row.segment_id] = row
    return {pk: row for pk, row in deciding.items() if row.is_active and row.visible_from <= today}


def segments_offered(store: Store, *, now=None) -> list[Segment]:
    """The segments head office offers ``store`` now, in page order."""
    today = timezone.localdate(now or timezone.now())
    return sorted((row.segment for row in _offers(store, today).values()), key=lambda s: (s.position, s.pk))


def segment_offered(key: str, store: Store, *, now=None) -> Segment | None:
    return next((s for s in segments_offered(store, now=now) if s.key == key), None)


# --- Selectors ---------------------------------------------------------------------------------


def _store_in_scope(store, viewer) -> Store:
    store_id = store.pk if isinstance(store, Store) else store
    found = Store.objects.visible_to(viewer).filter(pk=store_id).first() if store_id else None
    if found is None:
        raise InvitationError(_("This store does not exist or is outside your scope."))
    return found


def _store_customers(store: Store, viewer) -> QuerySet[Customer]:
    return Customer.objects.visible_to(viewer).filter(store=store, erased_at__isnull=True)


def selectable_q(store: Store) -> Q:
    """INV-5: the owner assistant is an active staff member of ``store`` (one small query)."""
    staff = list(Staff.objects.filter(store=store, is_active=True).values_list("pk", flat=True))
    # (never an empty IN: Django would drop the whole aggregate query as "nothing matches")
    return Q(owner_assistant_id__in=staff) if staff else Q(pk__isnull=True)


def inviting_q(store: Store) -> Q:
    """In a running task. A set (hashed once by the database), not a per-row lookup: a store has
    few customers being invited compared with its customers."""
    return Q(pk__in=InvitationEntry.objects.filter(active=True, customer__store=store).values("customer_id"))


def _segment_for(key: str, store: Store, now) -> Segment:
    segment = segment_offered(key, store, now=now)
    if segment is None:
        raise InvitationError(_("The segment “%(key)s” does not exist or is not offered to this store.") % {"key": key})
    return segment


def segment_counts(segment: Segment, *, store: Store, viewer, include_inviting: bool = False, now=None,
                   cap: ContactCap | None = None) -> dict:
    """One aggregate query: {count, not_selectable, inviting, capped} of ``segment`` in ``store``.
    ``count``: selectable customers shown; ``not_selectable``: the store's other customers in the
    segment (INV-5); ``inviting``: selectable customers in a running task (hidden unless
    ``include_inviting``, and then included in ``count``); ``capped``: of the ``count`` shown,
    those contacted within head office's interval (INV-11), who cannot be invited yet."""
    ctx = SegmentContext(store=store, now=now or timezone.now())
    cap = cap or contact_cap(now=ctx.now)
    return _counts(_counts_query(store, viewer, [segment_query(segment, ctx).condition], cap)[0], include_inviting)


COUNTS = ("total", "total_inviting", "selectable", "selectable_inviting", "selectable_capped",
          "selectable_capped_inviting")


def _counts_query(store: Store, viewer, conditions: list[Q], cap: ContactCap) -> list[dict]:
    """ONE query: for each condition, the counts of :data:`COUNTS`. An inner query computes
    each customer's flags once (member of segment n, selectable, inviting, capped); the outer one
    sums them. The inner query is fenced (``OFFSET 0``) so the database does not inline the flags
    into every sum, which would evaluate each segment's subqueries once per sum."""
    if not conditions:
        return []
    flags = {"_sel": selectable_q(store), "_inv": inviting_q(store), "_cap": cap.capped_q()}
    flags.update({f"_m{n}": condition for n, condition in enumerate(conditions)})
    inner = _store_customers(store, viewer).annotate(
        **{name: ExpressionWrapper(q, output_field=BooleanField()) for name, q in flags.items()}
    ).order_by().values_list(*flags)
    sql, params = inner.query.sql_with_params()
    fence = " OFFSET 0" if connection.vendor == "postgresql" else " LIMIT -1 OFFSET 0"
    parts = {"total": "", "total_inviting": " AND f._inv", "selectable": " AND f._sel",
             "selectable_inviting": " AND f._sel AND f._inv", "selectable_capped": " AND f._sel AND f._cap",
             "selectable_capped_inviting": " AND f._sel AND f._cap AND f._inv"}
    width = len(COUNTS)
    sums = ", ".join(f"SUM(CASE WHEN f._m{n}{parts[name]} THEN 1 ELSE 0 END)"
                     for n in range(len(conditions)) for name in COUNTS)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The plan is a few hashed sets and index probes; compiling it (JIT, which the planner
            # picks for its large row estimate) cost more than running it: 1-2 s at 1,000,000
            # customers against ~0.3 s for the query itself (bench/bench_segments.py).
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(f"SELECT {sums} FROM ({sql}{fence}) f", params)  # noqa: S608
        row = cursor.fetchone()
    return [dict(zip(COUNTS, row[n * width:(n + 1) * width], strict=True)) for n in range(len(conditions))]


def _counts(figures: dict, include_inviting: bool) -> dict:
    figures = {name: figures[name] or 0 for name in COUNTS}
    total, total_inviting = figures["total"], figures["total_inviting"]
    selectable, selectable_inviting = figures["selectable"], figures["selectable_inviting"]
    hidden_all = 0 if include_inviting else total_inviting
    hidden_selectable = 0 if include_inviting else selectable_inviting
    hidden_capped = 0 if include_inviting else figures["selectable_capped_inviting"]
    return {
        "count": selectable - hidden_selectable,
        "not_selectable": (total - selectable) - (hidden_all - hidden_selectable),
        "inviting": selectable_inviting,
        "capped": figures["selectable_capped"] - hidden_capped,
    }


def segments_for_store(*, store, viewer, include_inviting: bool = False, now=None,
                       cap: ContactCap | None = None) -> list[dict]:
    """The segments ``store`` may use now with their counts: [{key, name, count, kind,
    not_selectable, inviting, capped, description}]. Segments without any customer of the store (after
    leaving out inviting ones) are hidden (INV-3).

    All the counts come from ONE aggregate query over the store's customers (four filtered counts
    per segment, see :func:`segment_counts`): the store's customers are read once, not once per
    segment, and each segment's related rows are a set the database computes once."""
    store = _store_in_scope(store, viewer)
    now = now or timezone.now()
    ctx = SegmentContext(store=store, now=now)
    offered = segments_offered(store, now=now)
    cap = cap or contact_cap(now=now)
    figures = _counts_query(store, viewer, [segment_query(segment, ctx).condition for segment in offered], cap)
    listed = []
    for segment, row in zip(offered, figures, strict=True):
        counts = _counts(row, include_inviting)
        if counts["count"] + counts["not_selectable"] == 0:
            continue
        listed.append({"key": segment.key, "name": segment.name, "kind": segment.kind,
                       "description": segment.description, **counts})
    return listed


def segment_customers(*, key: str, store, viewer, include_inviting: bool = False, now=None) -> QuerySet[Customer]:
    """Selectable customers of ``store`` in segment ``key`` (owner assistant active in that store),
    annotated with ``reason`` (short text, e.g. "生日 11-28") and ``inviting`` (in a running task);
    customers in a running task excluded unless ``include_inviting``. Raises InvitationError for an
    unknown/removed segment or a store outside the viewer's scope."""
    store = _store_in_scope(store, viewer)
    now = now or timezone.now()
    segment = _segment_for(key, store, now)
    query = segment_query(segment, SegmentContext(store=store, now=now))
    customers = _store_customers(store, viewer).filter(query.condition, selectable_q(store))
    if not include_inviting:
        customers = customers.exclude(inviting_q(store))
    running = Exists(InvitationEntry.objects.filter(customer=OuterRef("pk"), active=True))
    return customers.annotate(reason=query.reason, inviting=running).order_by(*query.order_by)


def segment_not_selectable(*, key: str, store, viewer, include_inviting: bool = False, now=None) -> QuerySet[Customer]:
    """The store's customers in segment ``key`` that cannot be selected (INV-5), with ``reason``."""
    store = _store_in_scope(store, viewer)
    now = now or timezone.now()
    segment = _segment_for(key, store, now)
    query = segment_query(segment, SegmentContext(store=store, now=now))
    customers = _store_customers(store, viewer).filter(query.condition).exclude(selectable_q(store))
    if not include_inviting:
        customers = customers.exclude(inviting_q(store))
    return customers.annotate(reason=query.reason).order_by(*query.order_by)


def segment_invitable(*, key: str, store, viewer, cap: ContactCap | None = None, now=None) -> QuerySet[Customer]:
    """The customers of segment ``key`` a manager may invite right now: selectable, not in a running
    task, not capped (INV-11). "Select all matching" dispatches exactly these."""
    now = now or timezone.now()
    cap = cap or contact_cap(now=now)
    return segment_customers(key=key, store=store, viewer=viewer, now=now).exclude(cap.capped_q())


# --- Custom segments: the nightly snapshot ------------------------------------------------------


def custom_segment_compute(*, segment: Segment, now=None) -> int:
    """Replace ``segment``'s members by the customers its conditions match now (set-based: one
    DELETE, one INSERT … SELECT). Returns the number of members."""
    from customers.rules import customers_matching

    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        segment = Segment.objects.select_for_update().get(pk=segment.pk)
        live = Customer.objects.filter(erased_at__isnull=True, store__isnull=False)
        matching = customers_matching(segment.conditions, queryset=live, now=now)
        reason = (segment.description or segment.name)[:100]
        rows = matching.order_by().annotate(
            _segment=Value(segment.pk, output_field=IntegerField()),
            _reason=Value(reason, output_field=CharField()),
            _on=Value(today, output_field=DateField()),
        ).values_list("_segment", "pk", "store_id", "_reason", "_on")
        select_sql, params = rows.query.sql_with_params()
        table = SegmentMember._meta.db_table
        SegmentMember.objects.filter(segment=segment).delete()
        with connection.cursor() as cursor:
            columns = "segment_id, customer_id, store_id, reason, computed_on"
            cursor.execute(f"INSERT INTO {table} ({columns}) {select_sql}", params)  # noqa: S608
        Segment.objects.filter(pk=segment.pk).update(last_computed_at=now)
        return SegmentMember.objects.filter(segment=segment).count()


def custom_segments_compute(*, now=None) -> dict[str, int]:
    """The nightly job: every custom segment head office offers somewhere is recomputed. A segment
    whose conditions no longer validate is skipped (logged) and keeps yesterday's members."""
    from customers.errors import CustomerError

    done = {}
    offered = SegmentAssignment.objects.filter(is_active=True).values("segment")
    for segment in Segment.objects.filter(kind=Segment.Kind.CUSTOM, pk__in=offered):
        try:
            done[segment.key] = custom_segment_compute(segment=segment, now=now)
        except CustomerError as error:
            log.warning("custom segment %s not computed: %s", segment.key, error)
    return done


# --- Strategy services (admin) -----------------------------------------------------------------


def assignment_visible_from(segment: Segment, *, now=None):
    """Recommended segments are visible at once; custom ones the next day (after the nightly job)."""
    today = timezone.localdate(now or timezone.now())
    return today if segment.kind == Segment.Kind.RECOMMENDED else today + timedelta(days=1)


@transaction.atomic
def segment_assign(*, segment: Segment, store: Store | None = None, now=None) -> SegmentAssignment:
    """Offer ``segment`` to ``store`` (None: every store). Re-offering a removed one re-activates it."""
    visible_from = assignment_visible_from(segment, now=now)
    row, created = SegmentAssignment.objects.select_for_update().get_or_create(
        segment=segment, store=store, defaults={"visible_from": visible_from})
    if not created and not row.is_active:
        row.is_active = True
        row.visible_from = visible_from
        row.save(update_fields=["is_active", "visible_from"])
    return row


@transaction.atomic
def segment_unassign(*, segment: Segment, store: Store | None = None) -> SegmentAssignment:
    """Stop offering ``segment`` to ``store`` (None: the all-stores offer); effective at once. For
    one store under an all-stores offer this writes the store's own inactive row."""
    row, _created = SegmentAssignment.objects.select_for_update().get_or_create(
        segment=segment, store=store, defaults={"is_active": False})
    if row.is_active:
        row.is_active = False
        row.save(update_fields=["is_active"])
    return row
