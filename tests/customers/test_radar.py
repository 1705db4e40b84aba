"""The interaction radar (互动雷达, QR-9): entries for the owner assistant, rate-limited reminders,
the feed in every role's scope, the polling fragment, the API and the admin."""

from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.favourites import favourite_set
from customers.models import Customer, PageType, RadarEvent, RadarReminder
from customers.pages import page_view_record
from customers.radar import radar_cache_clear, radar_feed, radar_record
from customers.scans import scan_record
from customers.shares import share_create, share_open_record
from stores.models import HeadOffice, Staff
from stores.services import qr_code_for
from tests.digital import media_in_tmp, product, solution  # noqa: F401
from tests.factories import CustomerFactory
from wechat.identity import Identity
from wechat.models import Message

from .conftest import as_wechat_user

Kind = RadarEvent.Kind
WECHAT = {"HTTP_USER_AGENT": "Mozilla/5.0 MicroMessenger/8.0"}


def local(hour: int, minute: int = 0, day_offset: int = 0) -> datetime:
    """A store-time moment today (the quiet hours are store time)."""
    day = timezone.localdate() + timedelta(days=day_offset)
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@pytest.fixture
def office(db):
    """Head office with the defaults: reminders at most every 30 minutes, quiet 21:00-08:00."""
    office = HeadOffice.objects.create(name="测试品牌")
    radar_cache_clear()
    return office


@pytest.fixture
def island(org):
    return solution(products=[product()], name="岛台厨房方案")


@pytest.fixture
def wang(org):
    """Ms Wang, the assistant's customer in store A1."""
    return CustomerFactory(name="王女士", openid="o-wang", store=org.store_a1, owner_assistant=org.assistant)


@pytest.fixture
def bound(org):
    """The assistant has bound their WeChat: reminders reach them."""
    Staff.objects.filter(pk=org.assistant.pk).update(wechat_openid="o-staff-assistant")
    org.assistant.refresh_from_db()
    return org.assistant


def reminders():
    return Message.objects.filter(purpose="staff_reminder", key__startswith="radar:")


# --- Entries -----------------------------------------------------------------------------------


def test_an_owned_customers_scan_is_an_entry_for_their_assistant(client, org, office, island):
    code = qr_code_for(island, store=org.store_a1, staff=org.assistant, label="岛台样板间")
    Customer.objects.create(openid="o-wang", name="王女士", store=org.store_a1, owner_assistant=org.assistant)
    as_wechat_user(client, "o-wang")
    client.get(f"/q/{code.token}", **WECHAT)
    event = RadarEvent.objects.get()
    assert (event.kind, event.assistant, event.store) == (Kind.SCANNED, org.assistant, org.store_a1)
    assert (event.page_type, event.page_id, event.what) == (PageType.SOLUTION, island.pk, "岛台样板间")
    [line] = radar_feed(viewer=org.assistant.user)
    assert line.action == "正在看 岛台厨房方案"


def test_a_first_scan_that_binds_is_an_entry_for_the_new_owner(client, org, office):
    code = qr_code_for(org.assistant)
    as_wechat_user(client, "o-new")
    client.get(f"/q/{code.token}", **WECHAT)
    event = RadarEvent.objects.get()
    assert event.customer.openid == "o-new" and event.assistant == org.assistant and event.what == code.label


def test_nobody_owns_them_no_entry(org, office):
    stranger = CustomerFactory(openid="o-stranger", store=org.store_b1, owner_assistant=None)
    assert radar_record(customer=stranger, kind=Kind.SCANNED, what="x") is None
    hq_code = qr_code_for(org.store_b1, assignment="store_only")
    scan_record(code=hq_code, customer=stranger, channel="oauth")
    assert not RadarEvent.objects.exists()


def test_staff_looking_at_their_own_pages_is_no_entry(org, office, bound):
    # The assistant scanned once with their own WeChat and became a customer of their own.
    themselves = CustomerFactory(openid="o-staff-assistant", store=org.store_a1, owner_assistant=org.assistant)
    scan_record(code=qr_code_for(org.store_a1), customer=themselves, channel="oauth")
    assert radar_record(customer=themselves, kind=Kind.VIEWED_AGAIN, page_type="store", page_id=1) is None
    assert not RadarEvent.objects.exists()


def test_viewed_again_only_from_the_second_view(org, office, wang, island):
    first = local(10)
    page_view_record(customer=wang, page_type=PageType.SOLUTION, page_id=island.pk, now=first)
    page_view_record(customer=wang, page_type=PageType.SOLUTION, page_id=island.pk, now=first + timedelta(minutes=5))
    assert not RadarEvent.objects.exists()  # the first view, then a reload within the visit window
    page_view_record(customer=wang, page_type=PageType.SOLUTION, page_id=island.pk, now=first + timedelta(hours=2))
    event = RadarEvent.objects.get()
    assert (event.kind, event.page_id) == (Kind.VIEWED_AGAIN, island.pk)
    assert radar_feed(viewer=org.assistant.user)[0].action == "又在看 岛台厨房方案"


def test_the_view_a_scan_leads_to_is_not_a_second_entry(org, office, wang, island):
    page_view_record(customer=wang, page_type=PageType.SOLUTION, page_id=island.pk, now=local(9))
    code = qr_code_for(island, store=org.store_a1, label="岛台")
    scan_record(code=code, customer=wang, channel="oauth")
    page_view_record(customer=wang, page_type=PageType.SOLUTION, page_id=island.pk)  # the redirect's page
    assert list(RadarEvent.objects.values_list("kind", flat=True)) == [Kind.SCANNED]


def test_the_h5_page_records_a_view_again_for_a_visitor_loaded_lightly(client, org, office, wang, island):
    page_view_record(customer=wang, page_type=PageType.SOLUTION, page_id=island.pk, now=local(9, day_offset=-1))
    as_wechat_user(client, "o-wang")
    assert client.get(f"/h5/solutions/{island.pk}/", **WECHAT).status_code == 200
    event = RadarEvent.objects.get()
    assert (event.kind, event.assistant, event.store) == (Kind.VIEWED_AGAIN, org.assistant, org.store_a1)


def test_a_share_opened_by_a_new_family_member_is_one_entry(org, office, wang, island):
    share = share_create(sharer=wang, page_type=PageType.SOLUTION, page_id=island.pk)
    share_open_record(share=share, identity=Identity("o-husband"))
    event = RadarEvent.objects.get()  # he became the sharer's assistant's customer: one entry, not two
    assert (event.kind, event.customer.openid, event.related_customer) == (Kind.OPENED_SHARE, "o-husband", wang)
    assert radar_feed(viewer=org.assistant.user)[0].action == "打开了 王女士 分享的 岛台厨房方案"


def test_a_share_opened_by_another_assistants_customer_tells_both(org, office, wang, island):
    li = CustomerFactory(name="李先生", openid="o-li", store=org.store_a1, owner_assistant=org.colleague)
    share = share_create(sharer=wang, page_type=PageType.SOLUTION, page_id=island.pk)
    share_open_record(share=share, identity=Identity("o-li"))
    opened = RadarEvent.objects.get(kind=Kind.OPENED_SHARE)
    family = RadarEvent.objects.get(kind=Kind.FAMILY_OPENED)
    assert (opened.customer, opened.assistant, opened.related_customer) == (li, org.colleague, wang)
    assert (family.customer, family.assistant, family.related_customer) == (wang, org.assistant, li)
    # Named only to whoever may see him (ORG-3): the colleague's customer is "family" to the assistant.
    assert radar_feed(viewer=org.assistant.user)[0].action == "分享了 岛台厨房方案，家人打开了"
    assert [line.action for line in radar_feed(viewer=org.manager.user)
            if line.event.kind == Kind.FAMILY_OPENED] == ["分享了 岛台厨房方案，李先生 打开了"]


def test_an_anonymous_open_tells_the_sharers_assistant(org, office, wang, island):
    share = share_create(sharer=wang, page_type=PageType.SOLUTION, page_id=island.pk)
    share_open_record(share=share, identity=None)
    event = RadarEvent.objects.get()
    assert (event.kind, event.customer, event.related_customer) == (Kind.FAMILY_OPENED, wang, None)
    assert radar_feed(viewer=org.assistant.user)[0].action == "分享了 岛台厨房方案，家人打开了"


def test_keeping_a_page_is_an_entry_once(org, office, wang, island):
    favourite_set(customer=wang, page_type=PageType.SOLUTION, page_id=island.pk, on=True)
    favourite_set(customer=wang, page_type=PageType.SOLUTION, page_id=island.pk, on=True)
    assert list(RadarEvent.objects.values_list("kind", flat=True)) == [Kind.FAVOURITED]


def test_a_claimed_coupon_is_an_entry(org, office, wang):
    # promotions.services.coupon_issue makes this call for a claim
    radar_record(customer=wang, kind=Kind.CLAIMED_COUPON, what="满1000减100")
    assert radar_feed(viewer=org.assistant.user)[0].action == "领取了优惠券 满1000减100"


def test_off_by_setting(settings, org, office, wang):
    settings.RADAR_ENABLED = False
    assert radar_record(customer=wang, kind=Kind.SCANNED, what="x") is None
    assert not RadarEvent.objects.exists()


def test_a_known_owned_customers_scan_adds_one_insert(client, org, office, wang):
    HeadOffice.objects.filter(pk=office.pk).update(radar_quiet_from=time(0), radar_quiet_until=time(0))
    radar_cache_clear()
    code = qr_code_for(org.store_a1)
    as_wechat_user(client, "o-wang")
    client.get(f"/q/{code.token}", **WECHAT)  # codes, staff openids, rules and the reminder turn are now known
    with CaptureQueriesContext(connection) as queries:
        client.get(f"/q/{code.token}", **WECHAT)
    statements = [q["sql"].split()[0] for q in queries.captured_queries
                  if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    if connection.vendor == "postgresql":
        assert statements == ["SELECT", "WITH"]  # the customer; the scan and the entry in one statement
    else:
        assert statements == ["SELECT", "INSERT", "INSERT"]  # the customer; the scan; the entry
    assert RadarEvent.objects.count() == 2


# --- Reminders -----------------------------------------------------------------------------------


def test_one_reminder_per_customer_per_interval(org, office, wang, bound):
    first = radar_record(customer=wang, kind=Kind.SCANNED, what="岛台", at=local(10))
    second = radar_record(customer=wang, kind=Kind.VIEWED_AGAIN, page_type="store", page_id=org.store_a1.pk,
                          at=local(10, 20))
    assert first.reminded and not second.reminded
    [message] = reminders()
    assert message.openid == "o-staff-assistant" and message.staff == org.assistant
    assert message.data["thing2"]["value"].startswith("王女士 正在看 岛台")
    assert message.url.endswith(f"/m/customers/{wang.pk}/")
    third = radar_record(customer=wang, kind=Kind.SCANNED, what="岛台", at=local(10, 31))
    assert third.reminded and reminders().count() == 2
    assert RadarEvent.objects.filter(customer=wang).count() == 3  # the feed has every entry


def test_the_interval_is_per_customer(org, office, wang, bound):
    zhao = CustomerFactory(name="赵先生", openid="o-zhao", store=org.store_a1, owner_assistant=org.assistant)
    radar_record(customer=wang, kind=Kind.SCANNED, what="a", at=local(11))
    radar_record(customer=zhao, kind=Kind.SCANNED, what="a", at=local(11, 1))
    assert reminders().count() == 2


def test_head_office_sets_the_interval_and_zero_turns_reminders_off(org, office, wang, bound):
    HeadOffice.objects.filter(pk=office.pk).update(radar_remind_minutes=5)
    radar_cache_clear()
    radar_record(customer=wang, kind=Kind.SCANNED, what="a", at=local(11))
    radar_record(customer=wang, kind=Kind.SCANNED, what="a", at=local(11, 6))
    assert reminders().count() == 2
    HeadOffice.objects.filter(pk=office.pk).update(radar_remind_minutes=0)
    radar_cache_clear()
    assert not radar_record(customer=wang, kind=Kind.SCANNED, what="a", at=local(12)).reminded
    assert reminders().count() == 2


@pytest.mark.parametrize("hour, minute", [(21, 0), (23, 30), (3, 0), (7, 59)])
def test_no_reminder_in_the_quiet_hours_but_the_feed_has_it(org, office, wang, bound, hour, minute):
    event = radar_record(customer=wang, kind=Kind.SCANNED, what="a", at=local(hour, minute))
    assert event is not None and not event.reminded
    assert not reminders().exists() and not RadarReminder.objects.exists()  # the turn is not used up
    assert radar_record(customer=wang, kind=Kind.SCANNED, what="a", at=local(8, 0, day_offset=1)).reminded


def test_quiet_hours_within_one_day_and_none(org, office, wang, bound):
    HeadOffice.objects.filter(pk=office.pk).update(radar_quiet_from=time(12), radar_quiet_until=time(14))
    radar_cache_clear()
    assert not radar_record(customer=wang, kind=Kind.SCANNED, what="a", at=local(12, 30)).reminded
    assert radar_record(customer=wang, kind=Kind.SCANNED, what="a", at=local(22)).reminded
    HeadOffice.objects.filter(pk=office.pk).update(radar_quiet_from=time(0), radar_quiet_until=time(0))
    radar_cache_clear()
    assert radar_record(customer=wang, kind=Kind.SCANNED, what="a", at=local(3, day_offset=1)).reminded


def test_without_bound_wechat_the_feed_alone(org, office, wang):
    event = radar_record(customer=wang, kind=Kind.SCANNED, what="a", at=local(10))
    assert event is not None and not event.reminded and not reminders().exists()


def test_a_reminder_is_keyed_per_customer_and_interval_slot(org, office, wang, bound):
    event = radar_record(customer=wang, kind=Kind.SCANNED, what="a", at=local(10))
    slot = int(local(10).timestamp() // 1800)
    assert event.reminder.key == f"radar:{wang.pk}:{slot}"


# --- The feed and who sees it ----------------------------------------------------------------------


@pytest.fixture
def spread(org, office):
    """One entry per assistant: A1's assistant and colleague, A2's assistant, B1's assistant."""
    north = Staff.objects.get(user__username="t-north")
    owners = [org.assistant, org.colleague, org.other_store_assistant, north]
    events = {}
    for n, owner in enumerate(owners):
        customer = CustomerFactory(name=f"客户{n}", store=owner.store, owner_assistant=owner)
        events[owner.user.username] = radar_record(customer=customer, kind=Kind.SCANNED, what=f"海报{n}",
                                                   at=local(10, n))
    return events


@pytest.mark.parametrize("role, expected", [
    ("assistant", {"t-asst"}),
    ("manager", {"t-asst", "t-colleague"}),
    ("supervisor", {"t-asst", "t-colleague", "t-other"}),
    ("hq", {"t-asst", "t-colleague", "t-other", "t-north"}),
    ("partner", set()),
    ("outsider", set()),
])
def test_the_feed_is_the_viewers_scope(org, spread, role, expected):
    lines = radar_feed(viewer=org.user(role))
    assert {line.event.assistant.user.username for line in lines} == expected
    assert [line.event.occurred_at for line in lines] == sorted((line.event.occurred_at for line in lines),
                                                               reverse=True)


def test_the_feed_is_newest_first(org, office, wang):
    for minute in (5, 1, 9):
        radar_record(customer=wang, kind=Kind.SCANNED, what=f"m{minute}", at=local(10, minute))
    assert [line.event.what for line in radar_feed(viewer=org.assistant.user)] == ["m9", "m5", "m1"]


def test_the_workbench_page_shows_the_assistants_feed(client, org, spread):
    client.force_login(org.assistant.user)
    page = client.get("/m/radar/").content.decode()
    assert "互动雷达" in page and "正在看 海报0" in page and "海报1" not in page
    assert f'href="/m/customers/{spread["t-asst"].customer_id}/"' in page
    assert 'hx-trigger="every 5s"' in page and f'?after={spread["t-asst"].pk}' in page


def test_the_manager_sees_the_stores_feed_on_the_workbench_and_the_dashboard(client, org, spread):
    client.force_login(org.manager.user)
    for url in ("/m/radar/", "/dashboard/radar/"):
        page = client.get(url).content.decode()
        assert "海报0" in page and "海报1" in page and "海报2" not in page, url


def test_partners_see_an_empty_feed_and_the_dashboard_is_for_managers(client, org, spread):
    client.force_login(org.partner.user)
    assert "海报" not in client.get("/m/radar/").content.decode()
    client.force_login(org.assistant.user)
    assert client.get("/dashboard/radar/").status_code == 302


def test_the_poll_gets_only_newer_entries(client, org, office, wang):
    old = radar_record(customer=wang, kind=Kind.SCANNED, what="旧海报", at=local(9))
    client.force_login(org.assistant.user)
    htmx = {"HTTP_HX_REQUEST": "true"}
    assert client.get(f"/m/radar/?after={old.pk}", **htmx).status_code == 204
    new = radar_record(customer=wang, kind=Kind.SCANNED, what="新海报", at=local(9, 1))
    fragment = client.get(f"/m/radar/?after={old.pk}", **htmx).content.decode()
    assert "新海报" in fragment and "旧海报" not in fragment
    assert f"?after={new.pk}" in fragment and 'hx-swap-oob="true"' in fragment  # the poll moves on
    assert client.get(f"/m/radar/?after={new.pk}", **htmx).status_code == 204


def test_the_poll_never_shows_another_assistants_entries(client, org, spread):
    client.force_login(org.assistant.user)
    fragment = client.get("/m/radar/?after=0", HTTP_HX_REQUEST="true").content.decode()
    assert "海报0" in fragment and "海报1" not in fragment


def test_the_workbench_home_has_the_radar_tile(client, org, office, wang):
    radar_record(customer=wang, kind=Kind.SCANNED, what="岛台样板间")
    client.force_login(org.assistant.user)
    page = client.get("/m/").content.decode()
    assert 'id="radar-tile"' in page and "王女士 正在看 岛台样板间" in page


# --- API and admin ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role, count", [("assistant", 1), ("manager", 2), ("supervisor", 3), ("hq", 4),
                                         ("partner", 0)])
def test_the_api_lists_the_callers_scope(client, org, spread, role, count):
    client.force_login(org.user(role))
    answer = client.get("/api/v1/customers/radar/").json()
    assert answer["count"] == count


def test_the_api_detail_out_of_scope_is_404_and_after_filters(client, org, spread):
    client.force_login(org.assistant.user)
    mine = spread["t-asst"]
    assert client.get(f"/api/v1/customers/radar/{spread['t-colleague'].pk}/").status_code == 404
    detail = client.get(f"/api/v1/customers/radar/{mine.pk}/").json()
    assert detail["text"] == "正在看 海报0" and detail["kind"] == "scanned" and detail["reminded"] is False
    assert client.get(f"/api/v1/customers/radar/?after={mine.pk}").json()["count"] == 0
    assert client.post("/api/v1/customers/radar/", {}).status_code == 405


def test_the_admin_lists_entries_read_only(client, org, spread):
    client.force_login(org.hq.user)
    assert client.get("/admin/customers/radarevent/").status_code == 200
    assert client.get("/admin/customers/radarevent/add/").status_code == 403
    assert client.get(f"/admin/customers/radarevent/{spread['t-north'].pk}/change/").status_code == 200
