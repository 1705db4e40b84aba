"""The contact-frequency cap (INV-11, seed 004 "smart revisit"): a customer reached by one task or
a marketing message is not invited by another within head office's interval. Capped customers are
shown as such where customers are picked and refused up front by the dispatch, never dropped."""

import threading
import time
import uuid
from datetime import date, datetime, timedelta
from datetime import time as clock

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from customers.contacts import contact_cap, contacts_record
from customers.models import Customer
from invitations.models import InvitationTask
from invitations.services import (
    DispatchRefused,
    invitation_feedback_record,
    invitation_task_dispatch,
    invitation_task_end,
)
from stores.models import HeadOffice
from tests.factories import CustomerFactory
from wechat import outbox
from wechat.models import DeliveryReport, Message

pytestmark = pytest.mark.django_db

BIRTHDAY = "birthday_this_month"


def md(moment) -> str:
    return timezone.localtime(moment).strftime("%m-%d")


def allowed_from(last, days=7):
    """The cap counts store days: the start of the day ``days`` after the contact's day."""
    return timezone.make_aware(datetime.combine(timezone.localdate(last) + timedelta(days=days), clock.min))


def customer_of(org, *, contacted_days_ago=None, **kwargs):
    last = timezone.now() - timedelta(days=contacted_days_ago) if contacted_days_ago is not None else None
    return CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, last_contacted_at=last, **kwargs)


def birthday_customer(org, day, **kwargs):
    return customer_of(org, birthday=date(1990, timezone.localdate().month, day), **kwargs)


def dispatch(org, customers, **kwargs):
    return invitation_task_dispatch(actor=org.manager.user, store=org.store_a1,
                                    customer_ids=[c.pk for c in customers], **kwargs)


def manager_client(org):
    client = Client()
    client.force_login(org.manager.user)
    return client


# --- dispatch ---------------------------------------------------------------------------------


def test_a_capped_customer_is_refused_up_front_with_both_dates(org, in_english):
    # given a customer reached two days ago (head office's default interval: 7 days) and a free one
    capped = customer_of(org, contacted_days_ago=2)
    free = customer_of(org)
    # when the manager dispatches both
    with pytest.raises(DispatchRefused) as refusal:
        dispatch(org, [capped, free])
    # then nothing is dispatched and the capped one is named, with when they may be invited
    allowed = allowed_from(capped.last_contacted_at)
    assert refusal.value.refusals == [{
        "customer": capped.pk,
        "reason": f"contacted {md(capped.last_contacted_at)} · can be invited from {md(allowed)}",
    }]
    assert not InvitationTask.objects.exists()


def test_a_contact_older_than_the_interval_does_not_cap(org):
    customer = customer_of(org, contacted_days_ago=8)
    assert dispatch(org, [customer]).entries.count() == 1


def test_the_cap_counts_store_days_not_hours(org, in_english):
    # Contacted late on the evening seven days ago: free from this morning. Just after midnight six
    # days ago: still capped today, free tomorrow morning.
    today = timezone.localdate()
    evening = timezone.make_aware(datetime.combine(today - timedelta(days=7), clock(23, 50)))
    night = timezone.make_aware(datetime.combine(today - timedelta(days=6), clock(0, 10)))
    free = CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, last_contacted_at=evening)
    capped = CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, last_contacted_at=night)

    with pytest.raises(DispatchRefused) as refusal:
        dispatch(org, [free, capped])

    tomorrow = (today + timedelta(days=1)).strftime("%m-%d")
    assert refusal.value.refusals == [
        {"customer": capped.pk, "reason": f"contacted {md(night)} · can be invited from {tomorrow}"}]
    assert dispatch(org, [free]).entries.count() == 1


@pytest.mark.parametrize("days, refused", [(0, False), (3, True), (30, True)])
def test_head_office_sets_the_interval_and_zero_turns_the_cap_off(org, days, refused):
    HeadOffice.objects.create(name="品牌", contact_interval_days=days)
    customer = customer_of(org, contacted_days_ago=2)
    if refused:
        with pytest.raises(DispatchRefused):
            dispatch(org, [customer])
    else:
        assert dispatch(org, [customer]).entries.count() == 1


def test_a_reached_feedback_in_task_a_caps_the_customer_for_task_b(org, in_english):
    # given task A, whose assistant reached one customer and failed to reach another
    reached, failed = customer_of(org), customer_of(org)
    task_a = dispatch(org, [reached, failed], title="A")
    entries = {e.customer_id: e for e in task_a.entries.all()}
    invitation_feedback_record(actor=org.assistant.user, entry=entries[reached.pk], contact="reached", intent="yes")
    invitation_feedback_record(actor=org.assistant.user, entry=entries[failed.pk], contact="contact_failed")
    invitation_task_end(actor=org.manager.user, task=task_a)  # both are free of task A now
    # when the manager dispatches task B with both
    with pytest.raises(DispatchRefused) as refusal:
        dispatch(org, [reached, failed], title="B")
    # then the reached one is capped (the failed call was no contact), and B is not dispatched
    assert [r["customer"] for r in refusal.value.refusals] == [reached.pk]
    assert refusal.value.refusals[0]["reason"].startswith(f"contacted {md(timezone.now())} ·")
    assert dispatch(org, [failed], title="B").entries.count() == 1


# --- marketing messages count as contacts, service messages do not ----------------------------------


@pytest.fixture
def sending(wechat_settings, fake, django_capture_on_commit_callbacks):
    """Queue a message to a customer and let the outbox send it (tasks run in process)."""
    outbox.gate.reset()
    outbox.broker_backoff_reset()

    def send(customer, *, is_marketing, purpose):
        fake.add_user(openid=customer.openid)
        with django_capture_on_commit_callbacks(execute=True):
            message = outbox.message_enqueue(
                key=uuid.uuid4().hex, openid=customer.openid, template_id="tpl", data={"thing1": {"value": "x"}},
                purpose=purpose, customer=customer, is_marketing=is_marketing)
        message.refresh_from_db()
        return message

    yield send
    outbox.gate.reset()


def test_a_marketing_message_sent_caps_the_customer_a_logistics_message_does_not(org, sending, in_english):
    # given two customers: one gets an activity invitation (marketing), the other a delivery notice
    invited, shipped = customer_of(org, openid=f"o-{uuid.uuid4().hex[:10]}"), customer_of(
        org, openid=f"o-{uuid.uuid4().hex[:10]}")
    marketing = sending(invited, is_marketing=True, purpose="activity_invite")
    logistics = sending(shipped, is_marketing=False, purpose="logistics_node")
    assert marketing.status == logistics.status == Message.Status.SENT
    # then the marketing one is a contact at the moment it was sent, the notice is none
    invited.refresh_from_db()
    shipped.refresh_from_db()
    assert invited.last_contacted_at == marketing.sent_at
    assert shipped.last_contacted_at is None
    # and a dispatch refuses only the one who got marketing
    with pytest.raises(DispatchRefused) as refusal:
        dispatch(org, [invited, shipped])
    assert [r["customer"] for r in refusal.value.refusals] == [invited.pk]


def test_marketing_skipped_for_an_opted_out_customer_is_no_contact(org, sending):
    customer = customer_of(org, openid=f"o-{uuid.uuid4().hex[:10]}", marketing_opt_out=True)
    message = sending(customer, is_marketing=True, purpose="activity_invite")
    customer.refresh_from_db()
    assert message.status == Message.Status.SKIPPED
    assert customer.last_contacted_at is None


def test_an_uncertain_marketing_message_settled_by_wechat_report_is_a_contact(org):
    customer = customer_of(org, openid="o-settled")
    claimed = timezone.now() - timedelta(minutes=5)
    message = Message.objects.create(key="m-1", openid=customer.openid, template_id="tpl", data={},
                                     purpose="activity_invite", is_marketing=True, customer=customer,
                                     status=Message.Status.UNCERTAIN, attempts=1, claimed_at=claimed)
    report = DeliveryReport.objects.create(msgid=4242, openid=customer.openid, status="success",
                                           received_at=claimed + timedelta(seconds=2))

    assert outbox.messages_recover()["settled"] == 1

    message.refresh_from_db()
    customer.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert customer.last_contacted_at == report.received_at


# --- shown where customers are picked ---------------------------------------------------------------


@pytest.fixture
def segment_with_capped(org):
    free = birthday_customer(org, 3, name="李先生")
    capped = birthday_customer(org, 4, name="张女士", contacted_days_ago=2)
    return free, capped


def test_segment_page_shows_the_capped_customer_without_a_checkbox(org, segment_with_capped):
    free, capped = segment_with_capped
    response = manager_client(org).get(f"/dashboard/invitations/segments/{BIRTHDAY}/", {"store": org.store_a1.pk})
    html = response.content.decode()
    allowed = allowed_from(capped.last_contacted_at)
    # the capped customer is listed with both dates, in Chinese, and cannot be ticked
    assert "张女士" in html
    assert f"{md(capped.last_contacted_at)} 已联系 · {md(allowed)} 起可邀约" in html
    assert f'name="customers" value="{capped.pk}"' not in html
    assert f'name="customers" value="{free.pk}"' in html
    # the count stays the segment's, and the page says how many are capped right now
    assert "可选客户 2 位" in html
    assert "其中 1 位近 7 天内已联系过，暂不可邀约" in html
    assert "全选全部 1 位可邀约客户" in html


def test_segment_cards_count_the_capped_customers_apart(org, segment_with_capped):
    response = manager_client(org).get("/dashboard/invitations/", {"store": org.store_a1.pk})
    card = next(c for c in response.context["cards"] if c["key"] == BIRTHDAY)
    assert (card["count"], card["capped"]) == (2, 1)
    assert "1 位近期已联系，稍后可邀约" in response.content.decode()


def test_segment_api_gives_capped_until(org, segment_with_capped):
    free, capped = segment_with_capped
    client = manager_client(org)
    listed = client.get("/api/v1/invitations/segments/", {"store": org.store_a1.pk}).json()
    body = client.get(f"/api/v1/invitations/segments/{BIRTHDAY}/customers/", {"store": org.store_a1.pk}).json()
    rows = {row["id"]: row for row in body["results"]}
    segment = next(s for s in listed if s["key"] == BIRTHDAY)
    assert (segment["count"], segment["capped"]) == (2, 1)
    assert (body["count"], body["invitable"]) == (2, 1)
    assert rows[free.pk]["capped_until"] is None
    capped_until = timezone.datetime.fromisoformat(rows[capped.pk]["capped_until"])
    assert capped_until == allowed_from(capped.last_contacted_at)


def test_with_the_cap_off_nobody_is_shown_capped(org, segment_with_capped):
    HeadOffice.objects.create(name="品牌", contact_interval_days=0)
    free, capped = segment_with_capped
    html = manager_client(org).get(f"/dashboard/invitations/segments/{BIRTHDAY}/",
                                   {"store": org.store_a1.pk}).content.decode()
    assert f'name="customers" value="{capped.pk}"' in html
    assert "已联系" not in html


# --- head office edits the interval ----------------------------------------------------------------


def test_head_office_edits_the_interval_and_daily_targets_in_the_admin(org):
    office = HeadOffice.objects.create(name="品牌")
    client = Client()
    client.force_login(org.hq.user)
    url = f"/admin/stores/headoffice/{office.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    for name in ("contact_interval_days", "daily_call_target", "daily_group_invitation_target"):
        assert f'name="{name}"' in page.content.decode()

    response = client.post(url, {"name": "品牌", "service_phone": "", "protection_days": 90,
                                 "contact_interval_days": 14, "daily_call_target": 40,
                                 "daily_group_invitation_target": 20, "radar_remind_minutes": 30,
                                 "radar_quiet_from": "21:00", "radar_quiet_until": "08:00"})

    assert response.status_code == 302
    office.refresh_from_db()
    figures = (office.contact_interval_days, office.daily_call_target, office.daily_group_invitation_target)
    assert figures == (14, 40, 20)
    assert contact_cap().days == 14


# --- the cap is read under the customer's row lock (PostgreSQL) ---------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_contact_committed_while_the_dispatch_waits_for_the_lock_is_seen(org):
    # given a free customer, and another transaction that reaches them and holds the row
    customer = customer_of(org)
    locked, outcome = threading.Event(), {}

    def contact():
        try:
            with transaction.atomic():
                contacts_record(customer_ids=[customer.pk])  # the UPDATE locks the row
                locked.set()
                time.sleep(0.5)  # the dispatch starts meanwhile and waits for the row
        finally:
            connection.close()

    def dispatch_now():
        locked.wait(5)
        try:
            outcome["task"] = dispatch(org, [customer])
        except DispatchRefused as exc:
            outcome["refused"] = exc.refusals
        finally:
            connection.close()

    threads = [threading.Thread(target=contact), threading.Thread(target=dispatch_now)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    # then the dispatch read the contact committed before its lock was granted: refused, not sent
    assert "task" not in outcome and [r["customer"] for r in outcome["refused"]] == [customer.pk]
    assert Customer.objects.get(pk=customer.pk).last_contacted_at is not None
