"""The messaging outbox in process (tasks eager), against the fake WeChat over real HTTP.

Given a message queued by ``message_enqueue``, when WeChat answers this or that, then the row
says what happened and the fake shows what reached the user — once, or not at all.
"""

import uuid
from datetime import time, timedelta
from datetime import timezone as dt_timezone

import pytest
from django.core.cache import cache
from django.utils import timezone

from tests.factories import CustomerFactory
from wechat import outbox, tasks
from wechat.errors import next_shanghai_midnight
from wechat.fake import events
from wechat.models import DeliveryReport, Message

pytestmark = pytest.mark.usefixtures("wechat_settings")

TEMPLATE_PATH = "/cgi-bin/message/template/send"
SUBSCRIBE_PATH = "/cgi-bin/message/subscribe/bizsend"


@pytest.fixture(autouse=True)
def clean_gate(db):
    """No rate permits or quota pauses carried over from another test."""
    outbox.gate.reset()
    outbox.broker_backoff_reset()
    yield
    outbox.gate.reset()
    for kind in Message.Kind.values:
        cache.delete(outbox.SendGate.PAUSE_KEY.format(kind))


@pytest.fixture
def user(fake):
    return fake.add_user(openid=f"o-{uuid.uuid4().hex[:12]}")["openid"]


def enqueue(openid, *, key=None, kind=Message.Kind.TEMPLATE, **values):
    values.setdefault("template_id", "tpl-order-shipped")
    values.setdefault("data", {"thing1": {"value": "沙发已发货"}})
    values.setdefault("purpose", "logistics_node")
    return outbox.message_enqueue(key=key or uuid.uuid4().hex, openid=openid, kind=kind, **values)


def send(capture, openid, **values) -> Message:
    """Queue a message and let the after-commit nudge send it (tasks run eagerly)."""
    with capture(execute=True):
        message = enqueue(openid, **values)
    message.refresh_from_db()
    return message


def make_due(message: Message) -> None:
    Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def calls(fake, path=TEMPLATE_PATH) -> int:
    return fake.stats()["calls"].get(path, 0)


def post_report(client, settings, *, openid, msgid, status="success"):
    """WeChat's TEMPLATESENDJOBFINISH through our real callback view."""
    signed = events.sign_official_account(events.template_send_job_finish(openid=openid, msgid=msgid, status=status),
                                          token=settings.WECHAT_TOKEN)
    response = client.post(signed.url("/wechat/callback/"), signed.body, content_type="text/xml")
    assert response.status_code == 200


# --- queueing and the happy path -------------------------------------------------------------------


def test_enqueue_is_idempotent_per_key(fake, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = enqueue(user, key="order:42:shipped")
        again = enqueue(user, key="order:42:shipped", data={"thing1": {"value": "another text"}})

    assert again.pk == first.pk
    assert Message.objects.filter(key="order:42:shipped").count() == 1
    assert len(fake.messages(touser=user)) == 1


def test_a_queued_message_reaches_the_user(fake, user, django_capture_on_commit_callbacks):
    message = send(django_capture_on_commit_callbacks, user, url="https://example.com/orders/42")

    (received,) = fake.messages(touser=user)
    assert received["template_id"] == "tpl-order-shipped"
    assert received["data"] == {"thing1": {"value": "沙发已发货"}}
    assert received["url"] == "https://example.com/orders/42"
    assert (message.status, message.attempts, message.wechat_msgid) == (Message.Status.SENT, 1, received["msgid"])


def test_nothing_is_sent_before_the_business_transaction_commits(fake, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        enqueue(user)

    assert len(callbacks) == 1
    assert fake.messages(touser=user) == []


def test_a_subscribe_message_is_sent_through_bizsend(fake, user, django_capture_on_commit_callbacks):
    message = send(django_capture_on_commit_callbacks, user, kind=Message.Kind.SUBSCRIBE,
                   url="https://example.com/coupons")

    (received,) = fake.messages(touser=user, kind="subscribe")
    assert received["page"] == "https://example.com/coupons"
    assert message.status == Message.Status.SENT


def test_a_second_task_for_the_same_message_sends_nothing(fake, user, django_capture_on_commit_callbacks):
    message = send(django_capture_on_commit_callbacks, user)

    assert tasks.message_send(message.pk) is None  # a redelivered or duplicate task
    assert outbox.message_send_now(message.pk) is None
    assert len(fake.messages(touser=user)) == 1


# --- WeChat refuses: never retried -----------------------------------------------------------------


@pytest.mark.parametrize(("kind", "user_values", "errcode"), [
    (Message.Kind.TEMPLATE, {"subscribed": False}, 43004),  # unfollowed
    (Message.Kind.SUBSCRIBE, {"refused_subscribe_message": True}, 43101),  # refused
])
def test_a_user_who_unfollowed_or_refused_is_not_retried(fake, django_capture_on_commit_callbacks, kind,
                                                         user_values, errcode):
    openid = fake.add_user(openid=f"o-{uuid.uuid4().hex[:12]}", **user_values)["openid"]
    path = SUBSCRIBE_PATH if kind == Message.Kind.SUBSCRIBE else TEMPLATE_PATH

    message = send(django_capture_on_commit_callbacks, openid, kind=kind)
    make_due(message)
    tasks.messages_dispatch_due()
    assert outbox.message_send_now(message.pk) is None

    message.refresh_from_db()
    assert (message.status, message.last_error_code, message.attempts) == (Message.Status.FAILED, errcode, 1)
    assert calls(fake, path) == 1
    assert fake.messages(touser=openid) == []


@pytest.mark.parametrize("errcode", [40003, 40037, 47001])
def test_a_request_wechat_calls_wrong_fails_at_once(fake, user, django_capture_on_commit_callbacks, errcode):
    fake.add_fault(TEMPLATE_PATH, errcode=errcode)

    message = send(django_capture_on_commit_callbacks, user)

    assert (message.status, message.last_error_code) == (Message.Status.FAILED, errcode)


# --- quotas ------------------------------------------------------------------------------------------


def test_daily_quota_waits_for_the_next_shanghai_midnight_and_holds_the_others(
        fake, user, django_capture_on_commit_callbacks):
    fake.add_fault(TEMPLATE_PATH, errcode=45009)

    first = send(django_capture_on_commit_callbacks, user)
    second = send(django_capture_on_commit_callbacks, user)

    midnight = next_shanghai_midnight(timezone.now())
    assert (first.status, first.last_error_code, first.next_attempt_at) == (Message.Status.PENDING, 45009, midnight)
    # The quota is the account's: the next message is not even tried, and no attempt is spent.
    assert (second.status, second.attempts, second.next_attempt_at) == (Message.Status.PENDING, 0, midnight)
    assert calls(fake) == 1
    assert midnight.astimezone(dt_timezone.utc).time() == time(16, 0)  # 00:00 in Shanghai is 16:00 UTC


def test_minute_quota_backs_off_for_a_minute(fake, user, django_capture_on_commit_callbacks):
    fake.add_fault(TEMPLATE_PATH, errcode=45011)
    before = timezone.now()

    message = send(django_capture_on_commit_callbacks, user)
    held = send(django_capture_on_commit_callbacks, user)

    assert (message.status, message.last_error_code) == (Message.Status.PENDING, 45011)
    assert before + timedelta(seconds=59) < message.next_attempt_at < timezone.now() + timedelta(seconds=61)
    assert held.attempts == 0 and held.next_attempt_at >= message.next_attempt_at - timedelta(seconds=1)
    assert calls(fake) == 1


def test_a_pause_is_per_kind(fake, user, django_capture_on_commit_callbacks):
    fake.add_fault(TEMPLATE_PATH, errcode=45009)
    send(django_capture_on_commit_callbacks, user)

    subscribe = send(django_capture_on_commit_callbacks, user, kind=Message.Kind.SUBSCRIBE)

    assert subscribe.status == Message.Status.SENT


# --- tokens --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("refusal", ["fault-40001", "fault-42001", "token-expired-at-wechat"])
def test_a_refused_token_is_refreshed_once_and_the_message_sent(fake, user, django_capture_on_commit_callbacks,
                                                                refusal):
    from wechat.client import official_account_client

    official_account_client().access_token  # a token every worker shares, cached
    if refusal == "token-expired-at-wechat":
        fake.advance_clock(7200)  # WeChat says 42001 although our cache thinks it fresh
    else:
        fake.add_fault(TEMPLATE_PATH, errcode=int(refusal[-5:]))

    message = send(django_capture_on_commit_callbacks, user)

    assert (message.status, message.attempts) == (Message.Status.SENT, 1)
    assert fake.stats()["token_fetches"] == {"wx-fake-app-id": 2}
    assert len(fake.messages(touser=user)) == 1


def test_a_token_refused_twice_is_retried_later(fake, user, django_capture_on_commit_callbacks):
    fake.add_fault(TEMPLATE_PATH, errcode=40001, times=2)

    message = send(django_capture_on_commit_callbacks, user)

    assert (message.status, message.last_error_code) == (Message.Status.PENDING, 40001)
    assert fake.stats()["token_fetches"] == {"wx-fake-app-id": 2}  # one refresh, not a loop


# --- transient failures: backoff, then dead ---------------------------------------------------------------


@pytest.mark.parametrize("fault", [
    {"path": TEMPLATE_PATH, "status": 502},
    {"path": TEMPLATE_PATH, "status": 503},
    {"path": TEMPLATE_PATH, "errcode": -1},  # system busy
    {"path": "/cgi-bin/token", "delay": 0.6},  # the token fetch timed out: the message never left
])
def test_transient_failures_back_off_exponentially_then_go_dead(fake, user, settings,
                                                                django_capture_on_commit_callbacks, fault):
    settings.WECHAT_HTTP_TIMEOUT = 0.3
    settings.WECHAT_OUTBOX_MAX_ATTEMPTS = 4
    fake.add_fault(**fault, times=4)

    message = send(django_capture_on_commit_callbacks, user)
    waits = []
    while message.status == Message.Status.PENDING:
        waits.append((message.next_attempt_at - timezone.now()).total_seconds())
        make_due(message)
        tasks.messages_dispatch_due()
        message.refresh_from_db()

    assert (message.status, message.attempts) == (Message.Status.DEAD, 4)
    assert len(waits) == 3 and waits[0] > 20 and waits[0] < waits[1] < waits[2]  # 30 s, 60 s, 120 s ± 20 %
    assert fake.messages(touser=user) == []


def test_an_unreachable_wechat_is_retried(fake, user, settings, django_capture_on_commit_callbacks):
    settings.WECHAT_API_BASE = "http://127.0.0.1:9/"  # nothing listens: connection refused

    message = send(django_capture_on_commit_callbacks, user)

    assert (message.status, message.last_error_code) == (Message.Status.PENDING, None)
    assert message.last_error.startswith("connection_error")


def test_a_transient_failure_is_sent_by_the_dispatcher_once_due(fake, user, django_capture_on_commit_callbacks):
    fake.add_fault(TEMPLATE_PATH, status=502)
    message = send(django_capture_on_commit_callbacks, user)
    later = send(django_capture_on_commit_callbacks, user)  # sent at once: the fault was used up

    tasks.messages_dispatch_due()  # not due yet
    assert Message.objects.get(pk=message.pk).status == Message.Status.PENDING
    make_due(message)
    assert tasks.messages_dispatch_due() == 1

    message.refresh_from_db()
    assert (message.status, message.attempts) == (Message.Status.SENT, 2)
    assert later.status == Message.Status.SENT
    assert len(fake.messages(touser=user)) == 2


def test_the_dispatcher_hands_a_backlog_over_in_batches(fake, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(outbox, "SEND_BATCH", 2)
    batches = []
    monkeypatch.setattr(tasks.messages_send, "run", lambda ids: batches.append(ids) or outbox.messages_send_now(ids))
    openids = [fake.add_user(openid=f"o-backlog-{n}")["openid"] for n in range(5)]
    with django_capture_on_commit_callbacks(execute=False):  # their nudges were lost (broker down)
        messages = [enqueue(openid) for openid in openids]

    assert tasks.messages_dispatch_due() == 5

    assert [len(batch) for batch in batches] == [2, 2, 1]
    assert {m.status for m in Message.objects.filter(pk__in=[m.pk for m in messages])} == {Message.Status.SENT}
    assert sorted(m["touser"] for m in fake.messages()) == sorted(openids)


def test_a_batch_past_its_time_budget_leaves_the_rest_due(fake, user, monkeypatch,
                                                          django_capture_on_commit_callbacks):
    monkeypatch.setattr(outbox, "SEND_BATCH_BUDGET_SECONDS", -1)
    with django_capture_on_commit_callbacks(execute=False):
        first, second = enqueue(user), enqueue(user)

    assert outbox.messages_send_now([first.pk, second.pk]) == 1  # the first always goes

    assert Message.objects.get(pk=second.pk).status == Message.Status.PENDING
    assert outbox.messages_due() == [second.pk]


# --- no answer: maybe delivered ------------------------------------------------------------------------------


def test_a_send_without_answer_is_uncertain_and_settled_by_the_delivery_report(
        fake, user, settings, client, django_capture_on_commit_callbacks):
    settings.WECHAT_HTTP_TIMEOUT = 0.3
    settings.WECHAT_OUTBOX_REPORT_GRACE_SECONDS = 0
    fake.add_fault(TEMPLATE_PATH, delay=0.6)  # WeChat answers too late, but it did send

    message = send(django_capture_on_commit_callbacks, user)
    assert message.status == Message.Status.UNCERTAIN  # not pending: a retry could send it twice
    (received,) = _wait_for(lambda: fake.messages(touser=user))
    post_report(client, settings, openid=user, msgid=received["msgid"])
    result = outbox.messages_recover()
    tasks.messages_dispatch_due()

    message.refresh_from_db()
    assert result["settled"] == 1
    assert (message.status, message.wechat_msgid, message.delivery) == (Message.Status.SENT, received["msgid"],
                                                                        "success")
    assert len(fake.messages(touser=user)) == 1


def test_an_unanswered_send_without_report_is_sent_again_after_the_settle_window(
        fake, user, settings, django_capture_on_commit_callbacks):
    settings.WECHAT_HTTP_TIMEOUT = 0.3
    fake.add_fault(TEMPLATE_PATH, delay=0.6, status=504)  # timed out, and WeChat did not send it

    message = send(django_capture_on_commit_callbacks, user)
    assert outbox.messages_recover()["requeued"] == 0  # still inside the settle window
    later = timezone.now() + timedelta(seconds=outbox.SETTLE_SECONDS + 1)
    assert outbox.messages_recover(now=later)["requeued"] == 1
    assert outbox.messages_recover(now=later)["requeued"] == 0
    make_due(message)
    tasks.messages_dispatch_due()

    message.refresh_from_db()
    assert (message.status, message.attempts) == (Message.Status.SENT, 2)
    assert len(fake.messages(touser=user)) == 1


# --- marketing opt-out (PIPL art. 24) ------------------------------------------------------------------------


@pytest.mark.parametrize("customer_given", [True, False])
def test_marketing_to_a_customer_who_opted_out_is_skipped(fake, user, django_capture_on_commit_callbacks,
                                                          customer_given):
    customer = CustomerFactory(openid=user, marketing_opt_out=True)

    message = send(django_capture_on_commit_callbacks, user, is_marketing=True, purpose="activity_invite",
                   customer=customer if customer_given else None)

    assert message.status == Message.Status.SKIPPED
    assert message.customer == customer
    assert fake.messages(touser=user) == [] and calls(fake) == 0


def test_marketing_is_skipped_when_the_customer_opts_out_before_it_is_sent(fake, user,
                                                                           django_capture_on_commit_callbacks):
    customer = CustomerFactory(openid=user)
    with django_capture_on_commit_callbacks(execute=False):
        message = enqueue(user, is_marketing=True, customer=customer)
    customer.marketing_opt_out = True
    customer.save(update_fields=["marketing_opt_out"])

    tasks.messages_dispatch_due()

    message.refresh_from_db()
    assert message.status == Message.Status.SKIPPED
    assert fake.messages(touser=user) == []


def test_a_service_message_still_reaches_a_customer_who_opted_out_of_marketing(
        fake, user, django_capture_on_commit_callbacks):
    customer = CustomerFactory(openid=user, marketing_opt_out=True)

    message = send(django_capture_on_commit_callbacks, user, is_marketing=False, customer=customer)

    assert message.status == Message.Status.SENT
    assert len(fake.messages(touser=user)) == 1


# --- a worker that died mid-send ---------------------------------------------------------------------------------


def _died_mid_send(message: Message, *, reached_wechat: bool) -> int | None:
    """What a worker killed mid-send leaves: a claimed row, and perhaps a message WeChat sent."""
    from wechat.client import official_account_client

    msgid = None
    if reached_wechat:
        msgid = official_account_client().message.send_template(message.openid, message.template_id,
                                                                message.data)["msgid"]
    Message.objects.filter(pk=message.pk).update(status=Message.Status.SENDING, attempts=1,
                                                  claimed_at=timezone.now() - timedelta(minutes=11))
    return msgid


def test_recovery_settles_a_stranded_send_with_wechats_report_and_sends_nothing_again(
        fake, user, settings, client, django_capture_on_commit_callbacks):
    settings.WECHAT_OUTBOX_REPORT_GRACE_SECONDS = 0
    with django_capture_on_commit_callbacks(execute=False):
        message = enqueue(user)
    msgid = _died_mid_send(message, reached_wechat=True)

    post_report(client, settings, openid=user, msgid=msgid)  # comes in while the row says "sending"
    assert Message.objects.get(pk=message.pk).status == Message.Status.SENDING
    result = outbox.messages_recover()
    tasks.messages_dispatch_due()
    later = timezone.now() + timedelta(seconds=outbox.SETTLE_SECONDS + 1)
    outbox.messages_recover(now=later)

    message.refresh_from_db()
    assert result == {"uncertain": 1, "settled": 1, "requeued": 0, "dead": 0}
    assert (message.status, message.wechat_msgid, message.delivery) == (Message.Status.SENT, msgid, "success")
    assert len(fake.messages(touser=user)) == 1
    assert not DeliveryReport.objects.exists()


def test_recovery_requeues_a_stranded_send_without_report_exactly_once(fake, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        message = enqueue(user)
    _died_mid_send(message, reached_wechat=False)

    first = outbox.messages_recover()
    assert Message.objects.get(pk=message.pk).status == Message.Status.UNCERTAIN
    later = timezone.now() + timedelta(seconds=outbox.SETTLE_SECONDS + 1)
    second, third = outbox.messages_recover(now=later), outbox.messages_recover(now=later)
    make_due(message)
    tasks.messages_dispatch_due()
    tasks.messages_dispatch_due()

    message.refresh_from_db()
    assert (first["uncertain"], second["requeued"], third["requeued"]) == (1, 1, 0)
    assert (message.status, message.attempts) == (Message.Status.SENT, 2)
    assert len(fake.messages(touser=user)) == 1


def test_a_stranded_send_on_its_last_attempt_goes_dead(fake, user, settings, django_capture_on_commit_callbacks):
    settings.WECHAT_OUTBOX_MAX_ATTEMPTS = 1
    with django_capture_on_commit_callbacks(execute=False):
        message = enqueue(user)
    _died_mid_send(message, reached_wechat=False)

    outbox.messages_recover()
    outbox.messages_recover(now=timezone.now() + timedelta(seconds=outbox.SETTLE_SECONDS + 1))

    assert Message.objects.get(pk=message.pk).status == Message.Status.DEAD


def test_an_early_report_is_not_taken_for_another_uncertain_message(fake, user, settings, client,
                                                                    django_capture_on_commit_callbacks):
    """The report of a send still being recorded must not settle an older, undelivered message."""
    settings.WECHAT_OUTBOX_REPORT_GRACE_SECONDS = 0
    with django_capture_on_commit_callbacks(execute=False):
        undelivered = enqueue(user)
    _died_mid_send(undelivered, reached_wechat=False)
    outbox.messages_recover()  # uncertain now

    delivered = send(django_capture_on_commit_callbacks, user)
    # Its report had come in before the worker wrote the msgid (the report beat the write):
    Message.objects.filter(pk=delivered.pk).update(wechat_msgid=None)
    post_report(client, settings, openid=user, msgid=delivered.wechat_msgid)
    Message.objects.filter(pk=delivered.pk).update(wechat_msgid=delivered.wechat_msgid)  # ...now written
    outbox.messages_recover()

    undelivered.refresh_from_db()
    delivered.refresh_from_db()
    assert undelivered.status == Message.Status.UNCERTAIN
    assert (delivered.status, delivered.delivery) == (Message.Status.SENT, "success")


def test_a_report_for_a_known_msgid_records_the_delivery(fake, user, settings, client,
                                                         django_capture_on_commit_callbacks):
    message = send(django_capture_on_commit_callbacks, user)

    post_report(client, settings, openid=user, msgid=message.wechat_msgid, status="failed:user block")

    message.refresh_from_db()
    assert (message.status, message.delivery) == (Message.Status.SENT, "failed:user block")


def test_a_report_nobody_claims_is_dropped_after_two_days(fake, user, settings, client):
    settings.WECHAT_OUTBOX_REPORT_GRACE_SECONDS = 0
    post_report(client, settings, openid=user, msgid=4_000_000_001)  # not ours (another system?)

    outbox.messages_recover()
    assert DeliveryReport.objects.count() == 1
    outbox.messages_recover(now=timezone.now() + outbox.REPORT_KEEP + timedelta(minutes=1))
    assert DeliveryReport.objects.count() == 0


# --- broker down -------------------------------------------------------------------------------------------------


@pytest.fixture
def broker_down():
    """Celery publishing for real, to a broker nobody answers."""
    from config.celery import app

    saved = {"task_always_eager": app.conf.task_always_eager, "broker_url": app.conf.broker_url}

    def use(**conf):
        app.conf.update(conf)
        app._pool = None
        app.amqp._producer_pool = None

    use(task_always_eager=False, broker_url="redis://127.0.0.1:9/0")
    yield
    use(**saved)


def test_with_the_broker_down_the_message_is_kept_and_the_dispatcher_sends_it(
        fake, user, broker_down, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = enqueue(user)
    other = send(django_capture_on_commit_callbacks, user)  # a second one does not wait for the broker again

    assert Message.objects.get(pk=message.pk).status == Message.Status.PENDING
    assert other.status == Message.Status.PENDING
    assert fake.messages(touser=user) == []

    from config.celery import app

    app.conf.task_always_eager = True  # the broker is back (the dispatcher runs in process here)
    assert tasks.messages_dispatch_due() == 2

    assert set(Message.objects.values_list("status", flat=True)) == {Message.Status.SENT}
    assert len(fake.messages(touser=user)) == 2


# --- rate ---------------------------------------------------------------------------------------------------------


def test_sends_never_exceed_the_rate_in_any_second(fake, user, settings, django_capture_on_commit_callbacks):
    settings.WECHAT_SEND_RATE = 4
    import time as clock

    clock.sleep(1.05 - clock.time() % 1)  # start just after a second begins: the fake's clock is ours
    for _ in range(10):
        send(django_capture_on_commit_callbacks, user)

    per_second = {}
    for received in fake.messages(touser=user):
        per_second[int(received["time"])] = per_second.get(int(received["time"]), 0) + 1
    assert sum(per_second.values()) == 10
    assert max(per_second.values()) <= 4 and len(per_second) >= 3


def test_a_send_that_gets_no_permit_goes_back_to_the_queue(fake, user, settings, monkeypatch,
                                                           django_capture_on_commit_callbacks):
    monkeypatch.setattr(outbox.gate, "permit", lambda max_wait=0: False)

    message = send(django_capture_on_commit_callbacks, user)

    assert (message.status, message.attempts) == (Message.Status.PENDING, 0)
    assert message.next_attempt_at <= timezone.now() + timedelta(seconds=1)
    assert calls(fake) == 0


def _wait_for(probe, seconds: float = 5.0):
    import time as clock

    deadline = clock.monotonic() + seconds
    while clock.monotonic() < deadline:
        value = probe()
        if value:
            return value
        clock.sleep(0.05)
    return probe()
