"""Running journeys (PRO-6): once per occasion whatever reruns, the contact cap (INV-11), opt-out,
erased customers, the send hour and quiet hours, and each action's effect."""

from datetime import datetime, time, timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from automation import tasks
from automation.models import Journey, JourneyDelivery, JourneyRun
from automation.services import journey_run, journeys_due
from customers.contacts import contacts_record
from customers.models import Customer
from promotions.models import Coupon
from promotions.services import coupon_issue
from stores.models import HeadOffice
from tests.factories import CustomerFactory, OrderFactory
from tests.promotions.factories import CouponDefinitionFactory
from wechat.models import Message

from .conftest import NOW, TODAY, at, make_journey

pytestmark = pytest.mark.django_db


def sleeper(org, **values):
    """A customer whose last order was 100 days ago (dormant for a 90-day journey)."""
    customer = CustomerFactory(store=values.pop("store", org.store_a1), owner_assistant=values.pop("owner", None),
                               **values)
    OrderFactory(customer=customer, placed_at=at(100))
    return customer


def messages_to(customer):
    return Message.objects.filter(customer=customer, purpose__in=["journey", "coupon_expiry"])


def expiring_coupon(org, last_day_in: int = 2, **customer):
    holder = CustomerFactory(store=org.store_a1, mobile="", **customer)
    coupon = coupon_issue(definition=CouponDefinitionFactory(), customer=holder, key=f"t:{holder.pk}")
    Coupon.objects.filter(pk=coupon.pk).update(valid_from=TODAY - timedelta(days=20),
                                               valid_until=TODAY + timedelta(days=last_day_in))
    return Coupon.objects.get(pk=coupon.pk)


# --- once per occasion ------------------------------------------------------------------------------


def test_a_journey_run_twice_the_same_day_sends_nothing_twice(org):
    journey = make_journey()
    customers = [sleeper(org, openid=f"o-sleep-{n}") for n in range(3)]

    first = journey_run(journey=journey, now=NOW)
    second = journey_run(journey=journey, now=NOW + timedelta(hours=2))

    assert (first.matched, first.acted, first.capped, first.skipped) == (3, 3, 0, 0)
    assert JourneyRun.objects.get(pk=first.pk).acted == 3 and second.pk == first.pk  # one run row a day
    for customer in customers:
        (message,) = messages_to(customer)
        delivery = JourneyDelivery.objects.get(customer=customer)
        assert message.key == f"journey:{journey.pk}:{customer.pk}:{delivery.occasion}"
        assert delivery.message == message and delivery.status == JourneyDelivery.Status.QUEUED
    # The next day the occasion (their last order) is the same: still nothing new.
    journey_run(journey=journey, now=NOW + timedelta(days=1))
    assert Message.objects.filter(purpose="journey").count() == 3


def test_a_birthday_journey_greets_once_a_month_and_again_next_year(org):
    journey = make_journey(trigger=Journey.Trigger.BIRTHDAY_MONTH, title="生日快乐", body="生日礼已备好")
    customer = CustomerFactory(store=org.store_a1, openid="o-birthday", birthday=TODAY.replace(year=1990, day=1))

    journey_run(journey=journey, now=NOW)
    journey_run(journey=journey, now=NOW + timedelta(days=1) if TODAY.day < 28 else NOW)
    assert messages_to(customer).count() == 1
    messages_to(customer).update(status=Message.Status.SENT)  # long gone out (a message on its way caps)
    next_year = timezone.make_aware(datetime.combine(TODAY.replace(year=TODAY.year + 1, day=1), time(10, 30)))
    journey_run(journey=journey, now=next_year)
    assert sorted(JourneyDelivery.objects.filter(customer=customer).values_list("occasion", flat=True)) == [
        f"birthday:{TODAY:%Y-%m}", f"birthday:{TODAY.year + 1}-{TODAY:%m}"]


# --- who is left out ----------------------------------------------------------------------------------


@pytest.mark.parametrize("interval_days", [7, 0])
def test_the_contact_cap_leaves_customers_out_and_a_later_run_picks_them_up(org, interval_days):
    """INV-11: contacted yesterday by an invitation → capped today (counted), reached once the cap
    allows while the occasion still holds; interval 0 turns the cap off."""
    HeadOffice.objects.create(name="品牌", contact_interval_days=interval_days)
    journey = make_journey()
    reached, free = sleeper(org, openid="o-reached"), sleeper(org, openid="o-free")
    contacts_record(customer_ids=[reached.pk], at=NOW - timedelta(days=1))

    run = journey_run(journey=journey, now=NOW)

    capped = interval_days > 0
    assert (run.acted, run.capped) == ((1, 1) if capped else (2, 0))
    assert messages_to(reached).exists() is not capped and messages_to(free).count() == 1
    if capped:
        later = journey_run(journey=journey, now=NOW + timedelta(days=interval_days - 1))
        assert (later.acted, later.capped) == (1, 0)
        assert messages_to(reached).count() == 1 and messages_to(free).count() == 1


def test_two_journeys_reaching_one_customer_the_same_hour_send_one_message_under_the_cap(org):
    """The outbox records a contact when the message is sent; a message still on its way caps too."""
    HeadOffice.objects.create(name="品牌", contact_interval_days=7)
    first, second = make_journey(name="沉睡唤醒"), make_journey(name="老客关怀")
    customer = sleeper(org, openid="o-two-journeys")

    assert journey_run(journey=first, now=NOW).acted == 1
    run = journey_run(journey=second, now=NOW)
    assert (run.acted, run.capped) == (0, 1)
    assert messages_to(customer).count() == 1


def test_opted_out_customers_get_no_message_and_erased_ones_are_not_matched(org):
    journey = make_journey()
    opted_out = sleeper(org, openid="o-opted-out", marketing_opt_out=True)
    erased = sleeper(org, openid="o-erased")
    Customer.objects.filter(pk=erased.pk).update(erased_at=NOW - timedelta(days=1))
    no_wechat = sleeper(org, openid=None)

    run = journey_run(journey=journey, now=NOW)

    assert (run.acted, run.skipped) == (0, 2)
    assert JourneyDelivery.objects.get(customer=opted_out).status == JourneyDelivery.Status.OPTED_OUT
    assert messages_to(opted_out).get().status == Message.Status.SKIPPED  # the outbox never sends it
    assert JourneyDelivery.objects.get(customer=no_wechat).status == JourneyDelivery.Status.NO_OPENID
    assert not JourneyDelivery.objects.filter(customer=erased).exists()


def test_the_audience_is_the_journeys_stores_and_its_rule_conditions(org):
    journey = make_journey(stores=[org.store_a2], conditions=[{"field": "gender", "op": "eq", "value": "f"}])
    inside = sleeper(org, store=org.store_a2, openid="o-a2-f", gender="f")
    sleeper(org, store=org.store_a2, openid="o-a2-m", gender="m")
    sleeper(org, store=org.store_a1, openid="o-a1-f", gender="f")

    journey_run(journey=journey, now=NOW)

    assert list(JourneyDelivery.objects.values_list("customer_id", flat=True)) == [inside.pk]
    assert JourneyDelivery.objects.get().store == org.store_a2


# --- timing ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("hour", "runs"), [(8, False), (9, True), (20, True), (21, False)])
def test_never_before_nine_or_after_twenty(org, hour, runs):
    journey = make_journey(send_hour=9)
    sleeper(org, openid="o-quiet")
    moment = timezone.make_aware(datetime.combine(TODAY, time(hour, 59 if hour == 20 else 0)))
    assert (journey.pk in journeys_due(now=moment)) is runs
    assert (journey_run(journey=journey, now=moment) is not None) is runs
    assert Message.objects.filter(purpose="journey").exists() is runs


def test_the_beat_runs_a_journey_from_its_send_hour_once_a_day(org, builtin_reminder):
    morning = make_journey(send_hour=10)
    afternoon = make_journey(send_hour=15)
    paused = make_journey(send_hour=9, status=Journey.Status.PAUSED)
    ended = make_journey(send_hour=9, ends_on=TODAY - timedelta(days=1))

    due = journeys_due(now=NOW)
    assert morning.pk in due and builtin_reminder.pk in due
    assert not {afternoon.pk, paused.pk, ended.pk} & set(due)
    journey_run(journey=morning, now=NOW)
    assert morning.pk not in journeys_due(now=NOW + timedelta(minutes=60))
    assert afternoon.pk in journeys_due(now=NOW + timedelta(hours=5))


def test_the_hourly_task_runs_the_due_journeys_in_process(org, monkeypatch):
    journey = make_journey()
    customer = sleeper(org, openid="o-task")
    monkeypatch.setattr("automation.services.timezone.now", lambda: NOW)
    assert tasks.journeys_run() >= 1
    assert tasks.journeys_run() == 0  # every due journey finished its run today
    assert messages_to(customer).count() == 1 and JourneyRun.objects.get(journey=journey).finished_at


def test_the_hourly_job_is_scheduled_and_the_old_reminder_job_is_gone():
    job = PeriodicTask.objects.get(task="automation.journeys_run")
    assert (job.crontab.minute, job.crontab.hour, str(job.crontab.timezone)) == ("5", "*", "Asia/Shanghai")
    assert job.enabled
    assert not PeriodicTask.objects.filter(task="promotions.coupons_remind_expiring").exists()


# --- actions ---------------------------------------------------------------------------------------


def test_a_template_message_carries_the_journeys_texts_and_a_tracked_link(org):
    journey = make_journey()
    customer = sleeper(org, openid="o-texts")
    journey_run(journey=journey, now=NOW)
    message = messages_to(customer).get()
    delivery = JourneyDelivery.objects.get(customer=customer)
    assert message.template_id == settings.WECHAT_TEMPLATE_JOURNEY and message.is_marketing
    assert message.data == {"thing1": {"value": "好久不见"}, "thing2": {"value": "老客福利等你来领"},
                            "time3": {"value": f"{TODAY:%Y-%m-%d}"}}
    assert message.url == f"{settings.PUBLIC_BASE_URL}/h5/j/{delivery.token}/"


def test_the_builtin_reminder_keeps_the_coupon_expiry_message_and_reminds_each_coupon_once(org, builtin_reminder):
    """It replaced promotions' daily job: same template and data, once per coupon."""
    due = [expiring_coupon(org, days, openid=f"o-due-{days}") for days in (0, 1, 3)]
    later = expiring_coupon(org, 4, openid="o-later")

    run = journey_run(journey=builtin_reminder, now=NOW)
    reminders = Message.objects.filter(purpose="coupon_expiry")
    assert run.acted == 3 and reminders.count() == 3 and not reminders.filter(customer=later.customer).exists()
    # The next morning: the coupon ending in 4 days now ends within 3; the others are not reminded again.
    assert journey_run(journey=builtin_reminder, now=NOW + timedelta(days=1)).acted == 1
    assert sorted(reminders.values_list("customer_id", flat=True)) == sorted(c.customer_id for c in [*due, later])
    reminder = reminders.get(customer=due[2].customer)
    assert reminder.template_id == settings.WECHAT_TEMPLATE_COUPON_EXPIRY and reminder.is_marketing
    assert reminder.data == {"thing1": {"value": due[2].definition.name}, "time2": {"value": f"{due[2].valid_until:%Y-%m-%d}"},
                             "number3": {"value": "3"}}
    assert all(Coupon.objects.get(pk=c.pk).reminded_at for c in due)
    # A second reminder journey (head office made one more from the template) reminds nobody again.
    second = make_journey(trigger=Journey.Trigger.COUPON_EXPIRING, trigger_days=3, template="coupon_expiry")
    assert journey_run(journey=second, now=NOW).acted == 0


def test_used_coupons_get_no_reminder(org, builtin_reminder):
    from promotions.services import coupon_redeem

    used = expiring_coupon(org, 1, openid="o-used")
    coupon_redeem(code=used.code, actor=org.assistant.user)
    assert journey_run(journey=builtin_reminder, now=NOW).acted == 0


def test_issuing_a_coupon_gives_one_coupon_per_occasion(org):
    definition = CouponDefinitionFactory(activity=None, name="回购专享券", stock_total=1, stock_remaining=1)
    journey = make_journey(trigger=Journey.Trigger.SECOND_PURCHASE, trigger_days=30,
                           action=Journey.Action.ISSUE_COUPON, coupon_definition=definition)
    first = CustomerFactory(store=org.store_a1, openid="o-second-1", mobile="")
    OrderFactory(customer=first, placed_at=at(30))
    second = CustomerFactory(store=org.store_a1, openid="o-second-2", mobile="")
    OrderFactory(customer=second, placed_at=at(30))

    run = journey_run(journey=journey, now=NOW)
    journey_run(journey=journey, now=NOW + timedelta(hours=1))

    assert (run.acted, run.skipped) == (1, 1)  # the stock was one coupon
    coupon = Coupon.objects.get(definition=definition)
    assert coupon.source == Coupon.Source.JOURNEY
    delivery = JourneyDelivery.objects.get(coupon=coupon)
    assert delivery.status == JourneyDelivery.Status.ISSUED
    assert delivery.message.key == f"coupon_claimed:{coupon.pk}"  # coupon_issue queued "coupon claimed"
    refused = JourneyDelivery.objects.exclude(pk=delivery.pk).get()
    assert refused.status == JourneyDelivery.Status.REFUSED and refused.note


def test_an_assistant_task_puts_the_customer_on_the_owners_to_do_today_and_reminds_them_once(org, client):
    org.assistant.wechat_openid = "o-staff-assistant"
    org.assistant.save(update_fields=["wechat_openid"])
    journey = make_journey(trigger=Journey.Trigger.DORMANT, action=Journey.Action.ASSISTANT_TASK, name="沉睡唤醒",
                           body="回访唤醒")
    customers = [sleeper(org, owner=org.assistant, name=f"沉睡{n}") for n in range(2)]
    planned = sleeper(org, owner=org.assistant, next_follow_up_on=TODAY - timedelta(days=2))
    nobody = sleeper(org)

    run = journey_run(journey=journey, now=NOW)
    journey_run(journey=journey, now=NOW + timedelta(hours=1))

    assert (run.acted, run.skipped) == (3, 1)
    for customer in customers:
        assert Customer.objects.get(pk=customer.pk).next_follow_up_on == TODAY
    assert Customer.objects.get(pk=planned.pk).next_follow_up_on == TODAY - timedelta(days=2)  # stays
    assert JourneyDelivery.objects.get(customer=nobody).status == JourneyDelivery.Status.NO_OWNER
    (reminder,) = Message.objects.filter(purpose="staff_reminder", staff=org.assistant)
    assert reminder.data["thing1"]["value"] == "沉睡唤醒" and "3" in reminder.data["thing2"]["value"]
    # ... and the assistant sees them in "to-do today" on the workbench
    client.force_login(org.assistant.user)
    page = client.get("/m/customers/", {"due": "true"}).content.decode()
    assert all(c.name in page for c in customers)


def test_a_customer_with_three_expiring_coupons_gets_one_reminder_a_run(org, builtin_reminder):
    HeadOffice.objects.create(name="品牌", contact_interval_days=0)  # no cap: only the one-a-run rule
    first = expiring_coupon(org, 1, openid="o-three-coupons")
    holder = first.customer
    for days in (2, 3):
        coupon = coupon_issue(definition=CouponDefinitionFactory(), customer=holder, key=f"t:{holder.pk}:{days}")
        Coupon.objects.filter(pk=coupon.pk).update(valid_until=TODAY + timedelta(days=days))
    assert journey_run(journey=builtin_reminder, now=NOW).acted == 1
    assert messages_to(holder).count() == 1
    # the next coupon's reminder comes with the next day's run, never two at once
    assert journey_run(journey=builtin_reminder, now=NOW + timedelta(days=1)).acted == 1
    assert messages_to(holder).count() == 2


def test_the_hourly_task_runs_two_journeys_of_one_hour_one_after_the_other(org, monkeypatch):
    """Both reach the same customer: the second sees the first's message on its way (the cap)."""
    HeadOffice.objects.create(name="品牌", contact_interval_days=7)
    make_journey(name="沉睡唤醒")
    make_journey(name="老客关怀")
    customer = sleeper(org, openid="o-hourly-two")
    monkeypatch.setattr("automation.services.timezone.now", lambda: NOW)
    tasks.journeys_run()
    assert messages_to(customer).count() == 1


def test_merged_records_are_not_an_audience(org):
    from customers.merges import customer_merge
    from customers.models.identity import CustomerMerge

    journey = make_journey()
    kept, merged = sleeper(org, openid="o-kept"), sleeper(org, openid="o-merged")
    customer_merge(survivor=kept, merged=merged, reason=CustomerMerge.Reason.HEAD_OFFICE)
    journey_run(journey=journey, now=NOW)
    assert JourneyDelivery.objects.filter(customer=merged).count() == 0
    assert JourneyDelivery.objects.filter(customer=kept).count() == 1
