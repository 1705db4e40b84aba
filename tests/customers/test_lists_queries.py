"""A list page and a customer's detail run the same number of queries with 3 customers and with
30, each with tags, orders, follow-ups, profile and ledgers (issue 4's "constant number of
queries"; the timing goal at 1,000,000 customers is bench/bench_customer_list.py).

The numbers, for a signed-in user, after a first request has filled the per-process caches
(a session and a user read by the auth middleware, the staff
record for the data scope, the staff again for the page layout):
* workbench "my customers": 8 — rows with store and owner, their tags, their last activity
  (one UNION), the tag choices of the filter;
* dashboard customer list: 9 — as the workbench without last activity, plus the filter form's
  store and assistant choices;
* dashboard customer detail: 19 — the customer with profile and figures in one row, tags,
  intent products, grade history, follow-ups, orders, after-sales, attribution, the trail (seven;
  plus one per type of page in it), the manager's store for the layout;
* workbench customer page (overview tab): the same with 3 customers as with 30 (15 when written;
  its header and tabs are another area's and may read more);
* API list: 4 (staff, COUNT, rows, tags) and API detail: 4 (staff, row with figures, tags,
  intent products) — the API test client authenticates without a session.
"""

import pytest
from rest_framework.test import APIClient

from customers.models import Customer

from .lists_data import rich_customer


@pytest.fixture(params=[3, 30], ids=["3 customers", "30 customers"])
def customers(request, org):
    made = [rich_customer(org.assistant, n) for n in range(request.param)]
    return made


def signed_in(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("role, url, queries", [
    ("assistant", "/m/customers/", 8),
    ("assistant", "/m/customers/?intent_grade=A&tag=厨房改造&sort=follow_up", 8),
    ("manager", "/dashboard/customers/", 9),
    ("manager", "/dashboard/customers/?intent_grade=A&due=true", 9),
])
def test_list_pages_run_a_constant_number_of_queries(client, org, customers, django_assert_num_queries, role, url,
                                                     queries):
    signed_in(client, org.user(role))
    client.get(url)  # warm up: what a process reads once (caches of codes, settings) is not the page's
    with django_assert_num_queries(queries):
        response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert any(f"/customers/{c.pk}/" in html for c in customers)  # the rows are there


def test_load_more_page_runs_a_constant_number_of_queries(client, org, customers, django_assert_num_queries):
    from customers.lists import cursor_of

    signed_in(client, org.user("assistant"))
    oldest_first_page = Customer.objects.filter(owner_assistant=org.assistant).order_by("-created_at", "-id")[1]
    with django_assert_num_queries(7):  # a fragment: no tag choices to offer
        response = client.get("/m/customers/", {"after": cursor_of(oldest_first_page, "newest")},
                              headers={"HX-Request": "true"})
    assert response.status_code == 200


def test_dashboard_detail_runs_a_constant_number_of_queries(client, org, customers, django_assert_num_queries):
    signed_in(client, org.user("manager"))
    client.get(f"/dashboard/customers/{customers[0].pk}/")  # warm up
    with django_assert_num_queries(19):
        response = client.get(f"/dashboard/customers/{customers[0].pk}/")
    assert response.status_code == 200


def test_workbench_customer_page_runs_as_many_queries_with_3_customers_as_with_30(client, org):
    """The overview tab's header and tabs belong to the customer page; whatever they read, the
    count must not grow with the number of customers, tags or orders."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    signed_in(client, org.user("assistant"))
    made = [rich_customer(org.assistant, n) for n in range(3)]
    client.get(f"/m/customers/{made[0].pk}/")  # warm up
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"/m/customers/{made[0].pk}/").status_code == 200
    made += [rich_customer(org.assistant, n) for n in range(27)]
    with CaptureQueriesContext(connection) as many:
        assert client.get(f"/m/customers/{made[0].pk}/").status_code == 200
    assert len(many) == len(few)


@pytest.mark.parametrize("detail", [False, True], ids=["list", "detail"])
def test_api_runs_a_constant_number_of_queries(org, customers, django_assert_num_queries, detail):
    api = APIClient()
    api.force_authenticate(org.user("assistant"))
    url = f"/api/v1/customers/{customers[0].pk}/" if detail else "/api/v1/customers/"
    with django_assert_num_queries(4):
        response = api.get(url)
    assert response.status_code == 200
