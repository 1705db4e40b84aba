"""Group-send invitations through WeCom (INV-6): one group message per assistant, kept in a
``GroupSend`` row, falling back to one-to-one when WeCom's quota or daily limit says no, against
the fake WeCom over HTTP.

In-process tests run the Celery tasks eagerly after the dispatch commits (as the embedded default
does) and call the dispatcher job where beat would; the worker tests at the end run a real worker
on Redis and PostgreSQL.
"""

import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from customers.models import Customer
from invitations import group_send, tasks
from invitations.models import GroupSend, InvitationEntry
from invitations.selectors import task_results
from invitations.services import invitation_task_dispatch
from tests.factories import CustomerFactory
from tests.workers import Worker, publishing_to, redis_clean, wait_until  # noqa: F401
from wechat import outbox
from wechat.models import Message, WeComContact

ADD_MSG_TEMPLATE = "/cgi-bin/externalcontact/add_msg_template"
GET_RESULT = "/cgi-bin/externalcontact/get_group_msg_result"
SENT_NOTE = "已通过企业微信群发送达"
CONFIRM_NOTE = "已加入企业微信群发：请在企业微信中确认发送"

pytestmark = pytest.mark.django_db


@pytest.fixture
def wecom(wechat_settings, org, fake):
    """Both assistants of store A1 have a WeCom account and their WeChat bound for reminders."""
    outbox.gate.reset()
    for staff, userid in ((org.assistant, "chenzichao"), (org.colleague, "lina")):
        staff.wecom_userid = userid
        staff.wechat_openid = fake.add_user(openid=f"o-staff-{userid}")["openid"]
        staff.save(update_fields=["wecom_userid", "wechat_openid"])
    yield wechat_settings
    outbox.gate.reset()


def friends(fake, assistant, count, **values):
    """Customers of ``assistant`` who added them in WeCom: known to us and to the fake."""
    made = []
    for _ in range(count):
        external_userid = f"wm-{uuid.uuid4().hex[:20]}"
        customer = CustomerFactory(store=assistant.store, owner_assistant=assistant, is_wecom_friend=True, **values)
        WeComContact.objects.create(customer=customer, staff=assistant, external_userid=external_userid)
        with fake.state.lock:
            fake.state.external_contacts[external_userid] = {
                "external_userid": external_userid, "unionid": None, "name": customer.name,
                "follow_user": [{"userid": assistant.wecom_userid, "remark": "", "description": "",
                                 "createtime": 0, "state": "", "add_way": 1}]}
        customer.external_userid = external_userid
        made.append(customer)
    return made


def dispatch(org, customers, capture, **kwargs):
    """Dispatch a group-send task; the group send starts after the commit, as in production."""
    with capture(execute=True):
        return invitation_task_dispatch(actor=org.manager.user, store=org.store_a1, method="group_send",
                                        customer_ids=[c.pk for c in customers], title="店庆", **kwargs)


def entries(task):
    return {e.customer_id: e for e in InvitationEntry.objects.filter(task=task)}


def states(task):
    """(channel, group_state, note) of the task's entries."""
    return {(e.channel, e.group_state, e.channel_note) for e in entries(task).values()}


def sends(task):
    return {g.assistant_id: g for g in GroupSend.objects.filter(task=task)}


def group_messages(fake):
    with fake.state.lock:
        return list(fake.state.group_msgs.values())


def reminders(task, assistant):
    return Message.objects.filter(key=f"invitation-group-send:{task.pk}:{assistant.pk}")


def calls(fake, path):
    return fake.stats()["calls"].get(path, 0)


def make_due(task, **values):
    """Time passes: the task's group sends are due now (``values`` move other dates too)."""
    GroupSend.objects.filter(task=task).update(next_attempt_at=timezone.now() - timedelta(seconds=1), **values)


def test_one_group_message_per_assistant_and_the_recipients_count_as_contacted(
        wecom, fake, org, django_capture_on_commit_callbacks):
    # given three WeCom friends of one assistant and two of another
    mine, theirs = friends(fake, org.assistant, 3), friends(fake, org.colleague, 2)
    # when the manager dispatches a group send
    task = dispatch(org, mine + theirs, django_capture_on_commit_callbacks)
    # then WeCom got one group message per assistant, sent by them, to exactly their customers
    sent = {m["sender"]: m for m in group_messages(fake)}
    assert set(sent) == {"chenzichao", "lina"}
    assert {d["external_userid"] for d in sent["chenzichao"]["detail"]} == {c.external_userid for c in mine}
    assert {d["external_userid"] for d in sent["lina"]["detail"]} == {c.external_userid for c in theirs}
    text = fake.messages(touser=mine[0].external_userid, kind="wecom")[0]["text"]["content"]
    assert "店庆" in text and org.store_a1.name in text
    # the entries stay group send, sent, the assistant reads so, and the customers count as contacted
    assert states(task) == {("group_send", "sent", SENT_NOTE)}
    contacted = Customer.objects.filter(pk__in=[c.pk for c in mine + theirs], last_contacted_at__isnull=False)
    assert contacted.count() == 5
    # each assistant's send is recorded with WeCom's msgid and is over
    rows = sends(task)
    assert {(rows[a.pk].status, rows[a.pk].msgid) for a in (org.assistant, org.colleague)} == {
        ("done", sent["chenzichao"]["msgid"]), ("done", sent["lina"]["msgid"])}
    assert not Message.objects.filter(purpose="staff_reminder").exists()  # nothing to do one to one
    # the group message was the invitation: the customers count as invited, none awaits feedback
    totals = task_results(task)["totals"]
    assert (totals["invited"], totals["awaiting_feedback"]) == (5, 0)


def test_quota_used_up_all_fall_back_to_wecom_chat_with_one_reminder(
        wecom, fake, org, django_capture_on_commit_callbacks):
    fake.configure(wecom_msg_template_daily_quota=0)
    mine, theirs = friends(fake, org.assistant, 3), friends(fake, org.colleague, 1)
    task = dispatch(org, mine + theirs, django_capture_on_commit_callbacks)
    assert group_messages(fake) == []
    assert states(task) == {("wecom", "", "今日企业微信群发次数已用完：请一对一邀约")}
    # one reminder per assistant that customers need a one-to-one invitation
    for assistant, count in ((org.assistant, 3), (org.colleague, 1)):
        reminder = reminders(task, assistant).get()
        assert reminder.staff == assistant and reminder.data["thing2"]["value"] == f"{count}位客户需一对一邀约"
    # 45009 paused the group send: the second assistant's send did not even ask WeCom
    assert calls(fake, ADD_MSG_TEMPLATE) == 1
    assert {g.status for g in sends(task).values()} == {"fell_back"}
    assert not Customer.objects.filter(last_contacted_at__isnull=False).exists()


def test_customers_who_already_got_a_group_message_today_fall_back_alone(
        wecom, fake, org, django_capture_on_commit_callbacks):
    fake.configure(wecom_customer_daily_limit=1)
    got_one, *others = friends(fake, org.assistant, 3)
    with fake.state.lock:  # another brand's... or our own earlier group message reached them today
        fake.state.wecom_received[(fake.state.day(), got_one.external_userid)] = 1
    task = dispatch(org, [got_one, *others], django_capture_on_commit_callbacks)
    by_customer = entries(task)
    assert (by_customer[got_one.pk].channel, by_customer[got_one.pk].group_state,
            by_customer[got_one.pk].channel_note) == ("wecom", "", "客户今天已收到过群发消息：请一对一邀约")
    assert {(by_customer[c.pk].channel, by_customer[c.pk].group_state) for c in others} == {("group_send", "sent")}
    assert reminders(task, org.assistant).get().data["thing2"]["value"] == "1位客户需一对一邀约"
    got_one.refresh_from_db()
    assert got_one.last_contacted_at is None  # not reached: not a contact for the cap
    assert Customer.objects.filter(pk__in=[c.pk for c in others], last_contacted_at__isnull=False).count() == 2
    assert sends(task)[org.assistant.pk].status == "done"


def test_customers_who_are_not_wecom_friends_get_the_phone_at_dispatch(
        wecom, fake, org, django_capture_on_commit_callbacks):
    friend, = friends(fake, org.assistant, 1)
    stranger = CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, is_wecom_friend=False)
    theirs = CustomerFactory(store=org.store_a1, owner_assistant=org.colleague, is_wecom_friend=False)
    # a friend of a colleague, not of their own assistant: the assistant's group message cannot reach them
    colleagues_friend = CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, is_wecom_friend=True)
    WeComContact.objects.create(customer=colleagues_friend, staff=org.colleague, external_userid="wm-colleague")
    # at dispatch, before any WeCom call, the strangers are already one to one by phone, with the
    # reason; the friend waits for the group send of the one assistant who has one
    task = invitation_task_dispatch(actor=org.manager.user, store=org.store_a1, method="group_send",
                                    customer_ids=[friend.pk, stranger.pk, theirs.pk])
    by_customer = entries(task)
    assert (by_customer[stranger.pk].channel, by_customer[stranger.pk].group_state,
            by_customer[stranger.pk].channel_note) == ("phone", "", "非企业微信好友：请一对一邀约")
    assert (by_customer[friend.pk].channel, by_customer[friend.pk].group_state) == ("group_send", "waiting")
    assert [(g.assistant_id, g.status) for g in sends(task).values()] == [(org.assistant.pk, "pending")]
    # after the send, the colleague's friend too; only the real friend is in the group message
    task = dispatch(org, [colleagues_friend], django_capture_on_commit_callbacks)
    assert states(task) == {("phone", "", "非企业微信好友：请一对一邀约")}
    assert calls(fake, ADD_MSG_TEMPLATE) == 0  # nobody left to send to: WeCom was not asked
    assert sends(task)[org.assistant.pk].status == "fell_back"


def test_a_group_send_dispatch_costs_the_same_queries_for_any_size(wecom, org):
    from django.test.utils import CaptureQueriesContext

    from stores.scope import scope_of

    scope_of(org.manager.user)  # computed once per request, before the service runs
    counts = []
    for size in (5, 60):
        ids = [CustomerFactory(store=org.store_a1, owner_assistant=(org.assistant, org.colleague)[n % 2],
                               is_wecom_friend=n % 3 != 2).pk for n in range(size)]
        with CaptureQueriesContext(connection) as queries:
            task = invitation_task_dispatch(actor=org.manager.user, store=org.store_a1, method="group_send",
                                            customer_ids=ids)
        counts.append(len(queries))
        assert set(sends(task)) == {org.assistant.pk, org.colleague.pk}
        assert InvitationEntry.objects.filter(task=task, group_state="waiting").count() == sum(
            1 for n in range(size) if n % 3 != 2)
    assert counts[0] == counts[1]


def test_rerunning_the_tasks_sends_nothing_twice(wecom, fake, org, django_capture_on_commit_callbacks):
    customers = friends(fake, org.assistant, 2) + friends(fake, org.colleague, 2)
    task = dispatch(org, customers, django_capture_on_commit_callbacks)
    assert calls(fake, ADD_MSG_TEMPLATE) == 2
    # when every task runs again (a redelivery, the dispatcher, a second nudge), even when due
    make_due(task)
    for row in sends(task).values():
        tasks.group_send_step(row.pk)
    tasks.group_sends_dispatch_due()
    group_send.group_sends_nudge(task_id=task.pk)
    # then WeCom was not asked for a second group message
    assert calls(fake, ADD_MSG_TEMPLATE) == 2 and len(group_messages(fake)) == 2
    assert states(task) == {("group_send", "sent", SENT_NOTE)}


def test_a_timeout_does_not_make_a_second_wecom_message(wecom, fake, org, django_capture_on_commit_callbacks):
    wecom.WECHAT_HTTP_TIMEOUT = 0.5
    # WeCom answers too late, but makes the group message: it waits for the assistant in WeCom
    fake.add_fault(ADD_MSG_TEMPLATE, delay=1.0)
    customers = friends(fake, org.assistant, 2)
    task = dispatch(org, customers, django_capture_on_commit_callbacks)
    assert wait_until(lambda: len(group_messages(fake)) == 1, 5)
    # then the send is not made again, now or by the dispatcher later
    make_due(task)
    tasks.group_sends_dispatch_due()
    tasks.group_send_step(sends(task)[org.assistant.pk].pk)
    assert calls(fake, ADD_MSG_TEMPLATE) == 1 and len(group_messages(fake)) == 1
    # the assistant is told to look in WeCom before inviting one to one, and head office sees why
    assert states(task) == {("wecom", "", "企业微信未应答：请先在企业微信查看是否有待确认的群发，没有再一对一邀约")}
    assert reminders(task, org.assistant).count() == 1
    row = sends(task)[org.assistant.pk]
    assert row.status == "fell_back" and "not sent again" in row.last_error and row.attempts == 1


def test_a_send_whose_worker_died_is_not_made_again(wecom, fake, org, django_capture_on_commit_callbacks):
    customers = friends(fake, org.assistant, 2)
    with django_capture_on_commit_callbacks(execute=False):  # the nudge is lost with the worker
        task = invitation_task_dispatch(actor=org.manager.user, store=org.store_a1, method="group_send",
                                        customer_ids=[c.pk for c in customers])
    # a worker claimed the send and died during the WeCom call (it may have reached WeCom)
    GroupSend.objects.filter(task=task).update(status="sending", attempts=1,
                                               updated_at=timezone.now() - timedelta(minutes=11))
    tasks.group_sends_dispatch_due()
    assert calls(fake, ADD_MSG_TEMPLATE) == 0
    row = sends(task)[org.assistant.pk]
    assert (row.status, row.next_attempt_at) == ("fell_back", None) and "worker stopped" in row.last_error
    assert {(channel, state) for channel, state, _note in states(task)} == {("wecom", "")}


def test_a_send_never_handed_to_a_worker_is_sent_by_the_dispatcher(
        wecom, fake, org, django_capture_on_commit_callbacks):
    customers = friends(fake, org.assistant, 2)
    with django_capture_on_commit_callbacks(execute=False):  # the broker was down after commit
        task = invitation_task_dispatch(actor=org.manager.user, store=org.store_a1, method="group_send",
                                        customer_ids=[c.pk for c in customers])
    assert tasks.group_sends_dispatch_due() == 1
    assert calls(fake, ADD_MSG_TEMPLATE) == 1
    assert states(task) == {("group_send", "sent", SENT_NOTE)}


def test_a_transient_failure_is_retried_from_the_table_then_given_up_one_to_one(
        wecom, fake, org, django_capture_on_commit_callbacks, settings):
    settings.WECHAT_OUTBOX_MAX_ATTEMPTS = 3
    fake.add_fault(ADD_MSG_TEMPLATE, errcode=-1, times=10)  # WeCom busy, every time
    customers = friends(fake, org.assistant, 2)
    task = dispatch(org, customers, django_capture_on_commit_callbacks)
    # the first attempt failed; the retry waits in the row, with the outbox's backoff
    row = sends(task)[org.assistant.pk]
    assert (calls(fake, ADD_MSG_TEMPLATE), row.status, row.attempts) == (1, "pending", 1)
    assert row.next_attempt_at > timezone.now() and "system_busy" in row.last_error
    assert tasks.group_sends_dispatch_due() == 0  # not due yet: nothing sent
    for _ in range(3):
        make_due(task)
        tasks.group_sends_dispatch_due()
    assert calls(fake, ADD_MSG_TEMPLATE) == 3  # bounded: the last attempt gives up
    assert states(task) == {("wecom", "", "企业微信暂时无法连接：请一对一邀约")}
    assert reminders(task, org.assistant).count() == 1
    assert sends(task)[org.assistant.pk].status == "fell_back"


@pytest.mark.parametrize(("setup", "expected_note", "asked"), [
    ("no_wecom_account", "导购未绑定企业微信账号：请一对一邀约", 0),
    ("no_recipients", "企业微信中找不到该客户：请一对一邀约", 1),
])
def test_permanent_refusals_fall_back_at_once_with_a_note(
        wecom, fake, org, django_capture_on_commit_callbacks, setup, expected_note, asked):
    customers = friends(fake, org.assistant, 2)
    if setup == "no_wecom_account":
        org.assistant.wecom_userid = ""
        org.assistant.save(update_fields=["wecom_userid"])
    else:  # WeCom no longer knows these customers: 41048
        with fake.state.lock:
            fake.state.external_contacts.clear()
    task = dispatch(org, customers, django_capture_on_commit_callbacks)
    assert calls(fake, ADD_MSG_TEMPLATE) == asked  # never retried
    assert states(task) == {("phone", "", expected_note)}
    assert reminders(task, org.assistant).count() == 1
    assert sends(task)[org.assistant.pk].status == "fell_back"


def test_opted_out_customers_are_left_out_of_the_group_message(
        wecom, fake, org, django_capture_on_commit_callbacks):
    opted_out, = friends(fake, org.assistant, 1, marketing_opt_out=True)
    other, = friends(fake, org.assistant, 1)
    task = dispatch(org, [opted_out, other], django_capture_on_commit_callbacks)
    assert [d["external_userid"] for d in group_messages(fake)[0]["detail"]] == [other.external_userid]
    assert (entries(task)[opted_out.pk].channel_note, entries(task)[opted_out.pk].group_state) == (
        "客户已退订营销消息：未加入群发", "")


def test_a_result_check_lost_with_the_broker_is_picked_up_from_the_table(
        wecom, fake, org, django_capture_on_commit_callbacks):
    # WeCom's result is not readable right after sending (busy): the customers wait in the message
    fake.add_fault(GET_RESULT, errcode=-1)
    customers = friends(fake, org.assistant, 2)
    task = dispatch(org, customers, django_capture_on_commit_callbacks)
    assert states(task) == {("group_send", "in_message", CONFIRM_NOTE)}
    row = sends(task)[org.assistant.pk]
    assert (row.status, row.msgid, row.checks) == ("awaiting_confirmation", group_messages(fake)[0]["msgid"], 1)
    assert row.next_attempt_at > timezone.now()  # the next check waits in the row, not in Redis
    assert not Customer.objects.filter(last_contacted_at__isnull=False).exists()
    tasks.group_sends_dispatch_due()
    assert calls(fake, GET_RESULT) == 1  # not due yet
    # when its time comes (whatever Redis lost meanwhile) the dispatcher checks it from the row
    make_due(task)
    tasks.group_sends_dispatch_due()
    assert calls(fake, GET_RESULT) == 2
    assert states(task) == {("group_send", "sent", SENT_NOTE)}
    assert Customer.objects.filter(pk__in=[c.pk for c in customers], last_contacted_at__isnull=False).count() == 2
    assert sends(task)[org.assistant.pk].status == "done"


def test_results_not_confirmed_within_a_day_go_one_to_one(wecom, fake, org, django_capture_on_commit_callbacks):
    fake.add_fault(GET_RESULT, errcode=-1)
    customers = friends(fake, org.assistant, 2)
    task = dispatch(org, customers, django_capture_on_commit_callbacks)
    msgid = sends(task)[org.assistant.pk].msgid
    with fake.state.lock:  # the assistant never confirmed it in WeCom (status 0)
        for row in fake.state.group_msgs[msgid]["detail"]:
            row.update(status=0, send_time=0)
    make_due(task)
    tasks.group_sends_dispatch_due()  # a check within the day: still waiting for the assistant
    assert states(task) == {("group_send", "in_message", CONFIRM_NOTE)}
    make_due(task, created_at=timezone.now() - timedelta(hours=24))
    tasks.group_sends_dispatch_due()  # the last check
    assert states(task) == {("wecom", "", "群发未在企业微信中确认发送：请一对一邀约")}
    assert reminders(task, org.assistant).count() == 1
    assert not Customer.objects.filter(last_contacted_at__isnull=False).exists()
    assert (sends(task)[org.assistant.pk].status, sends(task)[org.assistant.pk].next_attempt_at) == ("fell_back", None)


def test_the_state_is_in_the_records_not_in_the_notes(wecom, fake, org, django_capture_on_commit_callbacks, settings):
    fake.add_fault(GET_RESULT, errcode=-1)
    customers = friends(fake, org.assistant, 2)
    task = dispatch(org, customers, django_capture_on_commit_callbacks)
    # when the notes are blanked and the site language changes (notes are text for the assistant)
    InvitationEntry.objects.filter(task=task).update(channel_note="")
    settings.LANGUAGE_CODE = "en"
    # then nothing is sent again and the result still finds the customers in the message
    group_send.group_sends_nudge(task_id=task.pk)
    make_due(task)
    tasks.group_sends_dispatch_due()
    assert calls(fake, ADD_MSG_TEMPLATE) == 1
    assert states(task) == {("group_send", "sent", "sent by WeCom group send")}
    assert Customer.objects.filter(last_contacted_at__isnull=False).count() == 2


def test_the_task_page_shows_the_group_send_per_assistant(
        client, wecom, fake, org, django_capture_on_commit_callbacks):
    fake.configure(wecom_customer_daily_limit=1)
    mine = friends(fake, org.assistant, 3)
    with fake.state.lock:
        fake.state.wecom_received[(fake.state.day(), mine[0].external_userid)] = 1
    stranger = CustomerFactory(store=org.store_a1, owner_assistant=org.colleague, is_wecom_friend=False)
    task = dispatch(org, [*mine, stranger], django_capture_on_commit_callbacks)
    client.force_login(org.manager.user)
    page = client.get(reverse("invitations:task", args=[task.pk])).content.decode()
    assert "企业微信群发" in page and "转一对一：企业微信单聊" in page and "已发送" in page
    rows = {r["assistant_id"]: r for r in group_send.group_send_summary(task)}
    assert (rows[org.assistant.pk]["sent"], rows[org.assistant.pk]["one_to_one_wecom"]) == (2, 1)
    assert (rows[org.colleague.pk]["one_to_one_phone"], rows[org.colleague.pk]["status"]) == (1, None)
    assert rows[org.assistant.pk]["status_label"] == "已发送"


def test_a_one_to_one_task_has_no_group_send(wecom, fake, org, django_capture_on_commit_callbacks, client):
    customers = friends(fake, org.assistant, 2)
    with django_capture_on_commit_callbacks(execute=True):
        task = invitation_task_dispatch(actor=org.manager.user, store=org.store_a1,
                                        customer_ids=[c.pk for c in customers])
    assert calls(fake, ADD_MSG_TEMPLATE) == 0
    assert {(e.channel, e.group_state) for e in entries(task).values()} == {("wecom", "")}
    assert not GroupSend.objects.filter(task=task).exists()
    client.force_login(org.manager.user)
    assert "待导购在企业微信确认" not in client.get(reverse("invitations:task", args=[task.pk])).content.decode()


def test_head_office_sees_the_group_sends_in_the_admin_read_only(
        client, wecom, fake, org, django_capture_on_commit_callbacks):
    fake.add_fault(GET_RESULT, errcode=-1)
    task = dispatch(org, friends(fake, org.assistant, 1), django_capture_on_commit_callbacks)
    row = sends(task)[org.assistant.pk]
    client.force_login(org.hq.user)
    listing = client.get("/admin/invitations/groupsend/").content.decode()
    assert "待导购在企业微信确认" in listing and "system_busy" in listing
    detail = client.get(f"/admin/invitations/groupsend/{row.pk}/change/")
    assert detail.status_code == 200 and b'name="_save"' not in detail.content
    client.post(f"/admin/invitations/groupsend/{row.pk}/change/", {"status": "pending"})
    row.refresh_from_db()
    assert row.status == "awaiting_confirmation"
    # scoped like the entries: the assistant sees their own, an assistant of another store nothing
    assert GroupSend.objects.visible_to(org.assistant.user).count() == 1
    assert not GroupSend.objects.visible_to(org.other_store_assistant.user).exists()


def test_the_dispatcher_is_a_schedule_head_office_edits_not_a_setting(settings):
    from django_celery_beat.models import PeriodicTask

    job = PeriodicTask.objects.get(task="invitations.group_sends_dispatch_due")
    assert (job.enabled, job.interval.every, job.interval.period) == (True, 1, "minutes")
    # beat would write a settings entry over head office's edits at every start
    assert not [e for e in getattr(settings, "CELERY_BEAT_SCHEDULE", {}).values()
                if e["task"].startswith("invitations.")]


# --- Concurrency on PostgreSQL, and a real Celery worker on Redis ---------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_make_one_message(wecom, fake, org, monkeypatch):
    monkeypatch.setattr(group_send, "group_sends_nudge", lambda **kwargs: None)  # the workers below take it
    customers = friends(fake, org.assistant, 3)
    task = invitation_task_dispatch(actor=org.manager.user, store=org.store_a1, method="group_send",
                                    customer_ids=[c.pk for c in customers])
    pk = sends(task)[org.assistant.pk].pk
    fake.add_fault(ADD_MSG_TEMPLATE, delay=0.3, times=2)  # the call is in flight while the other arrives
    barrier, outcomes = threading.Barrier(3), []

    def worker():
        try:
            barrier.wait(timeout=10)
            outcomes.append(group_send.group_send_deliver(group_send_id=pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(map(str, outcomes)) == ["None", "None", "awaiting_confirmation"]
    assert calls(fake, ADD_MSG_TEMPLATE) == 1 and len(group_messages(fake)) == 1


@pytest.fixture
def worker_queue():
    """This process publishes invitations' and the outbox's tasks to Redis, on a private queue."""
    import redis

    from ..conftest import REDIS_URL

    with publishing_to(f"test-group-send-{uuid.uuid4().hex[:8]}", "invitations.", "wechat.") as name:
        outbox.broker_backoff_reset()
        group_send._broker_down_until = 0.0
        # The worker publishes its follow-up tasks (reminders) to the default queue, which it reads
        # too: empty it of anything an earlier run left in this Redis database.
        redis.Redis.from_url(REDIS_URL).delete("celery")
        yield f"{name},celery"


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_one_message_per_assistant_through_retries_and_duplicates(
        wecom, fake, org, worker_queue, redis_clean):
    worker = Worker(fake, worker_queue, "-P", "prefork", "-c", "2", WECHAT_OUTBOX_BACKOFF_SECONDS="1")
    try:
        fake.configure(wecom_customer_daily_limit=1)
        mine, theirs = friends(fake, org.assistant, 3), friends(fake, org.colleague, 2)
        with fake.state.lock:  # one customer already got a group message today
            fake.state.wecom_received[(fake.state.day(), mine[0].external_userid)] = 1
        fake.add_fault(ADD_MSG_TEMPLATE, status=502)  # the first send fails (transient)
        # when the manager dispatches (the sends are published after commit), each send is
        # delivered twice more, and the dispatcher runs here as beat would (retries are due rows)
        task = invitation_task_dispatch(actor=org.manager.user, store=org.store_a1, method="group_send",
                                        customer_ids=[c.pk for c in mine + theirs], title="店庆")
        for row in sends(task).values():
            tasks.group_send_step.delay(row.pk)
            tasks.group_send_step.delay(row.pk)
        settled = InvitationEntry.objects.filter(task=task, group_state="sent")
        beat = {"at": 0.0}

        def settled_with_beat():
            if timezone.now().timestamp() - beat["at"] > 1:
                beat["at"] = timezone.now().timestamp()
                tasks.group_sends_dispatch_due()
            return settled.count() == 4

        assert wait_until(settled_with_beat, 60), worker.output()
        assert wait_until(lambda: reminders(task, org.assistant).filter(status="sent").exists(), 30), worker.output()
    finally:
        output = worker.stop()
    # then one group message per assistant, whatever the retries and duplicates
    assert sorted(m["sender"] for m in group_messages(fake)) == ["chenzichao", "lina"], output
    assert calls(fake, ADD_MSG_TEMPLATE) == 3
    fell_back = InvitationEntry.objects.get(task=task, customer=mine[0])
    assert (fell_back.channel, fell_back.group_state, fell_back.channel_note) == (
        "wecom", "", "客户今天已收到过群发消息：请一对一邀约")
    assert reminders(task, org.assistant).count() == 1 and not reminders(task, org.colleague).exists()
    assert Customer.objects.filter(last_contacted_at__isnull=False).count() == 4
    assert {g.status for g in sends(task).values()} == {"done"}
