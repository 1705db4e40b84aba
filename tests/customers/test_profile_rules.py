"""The rule engine (CUS-4, reused by INV-2 segments): each field matches the right customers in
SQL, conditions are ANDed, a customer appears once, and bad conditions get a clear error."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.models import CustomerTag, Order, PointsEntry, ScanEvent, StoredValueEntry
from customers.rules import (FIELDS, RuleError, RuleField, conditions_validate, customers_matching, field_catalogue,
                             field_register)
from stores.services import qr_code_for
from tests.factories import CustomerFactory, OrderFactory, TagFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


def matching(conditions, **kwargs) -> set:
    return set(customers_matching(conditions, **kwargs).values_list("pk", flat=True))


@pytest.fixture
def store(org):
    return org.store_a1


def make(store, **fields):
    return CustomerFactory(store=store, **fields).pk


@pytest.mark.parametrize("condition, yes, no", [
    ({"field": "community", "op": "eq", "value": "万科城"}, {"community": "万科城"}, {"community": "万科城二期"}),
    ({"field": "community", "op": "contains", "value": "万科"}, {"community": "万科城二期"}, {"community": "保利"}),
    ({"field": "community", "op": "in", "value": ["保利", "绿地"]}, {"community": "绿地"}, {"community": "万科"}),
    ({"field": "decoration_status", "op": "eq", "value": "renovating"}, {"decoration_status": "renovating"},
     {"decoration_status": "finished"}),
    ({"field": "decoration_status", "op": "ne", "value": "finished"}, {"decoration_status": "planning"},
     {"decoration_status": "finished"}),
    ({"field": "intent_grade", "op": "in", "value": ["A", "B"]}, {"intent_grade": "B"}, {"intent_grade": "C"}),
    ({"field": "intent_grade", "op": "eq", "value": ""}, {"intent_grade": ""}, {"intent_grade": "A"}),
    ({"field": "gender", "op": "eq", "value": "f"}, {"gender": "f"}, {"gender": "m"}),
    ({"field": "source", "op": "in", "value": ["qr_scan"]}, {"source": "qr_scan"}, {"source": "import"}),
    ({"field": "wecom_friend", "op": "eq", "value": True}, {"is_wecom_friend": True}, {"is_wecom_friend": False}),
    ({"field": "age", "op": "between", "value": [30, 40]}, {"age": 30}, {"age": 41}),
    ({"field": "age", "op": "gte", "value": 60}, {"age": 60}, {"age": 59}),
    ({"field": "birthday_month", "op": "eq", "value": 5}, {"birthday": date(1990, 5, 31)},
     {"birthday": date(1990, 6, 1)}),
    ({"field": "birthday_month", "op": "in", "value": [1, 2]}, {"birthday": date(1985, 2, 3)}, {"birthday": None}),
])
def test_each_profile_field_matches_only_its_customers(store, condition, yes, no):
    hit, miss = make(store, **yes), make(store, **no)
    assert matching([condition]) & {hit, miss} == {hit}


def test_age_from_the_birthday_when_no_age_was_given(store):
    today = timezone.localdate()
    thirty = make(store, birthday=today.replace(year=today.year - 30))
    almost_thirty = make(store, birthday=today.replace(year=today.year - 30) + timedelta(days=1))
    forty_one = make(store, birthday=today.replace(year=today.year - 41))
    stated = make(store, age=35, birthday=today.replace(year=today.year - 60))  # the stated age wins
    assert matching([{"field": "age", "op": "between", "value": [30, 40]}]) == {thirty, stated}
    assert almost_thirty not in matching([{"field": "age", "op": "gte", "value": 30}])
    assert forty_one in matching([{"field": "age", "op": "gte", "value": 30}])


def test_birthday_this_month(store):
    today = timezone.localdate()
    now = make(store, birthday=date(1980, today.month, 1))
    other = make(store, birthday=date(1980, today.month % 12 + 1, 1))
    assert matching([{"field": "birthday_month", "op": "this_month"}]) & {now, other} == {now}


def test_house_handover_in_the_next_or_last_days(store):
    today = timezone.localdate()
    soon = make(store, house_handover_on=today + timedelta(days=20))
    later = make(store, house_handover_on=today + timedelta(days=40))
    past = make(store, house_handover_on=today - timedelta(days=10))
    assert matching([{"field": "house_handover", "op": "within_days", "value": 30}]) == {soon}
    assert matching([{"field": "house_handover", "op": "past_days", "value": 30}]) == {past}
    assert later not in matching([{"field": "house_handover", "op": "past_days", "value": 365}])


def test_tags_by_name_or_id_has_all_any_and_not(store):
    kitchen, bath = TagFactory(name="厨房"), TagFactory(name="卫浴")
    both, only_kitchen, none = make(store), make(store), make(store)
    for customer_id, tags in ((both, [kitchen, bath]), (only_kitchen, [kitchen])):
        for tag in tags:
            CustomerTag.objects.create(customer_id=customer_id, tag=tag)
    scope = {both, only_kitchen, none}
    assert matching([{"field": "tag", "op": "has", "value": ["厨房", bath.pk]}]) & scope == {both}
    assert matching([{"field": "tag", "op": "has_any", "value": ["卫浴", "厨房"]}]) & scope == {both, only_kitchen}
    assert matching([{"field": "tag", "op": "has_not", "value": "卫浴"}]) & scope == {only_kitchen, none}


def test_store(org):
    a1, b1 = make(org.store_a1), make(org.store_b1)
    assert matching([{"field": "store", "op": "eq", "value": org.store_b1.pk}]) & {a1, b1} == {b1}
    assert matching([{"field": "store", "op": "ne", "value": [org.store_b1.pk]}]) & {a1, b1} == {a1}


def test_orders_count_and_amount_within_days_without_cancelled(store):
    now = timezone.now()
    big, small, old, cancelled, never = (CustomerFactory(store=store) for _ in range(5))
    OrderFactory(customer=big, amount="15000", placed_at=now - timedelta(days=10))
    OrderFactory(customer=big, amount="8000", placed_at=now - timedelta(days=50))
    OrderFactory(customer=small, amount="500", placed_at=now - timedelta(days=5))
    OrderFactory(customer=old, amount="50000", placed_at=now - timedelta(days=200))
    OrderFactory(customer=cancelled, amount="30000", placed_at=now, status=Order.Status.CANCELLED)
    scope = {c.pk for c in (big, small, old, cancelled, never)}
    spent = [{"field": "orders_amount", "op": "gte", "value": 20000, "days": 90}]
    assert matching(spent) & scope == {big.pk}
    assert matching([{"field": "orders_amount", "op": "gte", "value": "20000"}]) & scope == {big.pk, old.pk}
    assert matching([{"field": "orders_count", "op": "gte", "value": 2, "days": 90}]) & scope == {big.pk}
    # Zero orders count as zero, not as unknown.
    assert matching([{"field": "orders_count", "op": "eq", "value": 0, "days": 90}]) & scope == {
        old.pk, cancelled.pk, never.pk}
    assert matching([{"field": "orders_amount", "op": "lt", "value": 1000, "days": 30}]) & scope == {
        small.pk, old.pk, cancelled.pk, never.pk}


def test_dormant_recent_and_never_bought(store):
    now = timezone.now()
    recent, dormant, never = (CustomerFactory(store=store) for _ in range(3))
    OrderFactory(customer=recent, placed_at=now - timedelta(days=3))
    OrderFactory(customer=dormant, placed_at=now - timedelta(days=120))
    scope = {recent.pk, dormant.pk, never.pk}
    assert matching([{"field": "last_order", "op": "older_than_days", "value": 90}]) & scope == {dormant.pk}
    assert matching([{"field": "last_order", "op": "within_days", "value": 90}]) & scope == {recent.pk}
    assert matching([{"field": "last_order", "op": "never"}]) & scope == {never.pk}


def test_scanned_within_days(org, store):
    code = qr_code_for(org.assistant)
    fresh, stale, never = (CustomerFactory(store=store) for _ in range(3))
    for customer, days in ((fresh, 2), (stale, 40)):
        ScanEvent.objects.create(qr_code=code, customer=customer, target_type="staff", target_id=org.assistant.pk,
                                 channel="oauth", scanned_at=timezone.now() - timedelta(days=days))
    scope = {fresh.pk, stale.pk, never.pk}
    assert matching([{"field": "scanned", "op": "within_days", "value": 7}]) & scope == {fresh.pk}
    assert matching([{"field": "scanned", "op": "not_within_days", "value": 7}]) & scope == {stale.pk, never.pk}


def test_balances_are_the_newest_entrys_balance_after(store):
    rich, spent, none = (CustomerFactory(store=store) for _ in range(3))
    PointsEntry.objects.create(customer=rich, seq=1, kind="earn_order", delta=500, balance_after=500)
    PointsEntry.objects.create(customer=spent, seq=1, kind="earn_order", delta=800, balance_after=800)
    PointsEntry.objects.create(customer=spent, seq=2, kind="redeem", delta=-750, balance_after=50)
    StoredValueEntry.objects.create(customer=rich, seq=1, kind="top_up", delta=Decimal("1000"),
                                    balance_after=Decimal("1000"))
    StoredValueEntry.objects.create(customer=rich, seq=2, kind="spend", delta=Decimal("-999.50"),
                                    balance_after=Decimal("0.50"))
    scope = {rich.pk, spent.pk, none.pk}
    assert matching([{"field": "points_balance", "op": "gt", "value": 100}]) & scope == {rich.pk}
    assert matching([{"field": "points_balance", "op": "eq", "value": 0}]) & scope == {none.pk}
    assert matching([{"field": "stored_value_balance", "op": "gt", "value": 0}]) & scope == {rich.pk}
    assert matching([{"field": "stored_value_balance", "op": "gt", "value": "0.5"}]) & scope == set()


def test_conditions_are_anded_and_each_customer_appears_once(store):
    tag = TagFactory(name="老客户")
    target = CustomerFactory(store=store, intent_grade="A", community="万科城")
    OrderFactory.create_batch(3, customer=target)
    CustomerTag.objects.create(customer=target, tag=tag)
    CustomerFactory(store=store, intent_grade="A", community="保利")
    conditions = [{"field": "intent_grade", "op": "eq", "value": "A"},
                  {"field": "community", "op": "contains", "value": "万科"},
                  {"field": "orders_count", "op": "gte", "value": 1},
                  {"field": "tag", "op": "has", "value": ["老客户"]}]
    assert list(customers_matching(conditions).values_list("pk", flat=True)) == [target.pk]


def test_one_query_however_many_customers_and_conditions(store):
    for n in range(20):
        OrderFactory(customer=CustomerFactory(store=store, intent_grade="AB"[n % 2]))
    conditions = [{"field": "intent_grade", "op": "eq", "value": "A"},
                  {"field": "orders_amount", "op": "gte", "value": 1, "days": 30},
                  {"field": "points_balance", "op": "gte", "value": 0},
                  {"field": "scanned", "op": "not_within_days", "value": 7}]
    queryset = customers_matching(conditions)
    with CaptureQueriesContext(connection) as queries:
        assert len(list(queryset)) == 10
    assert len(queries) == 1


def test_the_scope_queryset_is_kept(org):
    mine = make(org.store_a1, owner_assistant=org.assistant, intent_grade="A")
    make(org.store_b1, intent_grade="A")
    from customers.models import Customer

    visible = Customer.objects.visible_to(org.user("assistant"))
    assert matching([{"field": "intent_grade", "op": "eq", "value": "A"}], queryset=visible) == {mine}


@pytest.mark.parametrize("conditions, message", [
    ("intent_grade=A", "list"),
    ([], "at least one"),
    (["intent_grade"], "object"),
    ([{"field": "shoe_size", "op": "eq", "value": 42}], "shoe_size"),
    ([{"field": "intent_grade", "op": "gt", "value": "A"}], "gt"),
    ([{"field": "intent_grade", "op": "eq", "value": "E"}], "intent_grade"),
    ([{"field": "age", "op": "between", "value": [50, 20]}], "age"),
    ([{"field": "age", "op": "gte", "value": "old"}], "age"),
    ([{"field": "birthday_month", "op": "eq", "value": 13}], "birthday_month"),
    ([{"field": "orders_amount", "op": "gte", "value": "lots"}], "orders_amount"),
    ([{"field": "orders_amount", "op": "gte", "value": -5}], "orders_amount"),
    ([{"field": "orders_count", "op": "gte", "value": True}], "orders_count"),
    ([{"field": "orders_count", "op": "gte", "value": 1, "days": 0}], "days"),
    ([{"field": "community", "op": "eq", "value": "x", "days": 3}], "days"),
    ([{"field": "tag", "op": "has", "value": ["no such tag"]}], "no such tag"),
    ([{"field": "store", "op": "eq", "value": 999999}], "999999"),
    ([{"field": "community", "op": "eq", "value": "x", "colour": "red"}], "colour"),
    ([{"field": "house_handover", "op": "within_days", "value": 0}], "house_handover"),
])
def test_bad_conditions_get_a_clear_error(org, conditions, message):
    with pytest.raises(RuleError, match=message):
        conditions_validate(conditions)
    with pytest.raises(RuleError):
        customers_matching(conditions)


def test_validation_returns_clean_conditions(org):
    tag = TagFactory(name="厨房")
    cleaned = conditions_validate([{"field": "tag", "op": "has", "value": "厨房"},
                                   {"field": "orders_amount", "op": "gte", "value": 20000.5, "days": "90"}])
    assert cleaned == [{"field": "tag", "op": "has", "value": [tag.pk]},
                       {"field": "orders_amount", "op": "gte", "value": "20000.5", "days": 90}]


def test_other_apps_register_their_own_fields(store):
    """How promotions plugs in "coupon expiring soon" later: one RuleField, same engine."""
    from django.db.models import Q

    field_register(RuleField("vip_name", "VIP by name", {"eq": lambda v: str(v)},
                             lambda op, value, days, ctx: Q(name__startswith=value), group="test"))
    try:
        vip = make(store, name="VIP张")
        assert matching([{"field": "vip_name", "op": "eq", "value": "VIP"}]) == {vip}
        assert any(f["field"] == "vip_name" for f in field_catalogue())
    finally:
        FIELDS.pop("vip_name")
