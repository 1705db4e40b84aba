"""The workbench's Profile and Follow-ups tabs and the home's "To-do today" (CUS-1..5): one tap
sets a grade or toggles a tag, a follow-up is one submit; every role sees only its own customers."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.models import AfterSalesRecord, Customer, CustomerProfile, CustomerTag, FollowUp, IntentGradeChange
from tests.conftest import ROLES
from tests.factories import CustomerFactory, FollowUpFactory, TagFactory

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def mine(org):
    return CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, name="王芳", mobile="13812345678",
                           community="万科城", intent_grade="B")


@pytest.fixture
def assistant(client, org):
    client.force_login(org.user("assistant"))
    return client


def url(customer, tail=""):
    return f"/m/customers/{customer.pk}/{tail}"


# --- Who sees what ----------------------------------------------------------------------------------


# A customer of the assistant in store A1 (region A) is seen by HQ, A's supervisor, A1's manager
# and the assistant; never by a partner; an outsider is sent away from the workbench.
EXPECTED = {"hq": 200, "supervisor": 200, "manager": 200, "assistant": 200, "partner": 404}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("tail", ["profile/", "follow-ups/", "profile/edit/basic/", "profile/edit/needs/"])
def test_each_role_opens_only_customers_in_scope(client, org, mine, role, tail):
    client.force_login(org.user(role))
    response = client.get(url(mine, tail))
    if role == "outsider":
        assert response.status_code == 302 and "no-access" in response["Location"]
    else:
        assert response.status_code == EXPECTED[role]


@pytest.mark.parametrize("role", ["colleague", "other_store_assistant", "partner"])
@pytest.mark.parametrize("tail, data", [("profile/grade/", {"grade": "A"}), ("profile/tags/", {"name": "x"}),
                                        ("follow-ups/", {"kind": "call", "outcome": "reached"}),
                                        ("profile/edit/basic/", {"name": "x"}),
                                        ("profile/after-sales/", {"kind": "repair", "description": "x"})])
def test_writes_on_someone_elses_customer_are_404_and_change_nothing(client, org, mine, role, tail, data):
    client.force_login(getattr(org, role).user)
    assert client.post(url(mine, tail), data, **HX).status_code == 404
    assert Customer.objects.get(pk=mine.pk).name == "王芳"
    assert not (IntentGradeChange.objects.exists() or CustomerTag.objects.exists() or FollowUp.objects.exists()
                or AfterSalesRecord.objects.exists())


# --- Profile tab -------------------------------------------------------------------------------------


def test_the_profile_tab_shows_the_header_and_the_three_stages(assistant, mine):
    CustomerProfile.objects.create(customer=mine, budget=80000, rooms=["kitchen"], family_notes="三口之家")
    CustomerTag.objects.create(customer=mine, tag=TagFactory(name="看厨房"))
    text = assistant.get(url(mine, "profile/")).content.decode()
    assert "王芳" in text and "138****5678" in text and "13812345678" not in text
    assert "万科城" in text and "看厨房" in text and "三口之家" in text and ("80,000" in text or "80000" in text)
    assert 'id="customer-header"' in text and 'id="customer-tab"' in text


def test_htmx_gets_only_the_fragment(assistant, mine):
    text = assistant.get(url(mine, "profile/"), **HX).content.decode()
    assert "<html" not in text and "grade-chip" in text


def test_one_tap_sets_the_grade_and_the_header_follows(assistant, org, mine):
    response = assistant.post(url(mine, "profile/grade/"), {"grade": "A"}, **HX)
    text = response.content.decode()
    assert response.status_code == 200
    assert Customer.objects.get(pk=mine.pk).intent_grade == "A"
    assert IntentGradeChange.objects.get(customer=mine).from_grade == "B"
    assert 'hx-swap-oob="true"' in text and 'grade-chip_A is-on' in text


def test_a_plain_form_post_is_redirected_back_to_the_tab(assistant, mine):
    response = assistant.post(url(mine, "profile/grade/"), {"grade": "C"})
    assert response.status_code == 302 and response["Location"] == url(mine, "profile/")


def test_a_bad_grade_is_400_with_the_reason(assistant, mine):
    response = assistant.post(url(mine, "profile/grade/"), {"grade": "Z"}, **HX)
    assert response.status_code == 400 and "flash_error" in response.content.decode()
    assert Customer.objects.get(pk=mine.pk).intent_grade == "B"


def test_tapping_a_tag_toggles_it_and_a_new_one_can_be_added(assistant, mine):
    tag = TagFactory(name="预算充足")
    assistant.post(url(mine, "profile/tags/"), {"tag": tag.pk}, **HX)
    assert CustomerTag.objects.filter(customer=mine, tag=tag, source="manual").exists()
    assistant.post(url(mine, "profile/tags/"), {"tag": tag.pk}, **HX)
    assert not CustomerTag.objects.filter(customer=mine).exists()
    assistant.post(url(mine, "profile/tags/"), {"name": "要上门量尺"}, **HX)
    assert list(CustomerTag.objects.filter(customer=mine).values_list("tag__name", flat=True)) == ["要上门量尺"]


def test_taking_off_a_rule_tag_says_it_will_come_back(assistant, mine):
    tag = TagFactory(name="近90天高消费")
    CustomerTag.objects.create(customer=mine, tag=tag, source="rule")
    text = assistant.post(url(mine, "profile/tags/"), {"tag": tag.pk}, **HX).content.decode()
    assert not CustomerTag.objects.filter(customer=mine).exists()
    assert "flash_ok" in text and ("rule" in text.lower() or "规则" in text)


def test_editing_stage_1_keeps_the_hidden_mobile_when_left_empty(assistant, mine):
    form = assistant.get(url(mine, "profile/edit/basic/"), **HX).content.decode()
    assert "13812345678" not in form  # the full number never reaches the page
    response = assistant.post(url(mine, "profile/edit/basic/"),
                              {"name": "王芳芳", "community": "保利", "decoration_status": "renovating", "mobile": ""},
                              **HX)
    stored = Customer.objects.get(pk=mine.pk)
    assert response.status_code == 200
    assert (stored.name, stored.community, stored.decoration_status, stored.mobile) == (
        "王芳芳", "保利", "renovating", "13812345678")


def test_a_wrong_mobile_shows_the_error_and_saves_nothing(assistant, mine):
    response = assistant.post(url(mine, "profile/edit/basic/"), {"name": "改名", "mobile": "12345"}, **HX)
    assert response.status_code == 400 and "flash_error" in response.content.decode()
    assert Customer.objects.get(pk=mine.pk).name == "王芳"


def test_editing_needs_with_room_and_category_chips(assistant, mine):
    response = assistant.post(url(mine, "profile/edit/needs/"), {
        "budget": "50000", "rooms": ["kitchen", "bathroom"], "categories": ["water"], "toilet_rough_in": "400",
        "accepts_home_measurement": "true", "notes": "U型厨房"}, **HX)
    assert response.status_code == 200
    profile = CustomerProfile.objects.get(customer=mine)
    assert profile.rooms == ["kitchen", "bathroom"] and profile.categories == ["water"]
    assert profile.accepts_home_measurement is True and profile.toilet_rough_in == 400
    assert "U型厨房" in response.content.decode()


def test_editing_personal(assistant, mine):
    assistant.post(url(mine, "profile/edit/personal/"), {"household_size": "4", "family_notes": "和父母同住"}, **HX)
    assert CustomerProfile.objects.get(customer=mine).family_notes == "和父母同住"


def test_an_unknown_section_is_404(assistant, mine):
    assert assistant.get(url(mine, "profile/edit/secrets/")).status_code == 404


def test_after_sales_added_and_resolved(assistant, mine):
    assistant.post(url(mine, "profile/after-sales/"), {"kind": "repair", "description": "水龙头滴水"}, **HX)
    record = AfterSalesRecord.objects.get(customer=mine)
    text = assistant.get(url(mine, "profile/")).content.decode()
    assert "水龙头滴水" in text
    assistant.post(url(mine, f"profile/after-sales/{record.pk}/resolve/"), **HX)
    assert AfterSalesRecord.objects.get(pk=record.pk).status == "resolved"
    again = assistant.post(url(mine, f"profile/after-sales/{record.pk}/resolve/"), **HX)
    assert again.status_code == 400


def test_an_erased_customer_shows_read_only(assistant, mine):
    Customer.objects.filter(pk=mine.pk).update(erased_at=timezone.now())
    text = assistant.get(url(mine, "profile/")).content.decode()
    assert "pcard__edit" not in text and "disabled" in text
    assert assistant.post(url(mine, "profile/grade/"), {"grade": "A"}, **HX).status_code == 400


# --- Follow-ups tab ----------------------------------------------------------------------------------


def test_a_quick_follow_up_with_a_quick_pick_date(assistant, org, mine):
    response = assistant.post(url(mine, "follow-ups/"), {"kind": "wecom", "outcome": "appointment", "note": "周六来店",
                                                         "next_in": "3"}, **HX)
    assert response.status_code == 200
    follow_up = FollowUp.objects.get(customer=mine)
    expected = timezone.localdate() + timedelta(days=3)
    assert (follow_up.staff, follow_up.next_follow_up_on) == (org.assistant, expected)
    assert Customer.objects.get(pk=mine.pk).next_follow_up_on == expected
    assert "周六来店" in response.content.decode()


def test_a_visit_offers_grade_a_in_one_tap(assistant, mine):
    text = assistant.post(url(mine, "follow-ups/"), {"kind": "visit", "outcome": "visited"}, **HX).content.decode()
    assert 'name="grade" value="A"' in text and 'class="suggest"' in text
    assert Customer.objects.get(pk=mine.pk).intent_grade == "B"


@pytest.mark.parametrize("data", [{"kind": "call"}, {"kind": "call", "outcome": "reached", "next_in": "date"},
                                  {"kind": "call", "outcome": "reached", "next_in": "date", "next_on": "2001-01-01"}])
def test_an_incomplete_follow_up_is_400_and_saves_nothing(assistant, mine, data):
    assert assistant.post(url(mine, "follow-ups/"), data, **HX).status_code == 400
    assert not FollowUp.objects.exists()


def test_follow_ups_are_listed_newest_first(assistant, org, mine):
    now = timezone.now()
    FollowUpFactory(customer=mine, note="第一次", created_at=now - timedelta(days=2))
    FollowUpFactory(customer=mine, note="第二次", created_at=now - timedelta(days=1))
    text = assistant.get(url(mine, "follow-ups/")).content.decode()
    assert text.index("第二次") < text.index("第一次")


def test_cancelling_the_planned_follow_up(assistant, mine):
    Customer.objects.filter(pk=mine.pk).update(next_follow_up_on=timezone.localdate())
    assistant.post(url(mine, "follow-ups/clear/"), **HX)
    assert Customer.objects.get(pk=mine.pk).next_follow_up_on is None


# --- Home: To-do today ---------------------------------------------------------------------------------


def test_home_lists_due_and_overdue_follow_ups_with_links(assistant, org, mine):
    today = timezone.localdate()
    Customer.objects.filter(pk=mine.pk).update(next_follow_up_on=today)
    late = CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, name="迟到",
                           next_follow_up_on=today - timedelta(days=3))
    CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, name="下周",
                    next_follow_up_on=today + timedelta(days=7))
    CustomerFactory(store=org.store_a1, owner_assistant=org.colleague, name="同事的",
                    next_follow_up_on=today)
    text = assistant.get("/m/").content.decode()
    assert "王芳" in text and "迟到" in text and "下周" not in text and "同事的" not in text
    assert text.index("迟到") < text.index("王芳")  # the oldest first
    assert "todo__item_overdue" in text and url(late, "follow-ups/") in text


def test_home_costs_the_same_queries_however_many_are_due(assistant, org):
    today = timezone.localdate()
    CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, next_follow_up_on=today)
    with CaptureQueriesContext(connection) as one:
        assistant.get("/m/")
    CustomerFactory.create_batch(15, store=org.store_a1, owner_assistant=org.assistant, next_follow_up_on=today)
    with CaptureQueriesContext(connection) as many:
        assistant.get("/m/")
    assert len(many) == len(one)


def test_profile_tab_queries_do_not_grow_with_history(assistant, org, mine):
    with CaptureQueriesContext(connection) as few:
        assistant.get(url(mine, "profile/"))
    for grade in "ACDAB":
        IntentGradeChange.objects.create(customer=mine, to_grade=grade, changed_by=org.assistant)
        CustomerTag.objects.create(customer=mine, tag=TagFactory())
        AfterSalesRecord.objects.create(customer=mine, kind="repair", description="x", created_by=org.assistant)
    with CaptureQueriesContext(connection) as many:
        assistant.get(url(mine, "profile/"))
    assert len(many) == len(few)


def test_the_managers_to_do_has_the_whole_store_with_each_owner(client, org):
    today = timezone.localdate()
    CustomerFactory(store=org.store_a1, owner_assistant=org.colleague, name="同事的客户", next_follow_up_on=today)
    CustomerFactory(store=org.store_a2, owner_assistant=org.other_store_assistant, name="杭州的客户",
                    next_follow_up_on=today)
    client.force_login(org.user("manager"))
    text = client.get("/m/").content.decode()
    assert "同事的客户" in text and org.colleague.name in text and "杭州的客户" not in text
