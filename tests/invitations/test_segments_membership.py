"""Who is in each recommended segment, and why (INV-1); INV-5 selectable vs. not; erased customers."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.ledgers import points_add, points_spend, stored_value_spend, stored_value_top_up
from customers.models import Order
from invitations.errors import InvitationError
from invitations.segments import segment_customers, segment_not_selectable, segments_for_store
from stores.models import Role
from tests.factories import CustomerFactory, OrderFactory, StaffFactory

# Reasons are asserted in the source language (the catalogue translates them, e.g. "生日 11-28").
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


def _members(org, key, **kwargs):
    rows = segment_customers(key=key, store=org.store_a1, viewer=org.manager.user, **kwargs)
    return {c.pk: c.reason for c in rows}


def _mine(org, **kwargs):
    return CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, **kwargs)


def test_birthday_this_month_with_the_day_as_reason(org):
    today = timezone.localdate()
    this_month = _mine(org, birthday=date(1988, today.month, 1))
    other_month = _mine(org, birthday=date(1988, today.month % 12 + 1, 9))
    no_birthday = _mine(org)

    members = _members(org, "birthday_this_month")

    assert members[this_month.pk] == f"Birthday {today.month:02d}-01"
    assert other_month.pk not in members and no_birthday.pk not in members


def test_high_spenders_by_average_paid_order_this_month(org, settings):
    settings.INVITATIONS_HIGH_SPENDER_MIN_ORDER = 5000
    now = timezone.now()
    big = _mine(org)
    OrderFactory(customer=big, amount="8000.00", paid_at=now)
    OrderFactory(customer=big, amount="4000.00", paid_at=now)  # average 6000
    small_average = _mine(org)
    OrderFactory(customer=small_average, amount="6000.00", paid_at=now)
    OrderFactory(customer=small_average, amount="1000.00", paid_at=now)  # average 3500
    cancelled = _mine(org)
    OrderFactory(customer=cancelled, amount="9000.00", paid_at=now, status=Order.Status.CANCELLED)
    unpaid = _mine(org)
    OrderFactory(customer=unpaid, amount="9000.00", paid_at=None, status=Order.Status.PENDING)
    last_month = _mine(org)
    OrderFactory(customer=last_month, amount="9000.00", paid_at=now - timedelta(days=40))

    members = _members(org, "high_spenders_this_month")

    assert members == {big.pk: "Average order this month ¥6000"}


def test_stored_value_and_points_by_the_newest_balance(org):
    topped = _mine(org)
    stored_value_top_up(customer=topped, amount="1280")
    spent_out = _mine(org)
    stored_value_top_up(customer=spent_out, amount="100")
    stored_value_spend(customer=spent_out, amount="100")
    pointed = _mine(org)
    points_add(customer=pointed, points=3200)
    points_gone = _mine(org)
    points_add(customer=points_gone, points=50)
    points_spend(customer=points_gone, points=50)

    stored = _members(org, "stored_value")
    points = _members(org, "points")

    assert set(stored) == {topped.pk} and stored[topped.pk].startswith("Stored value ¥1280")
    assert points == {pointed.pk: "Points 3200"}


def test_dormant_bought_before_but_nothing_for_90_days(org):
    now = timezone.now()
    dormant = _mine(org)
    OrderFactory(customer=dormant, placed_at=now - timedelta(days=120))
    recent = _mine(org)
    OrderFactory(customer=recent, placed_at=now - timedelta(days=120))
    OrderFactory(customer=recent, placed_at=now - timedelta(days=10))
    never = _mine(org)
    only_cancelled = _mine(org)
    OrderFactory(customer=only_cancelled, placed_at=now - timedelta(days=120), status=Order.Status.CANCELLED)

    members = _members(org, "dormant")

    last = timezone.localtime(now - timedelta(days=120)).date()
    assert members == {dormant.pk: f"Last purchase {last:%Y-%m-%d}"}
    assert never.pk not in members


def test_coupon_segment_is_hidden_while_no_customer_holds_an_expiring_coupon(org):
    _mine(org, birthday=date(1990, timezone.localdate().month, 2))

    keys = [s["key"] for s in segments_for_store(store=org.store_a1, viewer=org.manager.user)]

    assert "coupon_expiring" not in keys and "birthday_this_month" in keys
    assert not segment_customers(key="coupon_expiring", store=org.store_a1, viewer=org.manager.user).exists()


def test_a_registered_builder_fills_the_coupon_segment(org, monkeypatch):
    from django.db.models import Q, Value

    from invitations import segments

    customer = _mine(org)
    monkeypatch.setitem(segments.BUILDERS, "coupon_expiring", lambda ctx: segments.SegmentQuery(
        condition=Q(pk=customer.pk), reason=Value("Coupon expires in 3 days")))

    assert _members(org, "coupon_expiring") == {customer.pk: "Coupon expires in 3 days"}


def test_customers_owned_outside_the_store_are_counted_apart_not_selectable(org):
    month = timezone.localdate().month
    mine = _mine(org, birthday=date(1990, month, 3))
    owned_elsewhere = CustomerFactory(store=org.store_a1, owner_assistant=org.other_store_assistant,
                                      birthday=date(1990, month, 4))
    unowned = CustomerFactory(store=org.store_a1, owner_assistant=None, birthday=date(1990, month, 5))
    left = StaffFactory(role=Role.ASSISTANT, store=org.store_a1, is_active=False)
    owner_left = CustomerFactory(store=org.store_a1, owner_assistant=left, birthday=date(1990, month, 6))

    listed = {s["key"]: s for s in segments_for_store(store=org.store_a1, viewer=org.manager.user)}
    members = _members(org, "birthday_this_month")
    apart = segment_not_selectable(key="birthday_this_month", store=org.store_a1, viewer=org.manager.user)

    assert listed["birthday_this_month"]["count"] == 1
    assert listed["birthday_this_month"]["not_selectable"] == 3
    assert set(members) == {mine.pk}
    assert {c.pk for c in apart} == {owned_elsewhere.pk, unowned.pk, owner_left.pk}


def test_erased_customers_are_in_no_segment(org):
    erased = _mine(org, birthday=date(1990, timezone.localdate().month, 3), erased_at=timezone.now())

    assert erased.pk not in _members(org, "birthday_this_month")


def test_only_the_store_customers_count(org):
    month = timezone.localdate().month
    here = _mine(org, birthday=date(1990, month, 3))
    CustomerFactory(store=org.store_a2, owner_assistant=org.other_store_assistant, birthday=date(1990, month, 3))

    listed = {s["key"]: s for s in segments_for_store(store=org.store_a1, viewer=org.manager.user)}

    assert listed["birthday_this_month"]["count"] == 1
    assert set(_members(org, "birthday_this_month")) == {here.pk}


@pytest.mark.parametrize("key", ["no_such_segment", ""])
def test_unknown_segment_is_refused(org, key):
    with pytest.raises(InvitationError):
        segment_customers(key=key, store=org.store_a1, viewer=org.manager.user)


def test_counts_take_the_same_queries_however_many_segments(org):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from invitations.models import Segment
    from invitations.segments import segment_assign

    _mine(org, birthday=date(1990, timezone.localdate().month, 3))
    stored_value_top_up(customer=_mine(org), amount=Decimal("10"))

    def queries():
        with CaptureQueriesContext(connection) as captured:
            segments_for_store(store=org.store_a1, viewer=org.manager.user)
        return len(captured)

    queries()  # the viewer's scope is computed once, on the first call
    six = queries()
    for n in range(3):
        segment_assign(segment=Segment.objects.create(key=f"c{n}", name=f"c{n}", kind=Segment.Kind.CUSTOM,
                                                      conditions=[{"field": "intent_grade", "op": "eq", "value": "A"}]),
                       store=None, now=timezone.now() - timedelta(days=2))
    nine = queries()

    # store, strategy, head office's contact interval, store staff, the counts query in its savepoint
    # (3; + "SET LOCAL jit" on PostgreSQL)
    assert six == nine <= 8


def test_a_store_without_active_staff_has_nobody_selectable(org):
    from tests.factories import StoreFactory

    store = StoreFactory(region=org.region_a)
    CustomerFactory(store=store, owner_assistant=org.assistant, birthday=date(1990, timezone.localdate().month, 3))

    listed = segments_for_store(store=store, viewer=org.hq.user)

    assert [(s["key"], s["count"], s["not_selectable"]) for s in listed] == [("birthday_this_month", 0, 1)]
    assert not segment_customers(key="birthday_this_month", store=store, viewer=org.hq.user).exists()


def test_an_assistant_sees_only_own_customers_in_segments(org):
    month = timezone.localdate().month
    mine = _mine(org, birthday=date(1990, month, 3))
    CustomerFactory(store=org.store_a1, owner_assistant=org.colleague, birthday=date(1990, month, 4))

    rows = segment_customers(key="birthday_this_month", store=org.store_a1, viewer=org.assistant.user)

    assert [c.pk for c in rows] == [mine.pk]


def test_one_segment_counts_match_the_store_list(org):
    from invitations.models import Segment
    from invitations.segments import segment_counts

    month = timezone.localdate().month
    _mine(org, birthday=date(1990, month, 3))
    CustomerFactory(store=org.store_a1, owner_assistant=None, birthday=date(1990, month, 4))

    one = segment_counts(Segment.objects.get(key="birthday_this_month"), store=org.store_a1, viewer=org.manager.user)
    listed = next(s for s in segments_for_store(store=org.store_a1, viewer=org.manager.user)
                  if s["key"] == "birthday_this_month")

    assert one == {"count": 1, "not_selectable": 1, "inviting": 0, "capped": 0}
    assert {k: listed[k] for k in one} == one
