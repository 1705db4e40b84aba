"""Profile services (CUS-1..5): stage 1-3 edits, grade with history, tags by hand, follow-ups with
the next date, after-sales; scope and erasure refuse edits with a clear error."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from customers import profiles
from customers.errors import CustomerError
from customers.models import (AfterSalesRecord, Customer, CustomerProfile, CustomerTag, FollowUp, IntentGradeChange,
                              Tag)
from tests.factories import CustomerFactory, OrderFactory, TagFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


@pytest.fixture
def mine(org):
    return CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, name="王芳", mobile="13800000001")


# --- Stage 1 ---------------------------------------------------------------------------------------


def test_customer_update_changes_stage_1_and_bumps_updated_at(org, mine):
    before = mine.updated_at
    profiles.customer_update(customer=mine, actor=org.user("assistant"), community="  万科城市花园 ",
                             decoration_status=Customer.DecorationStatus.RENOVATING, age=35)
    stored = Customer.objects.get(pk=mine.pk)
    assert (stored.community, stored.decoration_status, stored.age) == ("万科城市花园", "renovating", 35)
    assert stored.updated_at > before


def test_customer_update_without_a_change_writes_nothing(org, mine):
    before = Customer.objects.get(pk=mine.pk).updated_at
    profiles.customer_update(customer=mine, actor=org.user("assistant"), name="王芳")
    assert Customer.objects.get(pk=mine.pk).updated_at == before


@pytest.mark.parametrize("typed, stored", [("13912345678", "13912345678"), ("+86 139-1234-5678", "13912345678"),
                                           ("0086 13912345678", "13912345678")])
def test_a_mainland_mobile_is_stored_as_11_digits(org, mine, typed, stored):
    profiles.customer_update(customer=mine, actor=org.user("assistant"), mobile=typed)
    assert Customer.objects.get(pk=mine.pk).mobile == stored


@pytest.mark.parametrize("bad", ["1391234567", "23912345678", "139123456789", "1391234567a", "12012345678"])
def test_a_wrong_mobile_is_refused_and_nothing_changes(org, mine, bad):
    with pytest.raises(CustomerError, match="11"):
        profiles.customer_update(customer=mine, actor=org.user("assistant"), mobile=bad, name="改了")
    assert Customer.objects.get(pk=mine.pk).mobile == "13800000001"
    assert Customer.objects.get(pk=mine.pk).name == "王芳"


def test_a_wrong_choice_is_refused(org, mine):
    with pytest.raises(CustomerError):
        profiles.customer_update(customer=mine, actor=org.user("assistant"), decoration_status="on_the_moon")


def test_fields_outside_stage_1_cannot_be_changed_here(org, mine):
    with pytest.raises(TypeError):
        profiles.customer_update(customer=mine, actor=org.user("assistant"), owner_assistant=org.colleague)


@pytest.mark.parametrize("role", ["colleague", "other_store_assistant", "partner", "outsider"])
def test_staff_who_do_not_see_the_customer_cannot_edit(org, mine, role):
    with pytest.raises(CustomerError, match="not yours"):
        profiles.customer_update(customer=mine, actor=org.user(role), name="别人")
    assert Customer.objects.get(pk=mine.pk).name == "王芳"


@pytest.mark.parametrize("role", ["hq", "supervisor", "manager", "assistant"])
def test_everyone_who_sees_the_customer_can_edit(org, mine, role):
    profiles.customer_update(customer=mine, actor=org.user(role), name=f"by {role}")
    assert Customer.objects.get(pk=mine.pk).name == f"by {role}"


@pytest.mark.parametrize("edit", [
    lambda c, a: profiles.customer_update(customer=c, actor=a, name="x"),
    lambda c, a: profiles.customer_profile_update(customer=c, actor=a, notes="x"),
    lambda c, a: profiles.intent_grade_set(customer=c, actor=a, grade="A"),
    lambda c, a: profiles.customer_tag_add(customer=c, actor=a, name="x"),
    lambda c, a: profiles.follow_up_create(customer=c, actor=a, kind="call", outcome="reached"),
    lambda c, a: profiles.after_sales_record_create(customer=c, actor=a, kind="repair", description="x"),
])
def test_an_erased_customer_refuses_every_edit(org, mine, edit):
    Customer.objects.filter(pk=mine.pk).update(erased_at=timezone.now())
    with pytest.raises(CustomerError, match="erased"):
        edit(mine, org.user("assistant"))
    assert not IntentGradeChange.objects.exists() and not FollowUp.objects.exists()
    assert not CustomerProfile.objects.exists() and not CustomerTag.objects.exists()


# --- Stages 2-3 ----------------------------------------------------------------------------------


def test_the_profile_is_made_on_the_first_edit_and_updated_after(org, mine):
    assert not CustomerProfile.objects.filter(customer=mine).exists()
    profiles.customer_profile_update(customer=mine, actor=org.user("assistant"), budget=Decimal("50000"),
                                     rooms=["kitchen", "bathroom", "kitchen"], categories=["kitchen"],
                                     toilet_rough_in=400, accepts_home_measurement=True)
    profiles.customer_profile_update(customer=mine, actor=org.user("assistant"), household_size=3,
                                     family_notes="三口之家")
    profile = CustomerProfile.objects.get(customer=mine)
    assert profile.budget == Decimal("50000") and profile.rooms == ["kitchen", "bathroom"]
    assert profile.household_size == 3 and profile.toilet_rough_in == 400
    assert profile.updated_by == org.assistant


@pytest.mark.parametrize("changes", [{"rooms": ["garage"]}, {"categories": ["cars"]}, {"toilet_rough_in": 5000},
                                     {"measurements": ["not", "pairs"]}, {"style": 999999}])
def test_bad_stage_2_values_are_refused(org, mine, changes):
    with pytest.raises(CustomerError):
        profiles.customer_profile_update(customer=mine, actor=org.user("assistant"), **changes)
    assert not CustomerProfile.objects.filter(customer=mine).exists()


# --- Grade -----------------------------------------------------------------------------------------


def test_grade_changes_are_kept_in_the_history(org, mine):
    profiles.intent_grade_set(customer=mine, actor=org.user("assistant"), grade="B")
    profiles.intent_grade_set(customer=mine, actor=org.user("assistant"), grade="a", note="到店了")
    history = list(IntentGradeChange.objects.filter(customer=mine).values_list("from_grade", "to_grade", "note"))
    assert history == [("B", "A", "到店了"), ("", "B", "")]
    assert Customer.objects.get(pk=mine.pk).intent_grade == "A"


def test_setting_the_same_grade_writes_nothing(org, mine):
    profiles.intent_grade_set(customer=mine, actor=org.user("assistant"), grade="B")
    assert profiles.intent_grade_set(customer=mine, actor=org.user("assistant"), grade="B") is None
    assert IntentGradeChange.objects.filter(customer=mine).count() == 1


def test_an_unknown_grade_is_refused(org, mine):
    with pytest.raises(CustomerError, match="A, B, C or D"):
        profiles.intent_grade_set(customer=mine, actor=org.user("assistant"), grade="E")


# --- Tags --------------------------------------------------------------------------------------------


def test_staff_add_an_existing_tag_or_a_new_one_by_name(org, mine):
    kitchen = TagFactory(name="看厨房")
    profiles.customer_tag_add(customer=mine, actor=org.user("assistant"), tag=kitchen)
    profiles.customer_tag_add(customer=mine, actor=org.user("assistant"), name="  预算  充足 ")
    profiles.customer_tag_add(customer=mine, actor=org.user("assistant"), name="看厨房")  # again: no double
    assert sorted(CustomerTag.objects.filter(customer=mine).values_list("tag__name", "source")) == [
        ("看厨房", "manual"), ("预算 充足", "manual")]
    assert Tag.objects.filter(name="预算 充足").exists()


def test_removing_a_rule_given_tag_by_hand_tells_where_it_came_from(org, mine):
    tag = TagFactory(name="高消费")
    CustomerTag.objects.create(customer=mine, tag=tag, source=CustomerTag.Source.RULE)
    removed = profiles.customer_tag_remove(customer=mine, actor=org.user("assistant"), tag=tag)
    assert removed.source == CustomerTag.Source.RULE
    assert not CustomerTag.objects.filter(customer=mine).exists()
    assert profiles.customer_tag_remove(customer=mine, actor=org.user("assistant"), tag=tag) is None


def test_an_empty_tag_name_is_refused(org, mine):
    with pytest.raises(CustomerError):
        profiles.customer_tag_add(customer=mine, actor=org.user("assistant"), name="   ")


# --- Follow-ups ---------------------------------------------------------------------------------------


def test_a_follow_up_sets_the_customers_next_date_and_an_empty_one_clears_it(org, mine):
    tomorrow = timezone.localdate() + timedelta(days=1)
    profiles.follow_up_create(customer=mine, actor=org.user("assistant"), kind="call", outcome="reached",
                              next_follow_up_on=tomorrow)
    assert Customer.objects.get(pk=mine.pk).next_follow_up_on == tomorrow
    profiles.follow_up_create(customer=mine, actor=org.user("assistant"), kind="wecom", outcome="appointment")
    assert Customer.objects.get(pk=mine.pk).next_follow_up_on is None
    assert FollowUp.objects.filter(customer=mine, staff=org.assistant).count() == 2


def test_a_visit_suggests_grade_a_without_changing_it(org, mine):
    profiles.intent_grade_set(customer=mine, actor=org.user("assistant"), grade="B")
    result = profiles.follow_up_create(customer=mine, actor=org.user("assistant"), kind="visit", outcome="visited")
    assert result.suggested_grade == "A"
    assert Customer.objects.get(pk=mine.pk).intent_grade == "B"  # the assistant decides


def test_no_suggestion_when_the_customer_already_has_that_grade(org, mine):
    profiles.intent_grade_set(customer=mine, actor=org.user("assistant"), grade="A")
    result = profiles.follow_up_create(customer=mine, actor=org.user("assistant"), kind="visit", outcome="visited")
    assert result.suggested_grade is None


@pytest.mark.parametrize("kwargs, message", [
    ({"kind": "pigeon", "outcome": "reached"}, "how"),
    ({"kind": "call", "outcome": "maybe"}, "outcome"),
    ({"kind": "call", "outcome": "reached", "next_follow_up_on": "past"}, "past"),
])
def test_bad_follow_ups_are_refused(org, mine, kwargs, message):
    if kwargs.get("next_follow_up_on") == "past":
        kwargs["next_follow_up_on"] = timezone.localdate() - timedelta(days=1)
    with pytest.raises(CustomerError, match=message):
        profiles.follow_up_create(customer=mine, actor=org.user("assistant"), **kwargs)
    assert not FollowUp.objects.exists()


def test_only_staff_record_follow_ups(org, mine, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "x")
    with pytest.raises(CustomerError, match="staff"):
        profiles.follow_up_create(customer=mine, actor=admin, kind="call", outcome="reached")


def test_the_due_list_has_today_and_overdue_in_scope_oldest_first(org, mine):
    today = timezone.localdate()
    overdue = CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, next_follow_up_on=today - timedelta(2))
    mine.next_follow_up_on = today
    mine.save()
    CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, next_follow_up_on=today + timedelta(1))
    CustomerFactory(store=org.store_a1, owner_assistant=org.colleague, next_follow_up_on=today)
    CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, next_follow_up_on=today,
                    erased_at=timezone.now())
    assert list(profiles.follow_ups_due(user=org.user("assistant"))) == [overdue, mine]
    assert len(profiles.follow_ups_due(user=org.user("manager"))) == 3  # the whole store
    assert not profiles.follow_ups_due(user=org.user("other_store_assistant")).exists()


def test_clearing_the_due_date(org, mine):
    mine.next_follow_up_on = timezone.localdate()
    mine.save()
    profiles.follow_up_due_clear(customer=mine, actor=org.user("assistant"))
    assert Customer.objects.get(pk=mine.pk).next_follow_up_on is None


# --- After-sales ------------------------------------------------------------------------------------


def test_after_sales_case_is_recorded_and_resolved_once(org, mine):
    order = OrderFactory(customer=mine)
    record = profiles.after_sales_record_create(customer=mine, actor=org.user("assistant"), kind="repair",
                                                description=" 花洒漏水 ", order=order)
    assert (record.description, record.created_by, record.status) == ("花洒漏水", org.assistant, "open")
    profiles.after_sales_record_resolve(record=record, actor=org.user("assistant"))
    assert AfterSalesRecord.objects.get(pk=record.pk).resolved_at is not None
    with pytest.raises(CustomerError, match="already"):
        profiles.after_sales_record_resolve(record=record, actor=org.user("assistant"))


def test_after_sales_with_someone_elses_order_is_refused(org, mine):
    other_order = OrderFactory(customer=CustomerFactory(store=org.store_a1, owner_assistant=org.assistant))
    with pytest.raises(CustomerError, match="order"):
        profiles.after_sales_record_create(customer=mine, actor=org.user("assistant"), kind="repair",
                                           description="x", order=other_order)
    with pytest.raises(CustomerError):
        profiles.after_sales_record_create(customer=mine, actor=org.user("assistant"), kind="repair", description=" ")
    assert not AfterSalesRecord.objects.exists()
