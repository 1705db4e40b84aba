"""Running journeys (PRO-6): find each customer's occasions, then act on each occasion once.

``journey_run`` has two phases, both set-based and both harmless when rerun or run twice at once:

1. **Find.** The trigger's rows (``automation.triggers``), narrowed to the journey's audience
   (stores, rule conditions, not erased), less the occasions the journey already has a delivery
   for, less the customers under the contact cap (INV-11: contacted within head office's interval,
   or with a marketing message still on its way; counted as ``capped`` and left for a later run
   while the occasion holds) are inserted as ``pending`` deliveries, in batches, by
   bulk INSERTs that ignore conflicts on the unique (journey, customer, occasion): a second run,
   or a run at the same moment, inserts nothing new.
2. **Act.** Pending deliveries are claimed in batches with ``SELECT ... FOR UPDATE SKIP LOCKED``
   (two workers never take the same row), acted on, and marked, in one transaction per batch. A
   template message goes through the outbox (``message_enqueue``, key
   ``journey:<journey>:<customer>:<occasion>``, marketing, so an opted-out customer's is
   ``skipped``); a coupon through ``promotions.services.coupon_issue`` with the same key (it
   queues its own "coupon claimed" message); an assistant task puts the customer on the owner
   assistant's "to-do today" (``Customer.next_follow_up_on``) and reminds the assistant once a day.
   Nothing is sent from here: the outbox sends after commit.

Lock order: delivery rows, then (issuing) the coupon definition and coupon, then customer rows
(the to-do date, one UPDATE). Nothing else locks delivery rows.

Timing: a journey runs at most once a store day from its send hour (beat job
``automation.journeys_run``, hourly), never before 9:00 or after 20:59 store time.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, IntegerField, OuterRef, Q, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.contacts import contact_cap
from customers.models import Customer
from customers.rules.engine import conditions_q

from .errors import AutomationError
from .models import FIRST_HOUR, LAST_HOUR, Journey, JourneyDelivery, JourneyRun
from .strategies import BY_KEY
from .triggers import Occasions, occasions

log = logging.getLogger(__name__)

BATCH = 500
ACTED = (JourneyDelivery.Status.QUEUED, JourneyDelivery.Status.ISSUED, JourneyDelivery.Status.TASKED)
IN_FLIGHT = ("pending", "sending", "uncertain")  # wechat.Message statuses of a message not settled yet


def delivery_key(delivery: JourneyDelivery) -> str:
    """The idempotency key of a delivery's message or coupon."""
    return f"journey:{delivery.journey_id}:{delivery.customer_id}:{delivery.occasion}"


def open_url(delivery: JourneyDelivery) -> str:
    """The link in a journey's message: through the tracking redirect, which records the open."""
    return settings.PUBLIC_BASE_URL + reverse("automation_h5:open", args=[delivery.token])


def link_target(journey: Journey) -> str:
    if journey.link == Journey.Link.MY_COUPONS:
        return reverse("promotions_h5:my_coupons")
    return reverse("h5:home")


def in_quiet_hours(now: datetime) -> bool:
    return not FIRST_HOUR <= timezone.localtime(now).hour <= LAST_HOUR


# --- Find ------------------------------------------------------------------------------------------


def _in(occ: Occasions, customers) -> Q:
    return Q(**{f"{occ.customer_id}__in": customers})


def _candidates(journey: Journey, now: datetime):
    """(fresh occasions of the journey's audience, capped customers' condition or None)."""
    occ = occasions(journey, now)
    rows = occ.queryset.filter(occ.customer_q("erased_at__isnull", True), occ.customer_q("merged_into__isnull", True))
    if not journey.all_stores:
        rows = rows.filter(occ.customer_q("store__in", journey.stores.values("pk")))
    if journey.conditions:
        rows = rows.filter(_in(occ, Customer.objects.filter(conditions_q(journey.conditions, now=now)).values("pk")))
    done = JourneyDelivery.objects.filter(journey=journey, customer_id=OuterRef("_cid"), occasion=OuterRef("_occ"))
    # One occasion per customer per run (three expiring coupons: one message today, the next one on
    # a later run, when the contact cap has its say).
    this_run = JourneyDelivery.objects.filter(journey=journey, customer_id=OuterRef("_cid"), created_at=now)
    rows = (rows.annotate(_cid=F(occ.customer_id), _occ=occ.occasion,
                          _cpn=F(occ.coupon) if occ.coupon else Value(None, output_field=IntegerField()),
                          _store=F(f"{occ.customer}store_id" if occ.customer else "store_id"))
            .filter(~Exists(done), ~Exists(this_run)))
    cap = contact_cap(now=now)
    capped = None
    if cap.on:
        # Contacted within the interval, or a marketing message on its way (another journey's this
        # hour): the outbox records the contact only once it is sent.
        from wechat.models import Message

        in_flight = (Message.objects.filter(is_marketing=True, customer__isnull=False, status__in=IN_FLIGHT)
                     .values("customer_id"))
        capped = _in(occ, Customer.objects.filter(cap.capped_q()).values("pk")) | _in(occ, in_flight)
    return rows, capped


def _find(journey: Journey, now: datetime) -> int:
    """Insert the journey's new occasions as pending deliveries; returns the customers' occasions
    left out by the contact cap."""
    rows, capped_q = _candidates(journey, now)
    capped = 0
    if capped_q is not None:
        capped = rows.filter(capped_q).count()
        rows = rows.exclude(capped_q)
    rows = rows.values_list("_cid", "_occ", "_cpn", "_store").order_by("_cid", "_occ")
    previous = None
    while True:
        batch = list(rows[:BATCH])
        if not batch or batch == previous:  # nothing left (or nothing insertable: never loop)
            break
        first = {}
        for cid, occasion, coupon, store in batch:  # ordered by customer: the first occasion of each
            first.setdefault(cid, (occasion, coupon, store))
        JourneyDelivery.objects.bulk_create(
            [JourneyDelivery(journey=journey, customer_id=cid, occasion=occasion[:60], coupon_id=coupon,
                             store_id=store, created_at=now) for cid, (occasion, coupon, store) in first.items()],
            ignore_conflicts=True)
        previous = batch
    return capped


# --- Act -------------------------------------------------------------------------------------------


def _message_data(journey: Journey, delivery: JourneyDelivery, today) -> tuple[str, dict, str]:
    coupon = delivery.coupon
    if journey.trigger == Journey.Trigger.COUPON_EXPIRING and coupon is not None:
        # The coupon-expiry template, as the old daily job sent it.
        return settings.WECHAT_TEMPLATE_COUPON_EXPIRY, {
            "thing1": {"value": coupon.definition.name[:20]},
            "time2": {"value": f"{coupon.valid_until:%Y-%m-%d}"},
            "number3": {"value": str((coupon.valid_until - today).days)},
        }, "coupon_expiry"
    return settings.WECHAT_TEMPLATE_JOURNEY, {
        "thing1": {"value": journey.title[:20]}, "thing2": {"value": journey.body[:20]},
        "time3": {"value": f"{today:%Y-%m-%d}"},
    }, "journey"


def _send_message(journey, delivery, today) -> None:
    from wechat.models import Message
    from wechat.outbox import message_enqueue

    customer = delivery.customer
    if not customer.openid:
        delivery.status = JourneyDelivery.Status.NO_OPENID
        return
    template_id, data, purpose = _message_data(journey, delivery, today)
    url = open_url(delivery) if journey.link != Journey.Link.NONE else ""
    message = message_enqueue(key=delivery_key(delivery), openid=customer.openid, template_id=template_id,
                              data=data, url=url, purpose=purpose, customer=customer, is_marketing=True)
    delivery.message = message
    delivery.status = (JourneyDelivery.Status.OPTED_OUT if message.status == Message.Status.SKIPPED
                       else JourneyDelivery.Status.QUEUED)


def _issue_coupon(journey, delivery, now) -> None:
    from promotions.errors import PromotionError
    from promotions.models import Coupon
    from promotions.services import coupon_issue
    from wechat.models import Message

    if delivery.customer.marketing_opt_out:
        delivery.status = JourneyDelivery.Status.OPTED_OUT
        return
    try:
        with transaction.atomic():
            coupon = coupon_issue(definition=journey.coupon_definition, customer=delivery.customer,
                                  source=Coupon.Source.JOURNEY, key=delivery_key(delivery)[:100], now=now)
    except PromotionError as exc:
        delivery.status, delivery.note = JourneyDelivery.Status.REFUSED, str(exc)[:200]
        return
    delivery.coupon = coupon
    delivery.message = Message.objects.filter(key=f"coupon_claimed:{coupon.pk}").first()
    delivery.status = JourneyDelivery.Status.ISSUED


def _tasks_make(journey: Journey, deliveries: list[JourneyDelivery], today) -> None:
    """The owner assistants' part: the customers go on their "to-do today" (an earlier planned
    follow-up stays), and each assistant gets one reminder a day per journey."""
    from wechat.outbox import staff_remind

    by_owner = defaultdict(list)
    for delivery in deliveries:
        owner = delivery.customer.owner_assistant
        if owner is None or not owner.is_active:
            delivery.status = JourneyDelivery.Status.NO_OWNER
            continue
        delivery.status, delivery.note = JourneyDelivery.Status.TASKED, journey.body or journey.name
        by_owner[owner].append(delivery.customer_id)
    ids = [pk for pks in by_owner.values() for pk in pks]
    if ids:
        (Customer.objects.filter(pk__in=ids).filter(Q(next_follow_up_on__isnull=True) | Q(next_follow_up_on__gt=today))
         .update(next_follow_up_on=today, updated_at=timezone.now()))
    url = settings.PUBLIC_BASE_URL + reverse("workbench:customers") + "?due=true"
    for owner, pks in by_owner.items():
        staff_remind(staff=owner, key=f"journey:{journey.pk}:staff:{owner.pk}:{today:%Y-%m-%d}",
                     title=journey.name, body=_("%(n)d customers to follow up today") % {"n": len(pks)}, url=url)


def _act(journey: Journey, now: datetime) -> tuple[int, int]:
    """Act on the journey's pending deliveries, a locked batch at a time: (acted, skipped)."""
    from promotions.models import Coupon

    today = timezone.localdate(now)
    until = now + timedelta(days=journey.attribution_days)
    acted = skipped = 0
    while True:
        with transaction.atomic():
            batch = list(JourneyDelivery.objects.select_for_update(skip_locked=True, of=("self",))
                         .filter(journey=journey, status=JourneyDelivery.Status.PENDING)
                         .select_related("customer__owner_assistant", "coupon__definition").order_by("pk")[:BATCH])
            if not batch:
                break
            if journey.action == Journey.Action.ASSISTANT_TASK:
                _tasks_make(journey, batch, today)
            for delivery in batch:
                if journey.action == Journey.Action.TEMPLATE_MESSAGE:
                    _send_message(journey, delivery, today)
                elif journey.action == Journey.Action.ISSUE_COUPON:
                    _issue_coupon(journey, delivery, now)
                delivery.acted_at, delivery.attributed_until = now, until
            JourneyDelivery.objects.bulk_update(
                batch, ["status", "note", "message", "coupon", "acted_at", "attributed_until"])
            if journey.trigger == Journey.Trigger.COUPON_EXPIRING and journey.action == Journey.Action.TEMPLATE_MESSAGE:
                reminded = [d.coupon_id for d in batch if d.status == JourneyDelivery.Status.QUEUED and d.coupon_id]
                Coupon.objects.filter(pk__in=reminded, reminded_at__isnull=True).update(reminded_at=now)
            done = sum(1 for d in batch if d.status in ACTED)
            acted, skipped = acted + done, skipped + len(batch) - done
    return acted, skipped


# --- Runs --------------------------------------------------------------------------------------------


def _run_row(journey: Journey, today) -> JourneyRun:
    try:
        with transaction.atomic():
            return JourneyRun.objects.get_or_create(journey=journey, day=today, defaults={"started_at": timezone.now()})[0]
    except IntegrityError:  # a run of the same day started at the same moment
        return JourneyRun.objects.get(journey=journey, day=today)


def journey_run(*, journey: Journey, now: datetime | None = None) -> JourneyRun | None:
    """Run ``journey`` now: its new occasions found and acted on once each. None (nothing done)
    when the journey does not run today (not active, out of its dates) or in quiet hours.
    Rerunning the same day (or the next, for an occasion that still holds) sends nothing twice."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    journey = Journey.objects.select_related("coupon_definition").get(pk=journey.pk)
    if not journey.runs_on(today) or in_quiet_hours(now):
        return None
    run = _run_row(journey, today)
    capped = _find(journey, now)
    acted, skipped = _act(journey, now)
    JourneyRun.objects.filter(pk=run.pk).update(
        matched=F("matched") + acted + skipped, acted=F("acted") + acted, skipped=F("skipped") + skipped,
        capped=capped, finished_at=timezone.now())
    if capped:
        log.info("journey %s: %d acted on, %d skipped, %d left out by the contact cap", journey.pk, acted, skipped,
                 capped)
    run.refresh_from_db()
    return run


def journeys_due(*, now: datetime | None = None) -> list[int]:
    """Active journeys whose send hour has come today (store time, before 21:00) and that have not
    finished a run today: what the hourly beat job runs."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    if in_quiet_hours(now):
        return []
    ran = JourneyRun.objects.filter(journey=OuterRef("pk"), day=local.date(), finished_at__isnull=False)
    due = (Journey.objects.filter(status=Journey.Status.ACTIVE, send_hour__lte=local.hour)
           .filter(Q(starts_on__isnull=True) | Q(starts_on__lte=local.date()))
           .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=local.date()))
           .filter(~Exists(ran)).order_by("pk"))
    return list(due.values_list("pk", flat=True))


def delivery_open(*, token: str, now: datetime | None = None) -> JourneyDelivery | None:
    """The customer tapped the message's link: the first tap is recorded (one conditional UPDATE)."""
    JourneyDelivery.objects.filter(token=token, opened_at__isnull=True).update(opened_at=now or timezone.now())
    return JourneyDelivery.objects.select_related("journey").filter(token=token).first()


# --- Head office -------------------------------------------------------------------------------------


def journey_from_template(*, key: str, actor) -> Journey:
    """A draft journey pre-filled from the built-in strategy ``key`` (head office adjusts it)."""
    strategy = BY_KEY.get(key)
    if strategy is None:
        raise AutomationError(_("There is no such strategy template."))
    return Journey(name=strategy.name, template=strategy.key, status=Journey.Status.DRAFT, created_by=actor,
                   **strategy.values)
