"""A hand-built month of invitations for the metrics tests (INV-9), on top of the ``org`` fixture.

November 2026, store days (Asia/Shanghai). Region A: stores A1 (assistant, colleague) and A2
(other); region B: store B1 (north).

* t1, A1, dispatched 11-10 10:00, ended, control share 0.5 — five invited, three held back:
  e1 (assistant) reached with intent 11-11 10:00, pays 1000 on 11-12 and 500.50 at exactly 7 days
  (counted), 99 the hour before the feedback (not counted); e2 (assistant) reached without intent,
  pays 800 at 7 days and one second (not counted); e3 (colleague) contact failed, pays 700 (not
  counted: not reached); e4 (colleague) awaiting; e7 (assistant) reached with intent 11-12, pays
  400 on 11-15 — but was reached again in t2 on 11-14, so that payment counts for t2 alone.
  Control: c1 (assistant) pays 200 on 11-13; c2, c3 (colleague) do not pay.
* t2, A1, dispatched 11-13 10:00, running, no control: e8 (assistant, e7's customer) reached with
  intent 11-14 10:00 (takes the 400); e9 (colleague) awaiting.
* t3, A2, 11-05, running: e10 (other) reached 11-06, pays 2000 on 11-07.
* t4, B1, 11-25, running: e11 (north) reached 11-26, pays 5000 on 11-27.
* t5, A1, 10-20, ended (outside November): e12 (assistant) reached, pays 100.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from customers.models import Payment
from invitations.models import InvitationEntry, InvitationTask
from stores.models import Staff
from tests.factories import CustomerFactory, OrderFactory

NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}


def local(month: int, day: int, hour: int = 10, minute: int = 0, second: int = 0) -> datetime:
    return timezone.make_aware(datetime(2026, month, day, hour, minute, second))


def pay(customer, amount: str, at: datetime) -> Payment:
    order = OrderFactory(customer=customer, amount=amount, placed_at=at)
    return Payment.objects.create(order=order, kind="in_store", amount=amount, paid_at=at)


def make_task(org, store, title: str, at: datetime, *, ended: bool = False, control_share="0") -> InvitationTask:
    return InvitationTask.objects.create(
        store=store, title=title, created_at=at, deadline=at + timedelta(days=30), created_by=org.manager,
        control_share=Decimal(control_share), status="ended" if ended else "running",
        ended_at=at + timedelta(days=9) if ended else None)


def make_entry(task, assistant, *, customer=None, contact: str = "", intent: str = "", feedback_at=None,
               control: bool = False) -> InvitationEntry:
    customer = customer or CustomerFactory(store=task.store, owner_assistant=assistant)
    return InvitationEntry.objects.create(
        task=task, customer=customer, assistant=assistant, store=task.store, channel="phone",
        contact=contact, intent=intent, feedback_at=feedback_at, is_control=control,
        active=task.status == "running")


@dataclass
class World:
    north: Staff
    tasks: dict = field(default_factory=dict)
    entries: dict = field(default_factory=dict)


def build_world(org) -> World:
    north = Staff.objects.get(user__username="t-north")
    world = World(north=north)
    t = world.tasks
    e = world.entries
    t[1] = make_task(org, org.store_a1, "A1 生日邀约", local(11, 10), ended=True, control_share="0.5")
    t[2] = make_task(org, org.store_a1, "A1 老客回店", local(11, 13))
    t[3] = make_task(org, org.store_a2, "A2 储值客户", local(11, 5))
    t[4] = make_task(org, org.store_b1, "B1 店庆", local(11, 25))
    t[5] = make_task(org, org.store_a1, "A1 十月", local(10, 20), ended=True)

    fb = local(11, 11)
    e[1] = make_entry(t[1], org.assistant, contact="reached", intent="yes", feedback_at=fb)
    pay(e[1].customer, "1000.00", local(11, 12))
    pay(e[1].customer, "500.50", fb + timedelta(days=7))
    pay(e[1].customer, "99.00", fb - timedelta(hours=1))
    e[2] = make_entry(t[1], org.assistant, contact="reached", intent="no", feedback_at=fb)
    pay(e[2].customer, "800.00", fb + timedelta(days=7, seconds=1))
    e[3] = make_entry(t[1], org.colleague, contact="contact_failed", feedback_at=fb)
    pay(e[3].customer, "700.00", local(11, 12))
    e[4] = make_entry(t[1], org.colleague)
    e[7] = make_entry(t[1], org.assistant, contact="reached", intent="yes", feedback_at=local(11, 12))
    pay(e[7].customer, "400.00", local(11, 15))
    e["c1"] = make_entry(t[1], org.assistant, control=True)
    pay(e["c1"].customer, "200.00", local(11, 13))
    e["c2"] = make_entry(t[1], org.colleague, control=True)
    e["c3"] = make_entry(t[1], org.colleague, control=True)

    e[8] = make_entry(t[2], org.assistant, customer=e[7].customer, contact="reached", intent="yes",
                      feedback_at=local(11, 14))
    e[9] = make_entry(t[2], org.colleague)

    e[10] = make_entry(t[3], org.other_store_assistant, contact="reached", intent="yes", feedback_at=local(11, 6))
    pay(e[10].customer, "2000.00", local(11, 7))
    e[11] = make_entry(t[4], north, contact="reached", intent="yes", feedback_at=local(11, 26))
    pay(e[11].customer, "5000.00", local(11, 27))
    e[12] = make_entry(t[5], org.assistant, contact="reached", intent="yes", feedback_at=local(10, 21))
    pay(e[12].customer, "100.00", local(10, 22))
    return world
