"""The one customer FilterSet shared by the API, the workbench and the dashboard (CUS-1, CUS-4, CUS-5)."""

from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone

from customers.filters import CustomerFilter
from customers.models import Customer, CustomerTag

from ..factories import CustomerFactory
from .lists_data import tagged


def filtered(user, **params) -> set[int]:
    request = RequestFactory().get("/", params)
    request.user = user
    filterset = CustomerFilter(request.GET, queryset=Customer.objects.visible_to(user), request=request)
    assert filterset.is_valid(), filterset.errors
    return set(filterset.qs.values_list("pk", flat=True))


@pytest.fixture
def hq(org):
    return org.user("hq")


@pytest.fixture
def pair(org):
    """Two customers of the assistant that differ in every filtered field."""
    today = timezone.localdate()
    first = CustomerFactory(
        store=org.store_a1, owner_assistant=org.assistant, name="王芳", mobile="13912345678", community="滨江壹号",
        openid="o-first", unionid="u-first", intent_grade="A", source=Customer.Source.QR_SCAN,
        decoration_status=Customer.DecorationStatus.RENOVATING, is_wecom_friend=True, next_follow_up_on=today,
    )
    second = CustomerFactory(
        store=org.store_a1, owner_assistant=org.assistant, name="李强", mobile="13800009999", community="汇成新村",
        openid="o-second", unionid="u-second", intent_grade="C", source=Customer.Source.REFERRAL,
        decoration_status=Customer.DecorationStatus.FINISHED, is_wecom_friend=False,
        next_follow_up_on=today + timedelta(days=3), created_at=timezone.now() - timedelta(days=30),
    )
    return first, second


@pytest.mark.parametrize("params, expected", [
    ({"openid": "o-first"}, "first"),
    ({"unionid": "u-second"}, "second"),
    ({"intent_grade": "A"}, "first"),
    ({"source": "referral"}, "second"),
    ({"decoration_status": "renovating"}, "first"),
    ({"community": "汇成"}, "second"),
    ({"wecom_friend": "true"}, "first"),
    ({"q": "王"}, "first"),
    ({"q": "9999"}, "second"),  # the mobile's last digits
    ({"q": "滨江"}, "first"),  # the community
    ({"new_days": "7"}, "first"),
])
def test_each_filter_picks_the_matching_customer(hq, pair, params, expected):
    # Given two customers that differ in every field; when filtering on one field
    first, second = pair
    found = filtered(hq, **params) & {first.pk, second.pk}
    # then exactly the matching one is found
    assert found == {first.pk if expected == "first" else second.pk}


def test_several_grades_combine(hq, pair):
    first, second = pair
    assert filtered(hq, intent_grade=["A", "C"]) >= {first.pk, second.pk}
    assert not filtered(hq, intent_grade=["B", "D"]) & {first.pk, second.pk}


def test_due_means_today_or_overdue(hq, org):
    today = timezone.localdate()
    overdue = CustomerFactory(store=org.store_a1, next_follow_up_on=today - timedelta(days=2))
    due = CustomerFactory(store=org.store_a1, next_follow_up_on=today)
    later = CustomerFactory(store=org.store_a1, next_follow_up_on=today + timedelta(days=1))
    unplanned = CustomerFactory(store=org.store_a1)
    mine = {overdue.pk, due.pk, later.pk, unplanned.pk}
    assert filtered(hq, due="true") & mine == {overdue.pk, due.pk}
    assert filtered(hq, due="false") & mine == {later.pk, unplanned.pk}


def test_created_range(hq, pair):
    first, second = pair
    month_ago = (timezone.localdate() - timedelta(days=30)).isoformat()
    assert filtered(hq, created_before=month_ago) & {first.pk, second.pk} == {second.pk}
    assert filtered(hq, created_after=timezone.localdate().isoformat()) & {first.pk, second.pk} == {first.pk}


def test_tags_by_id_or_name_any_of_several(hq, pair):
    first, second = pair
    tagged(first, "厨房改造")
    tagged(second, "老客户", source=CustomerTag.Source.RULE)
    kitchen = CustomerTag.objects.get(customer=first).tag
    assert filtered(hq, tag="厨房改造") == {first.pk}
    assert filtered(hq, tag=str(kitchen.pk)) == {first.pk}
    assert filtered(hq, tag=["厨房改造", "老客户"]) == {first.pk, second.pk}
    assert filtered(hq, tag="没有这个标签") == set()


def test_store_region_and_owner(hq, org):
    assert filtered(hq, store=org.store_b1.pk) == set(
        Customer.objects.filter(store=org.store_b1).values_list("pk", flat=True))
    assert filtered(hq, region=org.region_a.pk) == set(
        Customer.objects.filter(store__region=org.region_a).values_list("pk", flat=True))
    assert filtered(hq, owner_assistant=org.colleague.pk) == set(
        Customer.objects.filter(owner_assistant=org.colleague).values_list("pk", flat=True))


def test_choices_come_from_the_callers_scope(org):
    # Given a manager of store A1: the form offers their store and its floor staff only
    request = RequestFactory().get("/", {"store": org.store_b1.pk})
    request.user = org.user("manager")
    filterset = CustomerFilter(request.GET, queryset=Customer.objects.visible_to(request.user), request=request)
    assert list(filterset.form.fields["store"].queryset) == [org.store_a1]
    assert set(filterset.form.fields["owner_assistant"].queryset) == {org.assistant, org.colleague}
    # and picking another region's store is an error, not a leak
    assert not filterset.is_valid()
    assert "store" in filterset.errors


@pytest.mark.parametrize("query, found", [
    ("5678", True),           # the last digits the masked number already shows
    ("13912345678", True),    # the whole number the customer tells at the counter
    ("45678", False),         # one hidden digit more: would let a search uncover the masked middle
    ("2345678", False),
    ("1391234", False),
])
def test_searching_digits_never_uncovers_the_masked_middle_of_a_number(hq, pair, query, found):
    first, _ = pair
    assert (first.pk in filtered(hq, q=query)) is found
