"""Invitation metrics by region, store, assistant and task (INV-9): the figures are the task
results' (INV-7) over the entries in the user's scope, for a period of dispatch, in a constant
number of queries; the API serves them scoped, and floor staff read only their own entries'."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.http import QueryDict
from rest_framework.test import APIClient

from invitations.metrics import metrics_filter, metrics_table
from invitations.models import InvitationEntry
from invitations.selectors import entry_payments, task_results, with_payments
from tests.factories import StaffFactory

from .metrics_world import NOVEMBER, build_world, local, make_entry, make_task, pay

pytestmark = pytest.mark.django_db

METRICS = "/api/v1/invitations/metrics/"
FIGURES = ("customers", "control", "invited", "with_intent", "without_intent", "awaiting_feedback",
           "contact_failed", "paying_customers", "amount_paid", "orders")


@pytest.fixture
def world(org):
    return build_world(org)


def table(user, by, **params):
    query = QueryDict(mutable=True)
    query.update(params)
    filterset = metrics_filter(user, query)
    assert filterset.is_valid(), filterset.errors
    return metrics_table(filterset.qs, by=by)


def figures(row) -> tuple:
    return tuple(row[key] for key in FIGURES)


def by_key(result) -> dict:
    return {row["key"]: row for row in result["rows"]}


def api(org, role):
    client = APIClient()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_authenticate(org.user(role))
    return client


# --- Figures per grouping ---------------------------------------------------------------------

def test_figures_per_task_match_the_task_results(org, world):
    rows = by_key(table(org.hq.user, "task", **NOVEMBER))
    t = world.tasks
    assert set(rows) == {t[1].pk, t[2].pk, t[3].pk, t[4].pk}  # t5 was dispatched in October
    # t1: the 500.50 at exactly 7 days counts, the 800 at 7 days and a second does not, nor the
    # 99 before the feedback, nor the failed contact's 700; e7's 400 belongs to its later t2 invitation
    assert figures(rows[t[1].pk]) == (5, 3, 3, 2, 1, 1, 1, 1, Decimal("1500.50"), 2)
    assert figures(rows[t[2].pk]) == (2, 0, 1, 1, 0, 1, 0, 1, Decimal("400.00"), 1)
    for task in (t[1], t[2]):
        results = task_results(task)["totals"]
        assert figures(rows[task.pk]) == figures(results), "one implementation, the same figures"
    assert rows[t[1].pk]["name"] == "A1 生日邀约" and rows[t[1].pk]["store_name"] == org.store_a1.name


def test_control_group_comparison_where_a_control_exists(org, world):
    rows = by_key(table(org.hq.user, "task", **NOVEMBER))
    # invited: e1, e3, e7 paid within 7 days of dispatch (3 of 5); control: c1 (1 of 3)
    assert rows[world.tasks[1].pk]["lift"] == {
        "invited_customers": 5, "invited_paying": 3, "invited_rate": Decimal("0.6000"),
        "control_customers": 3, "control_paying": 1, "control_rate": Decimal("0.3333"),
        "lift": Decimal("0.2667"),
    }
    assert rows[world.tasks[2].pk]["lift"] is None  # no control group held back


def test_figures_per_store_and_region_and_totals(org, world):
    stores = by_key(table(org.hq.user, "store", **NOVEMBER))
    assert figures(stores[org.store_a1.pk]) == (7, 3, 4, 3, 1, 2, 1, 2, Decimal("1900.50"), 3)
    assert figures(stores[org.store_a2.pk]) == (1, 0, 1, 1, 0, 0, 0, 1, Decimal("2000.00"), 1)
    assert figures(stores[org.store_b1.pk]) == (1, 0, 1, 1, 0, 0, 0, 1, Decimal("5000.00"), 1)
    # the store's comparison is its t1 alone: t2 held nobody back and does not dilute it
    assert stores[org.store_a1.pk]["lift"]["invited_customers"] == 5
    regions = table(org.hq.user, "region", **NOVEMBER)
    by_region = by_key(regions)
    assert [row["name"] for row in regions["rows"]] == ["华东区", "华北区"]
    assert figures(by_region[org.region_a.pk]) == (8, 3, 5, 4, 1, 2, 1, 3, Decimal("3900.50"), 4)
    assert by_region[org.region_b.pk]["amount_paid"] == Decimal("5000.00")
    assert figures(regions["totals"]) == (9, 3, 6, 5, 1, 2, 1, 4, Decimal("8900.50"), 5)


def test_figures_per_assistant_count_a_payment_once(org, world):
    rows = by_key(table(org.hq.user, "assistant", **NOVEMBER))
    # e7 and e8 are the same customer: one paying customer, the 400 once
    assert figures(rows[org.assistant.pk]) == (4, 1, 4, 3, 1, 0, 0, 2, Decimal("1900.50"), 3)
    assert rows[org.assistant.pk]["lift"]["lift"] == Decimal("-0.3333")
    assert figures(rows[org.colleague.pk]) == (3, 2, 0, 0, 0, 2, 1, 0, Decimal("0"), 0)
    assert rows[org.colleague.pk]["lift"]["lift"] == Decimal("0.5000")
    assert rows[world.north.pk]["amount_paid"] == Decimal("5000.00")
    assert rows[org.assistant.pk]["job_number"] == org.assistant.job_number


def test_period_is_the_dispatch_date_in_store_days(org, world):
    late = make_task(org, org.store_a2, "月末最后一单", local(11, 30, 23, 30))
    early = make_task(org, org.store_a2, "十二月第一单", local(12, 1, 0, 10))
    for task in (late, early):
        make_entry(task, org.other_store_assistant)
    november = by_key(table(org.hq.user, "task", **NOVEMBER))
    assert late.pk in november and early.pk not in november
    december = by_key(table(org.hq.user, "task", **{"from": "2026-12-01"}))
    assert set(december) == {early.pk}
    everything = table(org.hq.user, "store")
    assert everything["totals"]["amount_paid"] == Decimal("9000.50")  # October's t5 too


def test_status_store_and_region_filters(org, world):
    ended = table(org.hq.user, "task", status="ended", **NOVEMBER)
    assert list(by_key(ended)) == [world.tasks[1].pk]
    assert ended["totals"]["amount_paid"] == Decimal("1500.50")
    in_a2 = table(org.hq.user, "assistant", store=str(org.store_a2.pk), **NOVEMBER)
    assert list(by_key(in_a2)) == [org.other_store_assistant.pk]
    in_b = table(org.hq.user, "store", region=str(org.region_b.pk), **NOVEMBER)
    assert list(by_key(in_b)) == [org.store_b1.pk]


def test_each_entry_brings_what_the_same_rule_gives(org, world):
    e = world.entries
    expected = {e[1].pk: (Decimal("1500.50"), 2), e[8].pk: (Decimal("400.00"), 1),
                e[10].pk: (Decimal("2000.00"), 1), e[11].pk: (Decimal("5000.00"), 1),
                e[12].pk: (Decimal("100.00"), 1)}
    grouped = entry_payments(InvitationEntry.objects.all())
    assert {pk: (row["paid_amount"], row["paid_orders"]) for pk, row in grouped.items()} == expected
    annotated = {x.pk: (x.paid_amount, x.paid_orders) for x in with_payments(InvitationEntry.objects.all())}
    assert {pk: v for pk, v in annotated.items() if v[0]} == expected
    assert annotated[e[7].pk] == (None, 0) and annotated[e[2].pk] == (None, 0)


# --- Scope ------------------------------------------------------------------------------------

def test_supervisor_sees_their_region_only(org, world):
    result = table(org.supervisor.user, "store", **NOVEMBER)
    assert set(by_key(result)) == {org.store_a1.pk, org.store_a2.pk}
    assert result["totals"]["amount_paid"] == Decimal("3900.50")
    query = QueryDict(mutable=True)
    query["store"] = str(org.store_b1.pk)
    assert not metrics_filter(org.supervisor.user, query).is_valid()  # another region's store


def test_manager_sees_their_store_only(org, world):
    result = table(org.manager.user, "assistant", **NOVEMBER)
    assert set(by_key(result)) == {org.assistant.pk, org.colleague.pk}
    assert result["totals"]["amount_paid"] == Decimal("1900.50")
    tasks = by_key(table(org.manager.user, "task", **NOVEMBER))
    assert set(tasks) == {world.tasks[1].pk, world.tasks[2].pk}
    # an outside assistant's or task's id matches nothing
    assert table(org.manager.user, "task", assistant=str(world.north.pk))["rows"] == []
    assert table(org.manager.user, "store", task=str(world.tasks[3].pk))["rows"] == []


@pytest.mark.parametrize("role, by, keys", [
    ("hq", "region", lambda o: {o.region_a.pk, o.region_b.pk}),
    ("hq", "store", lambda o: {o.store_a1.pk, o.store_a2.pk, o.store_b1.pk}),
    ("supervisor", "store", lambda o: {o.store_a1.pk, o.store_a2.pk}),
    ("manager", "store", lambda o: {o.store_a1.pk}),
])
def test_api_rows_per_role(org, world, role, by, keys):
    response = api(org, role).get(METRICS, {"by": by, **NOVEMBER})
    assert response.status_code == 200, response.data
    assert {row["id"] for row in response.data["rows"]} == keys(org)


def test_api_figures_as_drf_decimals_with_the_control_comparison(org, world):
    data = api(org, "manager").get(METRICS, {"by": "task", **NOVEMBER}).data
    rows = {row["id"]: row for row in data["rows"]}
    first = rows[world.tasks[1].pk]
    assert (first["name"], first["status"], first["amount_paid"], first["orders"]) == (
        "A1 生日邀约", "ended", "1500.50", 2)
    assert first["control_comparison"]["lift"] == "0.2667"
    assert rows[world.tasks[2].pk]["control_comparison"] is None
    assert data["totals"]["amount_paid"] == "1900.50" and data["totals"]["customers"] == 7


@pytest.mark.parametrize("role, params", [
    ("supervisor", {"by": "region"}),  # regions are head office's view
    ("manager", {"by": "region"}),
    ("manager", {"by": "store", "store": "B1"}),  # another store: not a choice
    ("hq", {"by": "store", "from": "30/11/2026"}),
])
def test_api_refuses_what_the_caller_cannot_ask_with_400(org, world, role, params):
    if params.get("store") == "B1":
        params = {**params, "store": org.store_b1.pk}
    assert api(org, role).get(METRICS, params).status_code == 400


@pytest.mark.parametrize("role", ["partner", "outsider"])
def test_api_is_for_staff(org, world, role):
    assert api(org, role).get(METRICS).status_code == 403


def test_api_gives_an_assistant_their_own_entries_without_the_control_group(org, world):
    response = api(org, "assistant").get(METRICS, {"by": "task", **NOVEMBER})
    rows = {row["id"]: row for row in response.data["rows"]}
    assert set(rows) == {world.tasks[1].pk, world.tasks[2].pk}
    assert (rows[world.tasks[1].pk]["customers"], rows[world.tasks[1].pk]["control"],
            rows[world.tasks[1].pk]["amount_paid"]) == (3, 0, "1500.50")
    assert rows[world.tasks[1].pk]["control_comparison"] is None
    assert response.data["totals"]["customers"] == 4
    assert api(org, "assistant").get(METRICS, {"by": "store"}).status_code == 400


# --- The task detail API: floor staff read their own figures -----------------------------------

def test_task_detail_gives_floor_staff_only_their_own_figures(org, world):
    url = f"/api/v1/invitations/tasks/{world.tasks[1].pk}/"
    mine = api(org, "assistant").get(url).data
    assert (mine["customer_count"], mine["control_count"], mine["invited_count"]) == (3, 0, 3)
    metrics = mine["metrics"]
    assert (metrics["customers"], metrics["invited"], metrics["amount_paid"]) == (3, 3, "1500.50")
    assert [row["assistant_id"] for row in metrics["per_assistant"]] == [org.assistant.pk]
    assert metrics["control"] is None  # "control" is the comparison, which floor staff never get
    whole = api(org, "manager").get(url).data
    assert (whole["customer_count"], whole["control_count"]) == (5, 3)
    assert (whole["metrics"]["customers"], whole["metrics"]["contact_failed"]) == (5, 1)
    assert {row["assistant_id"] for row in whole["metrics"]["per_assistant"]} == {org.assistant.pk,
                                                                                 org.colleague.pk}
    assert whole["metrics"]["control"] is not None  # the comparison, for managers and up


def test_task_list_counts_are_the_assistants_own(org, world):
    rows = {t["id"]: t for t in api(org, "assistant").get("/api/v1/invitations/tasks/").data["results"]}
    assert (rows[world.tasks[2].pk]["customer_count"], rows[world.tasks[2].pk]["awaiting_count"]) == (1, 0)


# --- Query counts -----------------------------------------------------------------------------

def grow(org, world, n: int):
    """n more tasks over every store and assistant, with feedback, payments and a control group."""
    owners = [org.assistant, org.colleague, org.other_store_assistant, world.north]
    for i in range(n):
        owner = owners[i % len(owners)]
        task = make_task(org, owner.store, f"加量 {i}", local(11, 1 + i % 28), control_share="0.2")
        for j in range(3):
            entry = make_entry(task, owner, contact="reached", intent="yes", feedback_at=task.created_at,
                               control=j == 2)
            pay(entry.customer, "10.00", task.created_at + timedelta(days=1))
        StaffFactory(role=owner.role, store=owner.store)  # more staff, none with entries


@pytest.mark.parametrize("by", ["region", "store", "assistant", "task"])
def test_metrics_cost_six_queries_whatever_the_size(org, world, by, django_assert_max_num_queries):
    # groups and totals: counts, payments, control comparison each
    filterset = metrics_filter(org.hq.user, QueryDict("from=2026-11-01&to=2026-11-30"))
    assert filterset.is_valid()
    with django_assert_max_num_queries(6):
        small = metrics_table(filterset.qs, by=by)
    grow(org, world, 12)
    with django_assert_max_num_queries(6):
        large = metrics_table(filterset.qs, by=by)
    assert large["totals"]["customers"] == small["totals"]["customers"] + 24


def test_task_results_cost_six_queries(org, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        task_results(world.tasks[1])
