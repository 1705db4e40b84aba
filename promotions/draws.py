"""Draws (PRO-4): the lucky wheel and shake. One draw is one transaction, fair and auditable.

* **Who draws how often.** One person (one mobile number, whatever WeChat accounts; a customer
  without a mobile number is a person of their own) draws ``activity.draws_per_day`` times each
  store day. The allowance row ``(activity, person, day)`` is made if missing (an INSERT that
  ignores a conflict) and taken by one conditional UPDATE ``used = used + 1 WHERE used <
  draws_per_day``: of any number of concurrent taps exactly the allowed number get through (on
  PostgreSQL the UPDATE waits for the row and checks again; SQLite writes one at a time).
* **Fair.** The number is ``secrets.randbelow(10_000)`` (the operating system's random source,
  never a seeded generator); prizes in position order each own a run of numbers ``[from, to)`` as
  wide as their chance (12.5 % = 1,250 numbers), numbers past the last run are "no prize". The
  server decides; the page only shows the result. ``tests/promotions/test_draws_fairness.py`` checks
  the observed distribution against the configured one (chi-square goodness of fit).
* **Stock.** A prize with stock is taken by a conditional UPDATE ``stock_remaining > 0`` (a CHECK
  constraint backs it), so it is never negative and never over-given. A number that lands on a
  prize whose stock is gone is recorded as ``out_of_stock``: the person gets no prize, and the
  other prizes keep exactly their configured chances (we do not redistribute a finished prize's
  share: the chances shown to the operator stay honest while stock lasts; "no prize" grows as
  prizes run out, which is visible in the audit).
* **Coupon.** The prize's coupon is issued by ``promotions.services.coupon_issue`` with the key
  ``draw:<draw id>`` (once, however often it runs). When it refuses (the person already holds as
  many of that coupon as allowed, the definition's own stock is gone), the prize stock taken is
  given back by the savepoint and the draw is recorded as no prize with the reason: nothing is
  half written, and the draw still counts against today's allowance.
* **Audit.** Every draw keeps the number, the pool as it stood (prize, name, from, to, stock left)
  and the outcome (:class:`promotions.models.Draw`); :func:`draw_audit` compares each prize's
  configured chance with its observed share.
* **Lock order, always: allowance row, then prize row, then the coupon definition (inside
  ``coupon_issue``).** Customer rows are not locked here.
* Refusals raise :class:`PromotionError` with a message for the person and change nothing.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Customer

from .errors import PromotionError
from .models import CHANCE_UNITS, Activity, Coupon, Draw, DrawAllowance, Prize
from .services import coupon_issue, stock_left

HUNDRED = Decimal(100)


# --- The pool -----------------------------------------------------------------------------------


def pool_of(prizes) -> list[dict]:
    """The runs of numbers of ``prizes`` (in position order): ``[{"prize", "name", "from", "to",
    "left"}]``, a number in ``[from, to)`` wins that prize. Stored with every draw."""
    pool, start = [], 0
    for prize in prizes:
        end = start + prize.units
        pool.append({"prize": prize.pk, "name": prize.name, "from": start, "to": end,
                     "left": prize.stock_remaining})
        start = end
    return pool


def pool_pick(pool: list[dict], number: int) -> dict | None:
    """The pool entry ``number`` lands on, or None (no prize)."""
    return next((entry for entry in pool if entry["from"] <= number < entry["to"]), None)


def pool_problems(*, kind: str, status: str, chances: list[Decimal]) -> list[str]:
    """What is wrong with a pool head office is saving (the admin shows these): the chances add up
    to more than 100 %; a published draw has no prize."""
    problems = []
    total = sum((Decimal(c) for c in chances), Decimal(0))
    if total > HUNDRED:
        problems.append(_("The chances add up to %(total)s out of 100: lower some of them.") % {
            "total": f"{total.normalize():f}"})
    if kind in (Activity.Kind.LUCKY_WHEEL, Activity.Kind.SHAKE) and status == Activity.Status.PUBLISHED \
            and not chances:
        problems.append(_("A lucky wheel or shake needs at least one prize before it is published."))
    return problems


# --- Who is one person, and how many draws they have left -----------------------------------------


def person_key(customer: Customer) -> str:
    """The person behind ``customer``: their mobile number, else the customer row itself."""
    mobile = (customer.mobile or "").strip()
    return f"m:{mobile}" if mobile else f"c:{customer.pk}"


def draws_left(activity: Activity, customer: Customer | None, *, today: date | None = None) -> int:
    """How many draws ``customer`` has left today (all of them for an unknown visitor)."""
    if customer is None:
        return activity.draws_per_day
    today = today or timezone.localdate()
    used = (DrawAllowance.objects.filter(activity=activity, person=person_key(customer), day=today)
            .values_list("used", flat=True).first()) or 0
    return max(activity.draws_per_day - used, 0)


def _take_allowance(activity: Activity, person: str, today: date) -> bool:
    DrawAllowance.objects.bulk_create([DrawAllowance(activity=activity, person=person, day=today)],
                                      ignore_conflicts=True)
    return bool(DrawAllowance.objects.filter(activity=activity, person=person, day=today,
                                             used__lt=activity.draws_per_day).update(used=F("used") + 1))


def _draw_refusal(activity: Activity, today: date) -> str | None:
    if not activity.is_draw:
        return _("This activity has no draw.")
    if activity.status == Activity.Status.DRAFT:
        return _("This draw has not started yet.")
    if activity.status == Activity.Status.ENDED or activity.ends_on < today:
        return _("The draw has ended. Thank you for taking part!")
    if activity.starts_on > today:
        return _("The draw starts on %(date)s.") % {"date": f"{activity.starts_on:%Y-%m-%d}"}
    return None


# --- The draw -----------------------------------------------------------------------------------


@transaction.atomic
def draw_make(*, activity: Activity, customer: Customer, now: datetime | None = None) -> Draw:
    """``customer`` draws once in ``activity``: the allowance, the number, the prize's stock, the
    coupon and the audit row, all or nothing (see the module docstring)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    activity = Activity.objects.get(pk=activity.pk)
    refusal = _draw_refusal(activity, today)
    if refusal:
        raise PromotionError(refusal)
    customer = Customer.objects.only("id", "mobile", "erased_at", "store_id").get(pk=customer.pk)
    if customer.erased_at is not None:
        raise PromotionError(_("This customer's data was erased."))
    person = person_key(customer)
    if not _take_allowance(activity, person, today):  # lock order: allowance row first
        raise PromotionError(_("You have used all of today's draws. Come back tomorrow!"))

    prizes = list(Prize.objects.filter(activity=activity).select_related("coupon_definition")
                  .order_by("position", "pk"))
    pool = pool_of(prizes)
    number = secrets.randbelow(CHANCE_UNITS)
    entry = pool_pick(pool, number)
    draw = Draw.objects.create(activity=activity, customer=customer, person=person, day=today, drawn_at=now,
                               number=number, pool=pool, outcome=Draw.Outcome.NO_PRIZE)
    if entry is None:
        return draw
    prize = next(p for p in prizes if p.pk == entry["prize"])
    draw.prize = prize
    try:
        with transaction.atomic():  # a savepoint: a refused coupon gives the prize stock back
            if prize.stock_remaining is not None:
                taken = (Prize.objects.filter(pk=prize.pk, stock_remaining__gt=0)  # lock order: prize row
                         .update(stock_remaining=F("stock_remaining") - 1))
                if not taken:
                    draw.outcome = Draw.Outcome.OUT_OF_STOCK
                    draw.save(update_fields=["prize", "outcome"])
                    return draw
            coupon = coupon_issue(definition=prize.coupon_definition, customer=customer,
                                  source=Coupon.Source.PRIZE, key=f"draw:{draw.pk}", now=now)
    except PromotionError as exc:
        draw.reason = str(exc)[:200]
        draw.save(update_fields=["prize", "reason"])
        return draw
    draw.outcome = Draw.Outcome.WON
    draw.coupon = coupon
    draw.save(update_fields=["prize", "outcome", "coupon"])
    return draw


# --- Audit --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrizeAudit:
    name: str
    chance: Decimal | None  # configured, in % (None for "no prize")
    drawn: int  # draws whose number landed on it
    won: int
    out_of_stock: int
    stock_total: int | None
    stock_left: int | None
    total: int  # all draws of the activity

    @property
    def observed(self) -> Decimal | None:
        """The observed share of draws, in %, two decimals."""
        if not self.total:
            return None
        return (Decimal(self.drawn) * HUNDRED / Decimal(self.total)).quantize(Decimal("0.01"))


def draw_audit(activity: Activity, draws=None) -> list[PrizeAudit]:
    """Per prize: configured chance vs observed share of ``draws`` (default: all of the activity's;
    pass ``Draw.objects.visible_to(user)`` to scope it), won, out of stock, stock left; last, the
    "no prize" numbers. Two queries. A number counts for the prize it landed on, whatever came of it."""
    draws = (draws if draws is not None else Draw.objects.all()).filter(activity=activity)
    prizes = list(Prize.objects.filter(activity=activity).order_by("position", "pk"))
    rows = {row["prize"]: row for row in draws.values("prize").annotate(
        drawn=Count("pk"), won=Count("pk", filter=Q(outcome=Draw.Outcome.WON)),
        gone=Count("pk", filter=Q(outcome=Draw.Outcome.OUT_OF_STOCK))).order_by()}
    total = sum(row["drawn"] for row in rows.values())
    audit = []
    for prize in prizes:
        row = rows.get(prize.pk, {})
        audit.append(PrizeAudit(name=prize.name, chance=prize.chance, drawn=row.get("drawn", 0),
                                won=row.get("won", 0), out_of_stock=row.get("gone", 0),
                                stock_total=prize.stock_total, stock_left=prize.stock_remaining, total=total))
    # "No prize": numbers past every run (prize NULL). A refused coupon keeps its prize (see reason).
    nothing = rows.get(None, {})
    configured = sum((p.chance for p in prizes), Decimal(0))
    audit.append(PrizeAudit(name=_("No prize"), chance=HUNDRED - configured, drawn=nothing.get("drawn", 0), won=0,
                            out_of_stock=0, stock_total=None, stock_left=None, total=total))
    return audit


# --- Head office: prizes (admin) ------------------------------------------------------------------


def prizes_won(prize: Prize) -> int:
    return Draw.objects.filter(prize=prize, outcome=Draw.Outcome.WON).count() if prize.pk else 0


@transaction.atomic
def prize_save(*, prize: Prize) -> Prize:
    """Save a prize head office created or changed. The stock left follows the total: a new prize
    starts full; a changed total keeps the prizes already won (refused below them)."""
    if prize.pk is not None:
        Prize.objects.select_for_update().filter(pk=prize.pk).first()  # lock order: prize row
    prize.stock_remaining = stock_left(
        total=prize.stock_total, taken=lambda: prizes_won(prize),
        refusal=lambda n: _("%(n)d of this prize were already won: the stock cannot be lower.") % {"n": n})
    prize.save()
    return prize
