"""The assistant's "my customers" (workbench) and the dashboard's customer list and detail:
filters, sorting, keyset "load more", and the data scope of every role (issue 4)."""

import re
from datetime import timedelta

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from customers.lists import cursor_of
from customers.models import Customer

from ..conftest import ROLES
from ..factories import CustomerFactory
from .lists_data import rich_customer, tagged


def shown_ids(html: str, prefix: str) -> list[int]:
    return [int(pk) for pk in re.findall(rf'href="{prefix}(\d+)/"', html)]


# --- Workbench ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_workbench_list_shows_exactly_the_callers_scope(client, org, role):
    client.force_login(org.user(role))
    response = client.get("/m/customers/")
    if role == "outsider":
        assert response.status_code == 302 and response["Location"] == reverse("surfaces:no_access")
        return
    assert response.status_code == 200
    expected = set(Customer.objects.visible_to(org.user(role)).values_list("pk", flat=True))
    assert set(shown_ids(response.content.decode(), "/m/customers/")) == expected


def test_rows_show_grade_tags_next_follow_up_and_masked_mobile(client, org):
    customer = rich_customer(org.assistant)
    client.force_login(org.user("assistant"))
    html = client.get("/m/customers/").content.decode()
    row = html[html.index(f'href="/m/customers/{customer.pk}/"'):]
    row = row[:row.index("</a>")]
    assert 'class="grade grade-A"' in row
    assert "厨房改造" in row and "老客户" in row
    assert customer.next_follow_up_on.strftime("%m-%d") in row
    assert customer.masked_mobile in row and customer.mobile not in html


@pytest.mark.parametrize("query, wanted", [
    ({"intent_grade": "A"}, "graded"),
    ({"due": "true"}, "due"),
    ({"new_days": "7"}, "graded"),
    ({"wecom_friend": "true"}, "friend"),
    ({"tag": "看过样板间"}, "friend"),
    ({"q": "赵"}, "due"),
])
def test_workbench_chips_filter_the_list(client, org, query, wanted):
    today = timezone.localdate()
    old = timezone.now() - timedelta(days=40)
    customers = {
        "graded": CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, intent_grade="A"),
        "due": CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, name="赵敏",
                               next_follow_up_on=today - timedelta(days=1), created_at=old),
        "friend": tagged(CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, is_wecom_friend=True,
                                         created_at=old), "看过样板间"),
    }
    Customer.objects.filter(owner_assistant=org.assistant).exclude(
        pk__in=[c.pk for c in customers.values()]).update(created_at=old)
    client.force_login(org.user("assistant"))
    html = client.get("/m/customers/", query, headers={"HX-Request": "true"}).content.decode()
    assert set(shown_ids(html, "/m/customers/")) == {customers[wanted].pk}
    assert "<html" not in html  # htmx gets the list fragment only


def test_a_chip_links_to_the_list_with_it_toggled(client, org):
    client.force_login(org.user("assistant"))
    html = client.get("/m/customers/", {"intent_grade": "A"}).content.decode()
    assert 'href="?intent_grade=A&amp;intent_grade=B"' in html  # B adds to A
    assert re.search(r'class="chip chip_on[^"]*" href="\?"', html)  # A, on, switches off


def test_load_more_continues_where_the_page_ended_without_repeats(client, org):
    # Given 45 customers of the assistant, created a minute apart
    now = timezone.now()
    for n in range(45):
        CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, created_at=now - timedelta(minutes=n))
    client.force_login(org.user("assistant"))
    expected = list(Customer.objects.filter(owner_assistant=org.assistant).order_by("-created_at", "-id")
                    .values_list("pk", flat=True))
    seen, url = [], "/m/customers/"
    # when the phone keeps scrolling ("load more" by keyset)
    while url:
        html = client.get(url, headers={"HX-Request": "true"} if seen else {}).content.decode()
        seen += shown_ids(html, "/m/customers/")
        more = re.search(r'load-more" hx-get="([^"]+)"', html)
        url = more.group(1).replace("&amp;", "&") if more else ""
    # then every customer comes once, newest first
    assert seen == expected


def test_sort_by_next_follow_up_puts_the_earliest_first_and_unplanned_last(client, org):
    today = timezone.localdate()
    later = CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, next_follow_up_on=today + timedelta(3))
    sooner = CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, next_follow_up_on=today)
    client.force_login(org.user("assistant"))
    order = shown_ids(client.get("/m/customers/", {"sort": "follow_up"}).content.decode(), "/m/customers/")
    assert order[:2] == [sooner.pk, later.pk]
    assert len(order) == Customer.objects.filter(owner_assistant=org.assistant).count()


def test_follow_up_sort_pages_through_planned_then_unplanned(client, org):
    today = timezone.localdate()
    for n in range(25):
        CustomerFactory(store=org.store_a1, owner_assistant=org.assistant,
                        next_follow_up_on=today + timedelta(days=n % 4) if n % 3 else None)
    client.force_login(org.user("assistant"))
    first = list(Customer.objects.filter(owner_assistant=org.assistant).order_by("next_follow_up_on", "id"))
    planned = [c for c in first if c.next_follow_up_on]
    unplanned = sorted((c for c in first if not c.next_follow_up_on), key=lambda c: c.pk)
    expected = [c.pk for c in sorted(planned, key=lambda c: (c.next_follow_up_on, c.pk))] + [c.pk for c in unplanned]
    page_one = client.get("/m/customers/", {"sort": "follow_up"}).content.decode()
    after = cursor_of(Customer.objects.get(pk=expected[19]), "follow_up")
    page_two = client.get("/m/customers/", {"sort": "follow_up", "after": after},
                          headers={"HX-Request": "true"}).content.decode()
    assert shown_ids(page_one, "/m/customers/") + shown_ids(page_two, "/m/customers/") == expected


def test_a_broken_load_more_link_is_a_clear_400(client, org):
    client.force_login(org.user("assistant"))
    response = client.get("/m/customers/", {"after": "yesterday_x"})
    assert response.status_code == 400
    assert "列表" in response.content.decode() or "list" in response.content.decode()


# --- Dashboard list ----------------------------------------------------------------------------


@pytest.mark.parametrize("role, status", [("hq", 200), ("supervisor", 200), ("manager", 200), ("assistant", 302),
                                          ("partner", 302), ("outsider", 302)])
def test_dashboard_list_shows_exactly_the_callers_scope(client, org, role, status):
    client.force_login(org.user(role))
    response = client.get("/dashboard/customers/")
    assert response.status_code == status
    if status == 200:
        expected = set(Customer.objects.visible_to(org.user(role)).values_list("pk", flat=True))
        assert set(shown_ids(response.content.decode(), "/dashboard/customers/")) == expected


def test_a_manager_sees_only_their_stores_customers(client, org):
    client.force_login(org.user("manager"))
    html = client.get("/dashboard/customers/").content.decode()
    found = set(shown_ids(html, "/dashboard/customers/"))
    assert found == set(Customer.objects.filter(store=org.store_a1).values_list("pk", flat=True))
    assert org.store_b1.name not in html and org.store_a2.name not in html  # not even as a filter choice


def test_dashboard_filters_with_the_same_filterset_and_htmx_gets_the_table(client, org):
    graded = CustomerFactory(store=org.store_a1, owner_assistant=org.colleague, intent_grade="B")
    client.force_login(org.user("manager"))
    html = client.get("/dashboard/customers/", {"intent_grade": "B", "owner_assistant": org.colleague.pk},
                      headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in html and "<table" in html
    assert shown_ids(html, "/dashboard/customers/") == [graded.pk]


def test_dashboard_pages_by_keyset(client, org):
    now = timezone.now()
    for n in range(60):
        CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, created_at=now - timedelta(minutes=n))
    client.force_login(org.user("manager"))
    expected = list(Customer.objects.filter(store=org.store_a1).order_by("-created_at", "-id")
                    .values_list("pk", flat=True))
    first = client.get("/dashboard/customers/").content.decode()
    next_link = re.search(r'<a href="\?([^"]*after=[^"]+)"', first).group(1).replace("&amp;", "&")
    second = client.get("/dashboard/customers/?" + next_link).content.decode()
    assert shown_ids(first, "/dashboard/customers/") + shown_ids(second, "/dashboard/customers/") == expected


def test_export_link_carries_the_current_filters_when_exports_exist(client, org):
    client.force_login(org.user("manager"))
    html = client.get("/dashboard/customers/", {"intent_grade": "A", "due": "true"}).content.decode()
    try:
        export = reverse("dashboard_data_export")
    except NoReverseMatch:
        assert 'id="customer-export"' not in html
    else:
        assert f'href="{export}?kind=customers&amp;intent_grade=A&amp;due=true"' in html


# --- Dashboard detail --------------------------------------------------------------------------


@pytest.mark.parametrize("role, where, status", [
    ("hq", "b1", 200), ("supervisor", "a1", 200), ("supervisor", "b1", 404), ("manager", "a1", 200),
    ("manager", "a2", 404), ("manager", "b1", 404), ("assistant", "a1", 302), ("partner", "a1", 302),
    ("outsider", "a1", 302),
])
def test_dashboard_detail_follows_the_scope(client, org, role, where, status):
    store = {"a1": org.store_a1, "a2": org.store_a2, "b1": org.store_b1}[where]
    customer = Customer.objects.filter(store=store).first()
    client.force_login(org.user(role))
    assert client.get(f"/dashboard/customers/{customer.pk}/").status_code == status
    if status == 200:
        assert client.get("/dashboard/customers/999999/").status_code == 404


def test_dashboard_detail_shows_the_whole_profile_read_only(client, org):
    customer = rich_customer(org.assistant)
    client.force_login(org.user("manager"))
    html = client.get(f"/dashboard/customers/{customer.pk}/").content.decode()
    assert "想要 400 坑距马桶" in html  # stage 2 notes
    assert "厨房改造" in html and "老客户" in html  # tags
    assert "B → <b>A</b>" in html  # grade history
    assert "周六来店" in html  # the follow-up
    assert "1250.50" in html  # orders amount
    assert ">60<" in html and ">500.00<" in html  # points and stored value
    assert customer.masked_mobile in html and customer.mobile not in html
    assert "<form" not in html.split('<main class="content">')[1]  # nothing to edit here
