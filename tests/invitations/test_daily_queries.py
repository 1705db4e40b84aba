"""Seed 003's tables cost the same number of queries for one assistant with one call as for many
assistants with many calls over many days (aggregate queries, no query per row)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from stores.models import Role
from tests.factories import StaffFactory

from .daily_support import attempt, days_ago, local, pay, task_for

pytestmark = pytest.mark.django_db

DAY = days_ago(1)


def busy_day(org, store, assistants, *, customers_each: int, days: int):
    """Every assistant calls ``customers_each`` customers on each of ``days`` days up to DAY, half
    of them successfully with a payment, half of those asked into the group."""
    for n in range(days):
        when = DAY - timedelta(days=n)
        for assistant in assistants:
            for i, entry in enumerate(task_for(org.hq, store, [assistant] * customers_each, title=f"第{n}天")):
                success = i % 2 == 0
                attempt(entry, contact="reached" if success else "contact_failed", intent="yes" if success else "",
                        grade="AB"[i % 2] if success else "C", group=i % 4 == 0, at=local(when, 10, i))
                if success:
                    pay(entry.customer, "100.00", local(when, 18, i))


PAGES = {
    "review": lambda org: (reverse("invitations:daily_review"), {"day": DAY.isoformat()}),
    "log": lambda org: (reverse("invitations:daily_log"), {"day": DAY.isoformat()}),
    "successes": lambda org: (reverse("invitations:daily_successes"),
                              {"start": (DAY - timedelta(days=5)).isoformat(), "end": DAY.isoformat()}),
    "summary": lambda org: (reverse("invitations:daily_summary"),
                            {"start": (DAY - timedelta(days=5)).isoformat(), "end": DAY.isoformat()}),
    "targets": lambda org: (reverse("invitations:daily_targets"), {}),
}


@pytest.mark.parametrize("page", list(PAGES))
def test_the_daily_tables_cost_the_same_queries_at_two_sizes(client, org, page, django_assert_max_num_queries):
    client.force_login(org.hq.user)
    url, query = PAGES[page](org)
    query = {**query, "store": org.store_a1.pk} if page != "summary" else query
    busy_day(org, org.store_a1, [org.assistant], customers_each=1, days=1)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url, query).status_code == 200
    # four more assistants, more customers each, more days, and more stores in the summary
    more = [StaffFactory(role=Role.ASSISTANT, store=org.store_a1) for _ in range(4)]
    busy_day(org, org.store_a1, [org.assistant, org.colleague, *more], customers_each=4, days=3)
    busy_day(org, org.store_a2, [org.other_store_assistant], customers_each=3, days=2)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url, query)
    assert response.status_code == 200


def test_the_todo_costs_the_same_queries_for_one_customer_or_many(client, org, django_assert_max_num_queries):
    client.force_login(org.assistant.user)
    (first,) = task_for(org.manager, org.store_a1, [org.assistant])
    attempt(first, contact="reached")
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("invitations_workbench:todo")).status_code == 200
    for entry in task_for(org.manager, org.store_a1, [org.assistant] * 8, title="第二个任务"):
        attempt(entry, contact="contact_failed")
        attempt(entry, contact="reached", intent="yes", group=True)
    task_for(org.manager, org.store_a1, [org.assistant] * 5, title="第三个任务")
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = client.get(reverse("invitations_workbench:todo")).content.decode()
    assert page.count('class="inv-form"') == 14  # 5 awaiting + 9 "contacted again?" forms


def test_my_day_costs_the_same_queries_for_one_attempt_or_many(client, org, django_assert_max_num_queries):
    client.force_login(org.assistant.user)
    (first,) = task_for(org.manager, org.store_a1, [org.assistant])
    attempt(first, contact="reached")
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("invitations_workbench:my_day")).status_code == 200
    for entry in task_for(org.manager, org.store_a1, [org.assistant] * 6):
        attempt(entry, contact="reached", intent="yes", grade="A", group=True)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(reverse("invitations_workbench:my_day")).status_code == 200
