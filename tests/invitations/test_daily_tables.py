"""Seed 003's tables on the dashboard (INV-10) against a day built by hand: the evening review
(夕会), the operator's summary per day and store (操盘手汇总表), the successful invitations
followed to payment (成功邀约记录表) and the phone invitation log (电话邀约记录表)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from invitations import daily
from invitations.models import DailyTarget

from .daily_support import attempt, days_ago, local, pay, task_for

pytestmark = pytest.mark.django_db

DAY = days_ago(2)
BEFORE = DAY - timedelta(days=1)


@pytest.fixture
def day(org):
    """Day D at 上海徐汇 (store A1): the assistant calls four customers, the colleague one; one
    attempt the day before and one in another store must not count on D's review.

    assistant: c1 reached 10:00 (B), then "will visit" + group at 15:00 (B): one success
               c2 contact failed 11:00 (C)
               c3 WeCom friend, reached, will visit, group, 12:00 (A): one success
               c4 "will visit" the day before at 20:00, reached again on D 09:00: a call, no success on D
    colleague: c5 contact failed 16:00
    paid: c1 ¥1000 the next day (and ¥300 before the call, ¥500 nine days later: outside the window),
          c3 two orders ¥300 + ¥200 two days later, c4 ¥800 the next day (the day before's success).
    """
    c1, c2, c4 = task_for(org.manager, org.store_a1, [org.assistant] * 3, title="618 邀约")
    (c3,) = task_for(org.manager, org.store_a1, [org.assistant], title="618 邀约", is_wecom_friend=True)
    (c5,) = task_for(org.manager, org.store_a1, [org.colleague], title="618 邀约")
    (elsewhere,) = task_for(org.hq, org.store_a2, [org.other_store_assistant], title="杭州邀约")
    attempt(c1, contact="reached", grade="B", at=local(DAY, 10))
    attempt(c1, contact="reached", intent="yes", grade="B", group=True, at=local(DAY, 15))
    attempt(c2, contact="contact_failed", grade="C", at=local(DAY, 11))
    attempt(c3, contact="reached", intent="yes", grade="A", group=True, at=local(DAY, 12))
    attempt(c4, contact="reached", intent="yes", at=local(BEFORE, 20))
    attempt(c4, contact="reached", at=local(DAY, 9))
    attempt(c5, contact="contact_failed", at=local(DAY, 16))
    attempt(elsewhere, contact="reached", intent="yes", group=True, at=local(DAY, 14))
    pay(c1.customer, "300.00", local(DAY, 8))
    pay(c1.customer, "1000.00", local(DAY + timedelta(days=1), 18))
    pay(c1.customer, "500.00", local(DAY + timedelta(days=9), 10))
    pay(c3.customer, "300.00", local(DAY + timedelta(days=2), 11))
    pay(c3.customer, "200.00", local(DAY + timedelta(days=2), 12))
    pay(c4.customer, "800.00", local(DAY + timedelta(days=1), 10))
    DailyTarget.objects.create(store=org.store_a1, assistant=org.assistant, day=DAY, calls=3, group_invitations=1,
                               set_by=org.manager)
    return {"c1": c1, "c2": c2, "c3": c3, "c4": c4, "c5": c5}


def figures(row, keys=daily.FIGURES):
    return {key: row[key] for key in keys}


def test_evening_review_per_assistant_against_the_targets(org, day):
    review = daily.evening_review(store=org.store_a1, day=DAY)
    rows = {row["assistant"]: row for row in review["rows"]}
    assert set(rows) == {org.assistant, org.colleague}
    mine = rows[org.assistant]
    assert figures(mine) == {
        "calls": 4, "group_invitations": 2, "reached": 3, "contact_failed": 1,
        "grade_A": 1, "grade_B": 1, "grade_C": 1, "grade_D": 0, "successes": 2,
        "paying_customers": 2, "amount_paid": Decimal("1500.00"), "orders": 3,
    }
    assert mine["target"] == daily.Target(3, 1, True)
    assert (mine["calls_met"], mine["groups_met"], mine["behind"]) == (True, True, False)
    colleague = rows[org.colleague]
    assert (colleague["calls"], colleague["contact_failed"], colleague["successes"]) == (1, 1, 0)
    assert colleague["target"] == daily.Target(50, 30, False)  # head office's defaults
    assert (colleague["behind"], colleague["calls_short"], colleague["groups_short"]) == (True, 49, 30)
    total = review["total"]
    assert figures(total) == {
        "calls": 5, "group_invitations": 2, "reached": 3, "contact_failed": 2,
        "grade_A": 1, "grade_B": 1, "grade_C": 1, "grade_D": 0, "successes": 2,
        "paying_customers": 2, "amount_paid": Decimal("1500.00"), "orders": 3,
    }
    assert (total["target"].calls, total["target"].group_invitations) == (53, 31)


def test_the_day_before_has_its_own_success_and_payment(org, day):
    rows = {row["assistant"]: row for row in daily.evening_review(store=org.store_a1, day=BEFORE)["rows"]}
    mine = rows[org.assistant]
    assert (mine["calls"], mine["successes"], mine["paying_customers"], mine["amount_paid"]) == (
        1, 1, 1, Decimal("800.00"))
    assert mine["target"] == daily.Target(50, 30, False)


def test_evening_review_page_shows_the_table_in_chinese_and_prints(client, org, day):
    client.force_login(org.manager.user)
    page = client.get(reverse("invitations:daily_review"), {"day": DAY.isoformat()}).content.decode()
    assert "夕会" in page and "门店合计" in page and "达标" in page and "差 49" in page
    assert "¥1,500.00" in page
    assert "invitation_daily.css" in page  # the print stylesheet
    assert org.assistant.name in page and org.colleague.name in page
    assert reverse("invitations:daily_remind", args=[org.colleague.pk]) not in page  # no reminder for a past day


def test_summary_per_day_and_store_with_drill_down(org, day):
    stores = org.store_a1.__class__.objects.filter(pk__in=[org.store_a1.pk, org.store_a2.pk, org.store_b1.pk])
    summary = daily.daily_summary(stores=stores, start=BEFORE, end=DAY)
    assert [d["day"] for d in summary["days"]] == [DAY, BEFORE]
    rows = {(row["store"].pk, d["day"]): row for d in summary["days"] for row in d["rows"]}
    a1 = rows[(org.store_a1.pk, DAY)]
    # the same figures as the store total of the evening review
    assert figures(a1) == figures(daily.evening_review(store=org.store_a1, day=DAY)["total"])
    assert (a1["target"].calls, a1["target"].group_invitations, a1["assistants"]) == (53, 31, 2)
    before = rows[(org.store_a1.pk, BEFORE)]
    assert (before["calls"], before["successes"], before["amount_paid"]) == (1, 1, Decimal("800.00"))
    assert (before["target"].calls, before["target"].group_invitations) == (100, 60)  # 2 assistants × defaults
    a2 = rows[(org.store_a2.pk, DAY)]
    assert (a2["calls"], a2["group_invitations"], a2["successes"], a2["target"].calls) == (1, 1, 1, 50)
    quiet = rows[(org.store_b1.pk, DAY)]
    assert (quiet["calls"], quiet["behind"]) == (0, True)  # a store that did nothing is there too
    assert summary["days"][0]["total"]["calls"] == 6
    assert summary["total"]["calls"] == 7 and summary["total"]["amount_paid"] == Decimal("2300.00")


@pytest.mark.parametrize("role, stores", [
    ("hq", {"徐汇店", "杭州店", "北京店"}), ("supervisor", {"徐汇店", "杭州店"}), ("manager", {"徐汇店"}),
])
def test_summary_page_shows_the_stores_in_scope(client, org, day, role, stores):
    client.force_login(org.user(role))
    response = client.get(reverse("invitations:daily_summary"), {"start": BEFORE.isoformat(), "end": DAY.isoformat()})
    assert response.status_code == 200
    shown = {row["store"].name for d in response.context["result"]["days"] for row in d["rows"]}
    assert shown == stores
    page = response.content.decode()
    assert "操盘手汇总" in page and "期间合计" in page
    review = reverse("invitations:daily_review") + f"?store={org.store_a1.pk}&amp;day={DAY.isoformat()}"
    assert review in page


def test_successful_invitations_followed_to_payment(client, org, day):
    result = daily.successful_invitations(store=org.store_a1, start=BEFORE, end=DAY)
    rows = {row.customer_id: row for row in result["rows"]}
    assert set(rows) == {day["c1"].customer_id, day["c3"].customer_id, day["c4"].customer_id}
    c1, c3, c4 = rows[day["c1"].customer_id], rows[day["c3"].customer_id], rows[day["c4"].customer_id]
    assert c1.success_at == local(DAY, 15) and c1.in_group and c1.paid_amount == Decimal("1000.00")
    assert (c3.paid_amount, c3.paid_orders, c3.in_group) == (Decimal("500.00"), 2, True)
    assert (c4.success_at, c4.in_group) == (local(BEFORE, 20), False)
    assert result["totals"] == {"successes": 3, "paying_customers": 3, "amount_paid": Decimal("2300.00"),
                                "orders": 4}
    client.force_login(org.manager.user)
    page = client.get(reverse("invitations:daily_successes"),
                      {"start": BEFORE.isoformat(), "end": DAY.isoformat()}).content.decode()
    assert "成功邀约" in page and "¥1,000.00" in page and "618 邀约" in page
    customer = day["c1"].customer
    assert customer.masked_mobile in page and customer.mobile not in page
    only_colleague = client.get(reverse("invitations:daily_successes"), {
        "start": BEFORE.isoformat(), "end": DAY.isoformat(), "assistant": org.colleague.pk})
    assert "这段时间没有成功邀约" in only_colleague.content.decode()


@pytest.mark.parametrize("query, count", [
    ({}, 6), ({"grade": "B"}, 2), ({"contact": "contact_failed"}, 2), ({"channel": "wecom"}, 1),
])
def test_phone_invitation_log_of_the_day_filtered(client, org, day, query, count):
    client.force_login(org.manager.user)
    response = client.get(reverse("invitations:daily_log"), {"day": DAY.isoformat(), **query})
    assert len(response.context["rows"]) == count
    assert "电话邀约记录" in response.content.decode()


def test_phone_invitation_log_by_assistant_as_an_htmx_table(client, org, day):
    client.force_login(org.manager.user)
    response = client.get(reverse("invitations:daily_log"), {"day": DAY.isoformat(), "assistant": org.colleague.pk},
                          HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body and "1 次邀约" in body and org.colleague.name in body
    assert [a.customer_id for a in response.context["rows"]] == [day["c5"].customer_id]


def test_the_log_refuses_an_assistant_of_another_store(client, org, day):
    client.force_login(org.manager.user)
    response = client.get(reverse("invitations:daily_log"),
                          {"day": DAY.isoformat(), "assistant": org.other_store_assistant.pk})
    assert response.context["rows"] == []
