"""Dispatching from a manual filter (INV-4) and "select all N matching" on both pickers: the
customer list's filter opens a page of one store's matching customers, each selectable or marked
with why not; "select all" dispatches exactly the N the manager saw, or refuses a changed set."""

from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from invitations.candidates import matching_of
from invitations.models import InvitationEntry, InvitationTask
from invitations.segments import segment_invitable
from invitations.services import invitation_task_dispatch
from stores.models import Role
from tests.factories import CustomerFactory, StaffFactory

pytestmark = pytest.mark.django_db

FILTER = "/dashboard/invitations/customers/"
BIRTHDAY = "birthday_this_month"


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def grade_a(org, n, owner=None, **kwargs):
    owner = owner or org.assistant
    return [CustomerFactory(store=owner.store or org.store_a1, owner_assistant=owner, intent_grade="A", **kwargs)
            for _ in range(n)]


@pytest.fixture
def marked(org):
    """Grade-A customers of store A1: two free ones and one of each kind that cannot be invited."""
    free = grade_a(org, 2, name="可邀约")
    outside = CustomerFactory(store=org.store_a1, owner_assistant=org.other_store_assistant, intent_grade="A",
                              name="外店导购")
    inviting = grade_a(org, 1, name="邀约中客户")[0]
    invitation_task_dispatch(actor=org.manager.user, store=org.store_a1, customer_ids=[inviting.pk])
    capped = grade_a(org, 1, name="近期联系", last_contacted_at=timezone.now() - timedelta(days=1))[0]
    erased = grade_a(org, 1, erased_at=timezone.now())[0]
    CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, intent_grade="C", name="C级客户")
    CustomerFactory(store=org.store_a2, owner_assistant=org.other_store_assistant, intent_grade="A", name="杭州客户")
    return {"free": free, "outside": outside, "inviting": inviting, "capped": capped, "erased": erased}


def post_dispatch(client, data):
    return client.post(reverse("invitations:dispatch"), data)


# --- the manual-filter page ------------------------------------------------------------------------


def test_the_filter_page_marks_each_customer_the_manager_cannot_tick(org, marked):
    response = signed_in(org.manager.user).get(FILTER, {"intent_grade": "A"})

    html = response.content.decode()
    assert response.status_code == 200
    for customer in marked["free"]:
        assert f'name="customers" value="{customer.pk}"' in html
    for kind in ("outside", "inviting", "capped", "erased"):
        assert f'name="customers" value="{marked[kind].pk}"' not in html
    assert "专属导购不在本店" in html and "邀约中" in html and "个人信息已删除" in html
    capped = marked["capped"].last_contacted_at
    allowed = timezone.localtime(capped + timedelta(days=7)).strftime("%m-%d")
    assert f"{timezone.localtime(capped).strftime('%m-%d')} 已联系 · {allowed} 起可邀约" in html
    # the figures: 6 match, 2 can be invited, one of each reason
    assert "本店共 6 位客户符合条件" in html and "2 位可邀约" in html
    assert "1 位近 7 天内已联系过" in html and "1 位正在邀约中" in html
    # the filter in words, and the dispatch form with its defaults
    assert "<li>意向等级: A：意向强，已到店</li>" in html
    deadline = timezone.localtime(timezone.now() + timedelta(days=30)).strftime("%Y-%m-%d")
    assert f'name="deadline" value="{deadline}' in html
    assert 'name="control_share"' in html and 'name="title"' in html
    assert "全选全部 2 位可邀约客户" in html
    # other grades and other stores are not listed
    assert "C级客户" not in html and "杭州客户" not in html


def test_the_filter_page_offers_only_the_managers_store(org, marked):
    client = signed_in(org.manager.user)

    own = client.get(FILTER, {"store": org.store_a1.pk})
    other = client.get(FILTER, {"store": org.store_a2.pk})

    assert own.status_code == 200 and own.context["store"] == org.store_a1
    assert 'name="store" aria-label' not in own.content.decode()  # no store to choose from
    assert other.status_code == 404


@pytest.mark.parametrize("role, store_name, status", [
    ("hq", "store_b1", 200), ("hq", "store_a1", 200), ("supervisor", "store_a2", 200),
    ("supervisor", "store_b1", 404), ("manager", "store_a1", 200), ("manager", "store_b1", 404),
])
def test_filter_page_scope_by_role(org, marked, role, store_name, status):
    response = signed_in(org.user(role)).get(FILTER, {"store": getattr(org, store_name).pk, "intent_grade": "A"})

    assert response.status_code == status
    if status == 200:
        listed = {c.store_id for c in response.context["page"].object_list}
        assert listed <= {getattr(org, store_name).pk}


def test_another_stores_manager_gets_404_and_the_assistant_no_page(org, marked):
    other_manager = StaffFactory(role=Role.STORE_MANAGER, store=org.store_a2)

    assert signed_in(other_manager.user).get(FILTER, {"store": org.store_a1.pk}).status_code == 404
    assistant = signed_in(org.assistant.user).get(FILTER, {"store": org.store_a1.pk})
    assert assistant.status_code == 302 and "/dashboard/" not in assistant.url


@pytest.mark.parametrize("role", ["hq", "supervisor"])
def test_hq_and_supervisor_choose_the_store_first(org, marked, role):
    response = signed_in(org.user(role)).get(FILTER, {"intent_grade": "A"})

    html = response.content.decode()
    assert response.status_code == 200 and response.context["store"] is None
    assert "请先选择要邀约哪家门店的客户" in html
    assert 'name="intent_grade" value="A"' in html  # the filter goes along with the choice
    assert 'name="customers" value=' not in html


def test_the_customer_list_links_its_filter_to_the_invitation_page(org, marked):
    html = signed_in(org.manager.user).get("/dashboard/customers/", {"intent_grade": "A"}).content.decode()

    assert "邀约这些客户" in html
    assert f'href="{FILTER}?intent_grade=A"' in html


def test_an_invalid_filter_is_400_with_the_reason(org, marked):
    response = signed_in(org.manager.user).get(FILTER, {"new_days": "abc"})

    html = response.content.decode()
    assert response.status_code == 400 and 'role="alert"' in html
    assert 'name="customers" value=' not in html


def test_the_filter_page_queries_do_not_grow_with_the_customers(org, django_assert_max_num_queries):
    client = signed_in(org.manager.user)
    grade_a(org, 3)
    client.get(FILTER)  # session, scope
    with django_assert_max_num_queries(30) as few:
        client.get(FILTER)
    grade_a(org, 40, owner=org.colleague)
    grade_a(org, 5, last_contacted_at=timezone.now())
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(FILTER)


# --- ticking on the filter page ------------------------------------------------------------------


def test_ticked_customers_of_the_filter_are_dispatched_with_the_form(org, marked):
    free = marked["free"]
    response = post_dispatch(signed_in(org.manager.user), {
        "store": org.store_a1.pk, "customers": [c.pk for c in free], "filter": "intent_grade=A",
        "method": "one_to_one", "title": "A级回访", "control_share": "0",
        "deadline": (timezone.localtime() + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M"),
    })
    task = InvitationTask.objects.get(title="A级回访")
    assert response.status_code == 302 and response.url == reverse("invitations:task", args=[task.pk])
    assert sorted(task.entries.values_list("customer_id", flat=True)) == sorted(c.pk for c in free)
    assert task.segment is None


# --- "select all N matching" ----------------------------------------------------------------------------


def test_select_all_matching_on_the_filter_dispatches_exactly_n_beyond_the_page(org, marked):
    # given more invitable customers than one page shows (50)
    grade_a(org, 58, owner=org.colleague)
    client = signed_in(org.manager.user)
    page = client.get(FILTER, {"intent_grade": "A"})
    seen = page.context["matching"]
    assert seen.count == 60 and len(page.context["page"].object_list) == 50
    # when the manager dispatches all matching
    response = post_dispatch(client, {
        "store": org.store_a1.pk, "filter": "intent_grade=A", "all_matching": "1",
        "expected_count": seen.count, "fingerprint": seen.fingerprint, "next": page.wsgi_request.get_full_path(),
    })
    # then exactly those 60 are in the task: none of the capped, inviting, outside or erased ones
    task = InvitationTask.objects.exclude(pk__in=InvitationEntry.objects.filter(
        customer=marked["inviting"]).values("task")).get()
    assert response.status_code == 302 and response.url == reverse("invitations:task", args=[task.pk])
    dispatched = set(task.entries.values_list("customer_id", flat=True))
    assert len(dispatched) == 60
    assert not dispatched & {marked[k].pk for k in ("outside", "inviting", "capped", "erased")}


def test_select_all_matching_refuses_a_set_that_grew(org, marked):
    client = signed_in(org.manager.user)
    seen = client.get(FILTER, {"intent_grade": "A"}).context["matching"]
    grade_a(org, 1)  # a new grade-A customer since the manager looked
    back = f"{FILTER}?intent_grade=A"

    response = post_dispatch(client, {"store": org.store_a1.pk, "filter": "intent_grade=A", "all_matching": "1",
                                      "expected_count": seen.count, "fingerprint": seen.fingerprint, "next": back})

    assert response.status_code == 302 and response.url == back
    assert InvitationTask.objects.count() == 1  # only the fixture's task
    reloaded = client.get(back).content.decode()
    assert "名单已变化：您看到的是 2 位客户，现在是 3 位" in reloaded
    assert "全选全部 3 位可邀约客户" in reloaded


def test_select_all_matching_refuses_a_different_set_of_the_same_size(org, marked):
    client = signed_in(org.manager.user)
    seen = client.get(FILTER, {"intent_grade": "A"}).context["matching"]
    # one customer was reached meanwhile (capped now) and another one joined: still 2
    marked["free"][0].__class__.objects.filter(pk=marked["free"][0].pk).update(last_contacted_at=timezone.now())
    grade_a(org, 1)

    response = client.post(reverse("invitations:dispatch"), {
        "store": org.store_a1.pk, "filter": "intent_grade=A", "all_matching": "1",
        "expected_count": seen.count, "fingerprint": seen.fingerprint}, follow=True)

    assert InvitationTask.objects.count() == 1
    assert "名单已变化：您看到的是 2 位客户，现在是 2 位" in response.content.decode()


@pytest.fixture
def birthdays(org):
    month = timezone.localdate().month
    free = [CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, birthday=date(1990, month, 1 + n % 28))
            for n in range(55)]
    capped = CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, birthday=date(1990, month, 2),
                             last_contacted_at=timezone.now() - timedelta(days=3))
    return free, capped


def test_select_all_matching_on_a_segment_dispatches_its_invitable_customers(org, birthdays):
    free, capped = birthdays
    client = signed_in(org.manager.user)
    page = client.get(f"/dashboard/invitations/segments/{BIRTHDAY}/", {"store": org.store_a1.pk})
    seen = page.context["matching"]
    assert seen.count == 55
    assert "全选全部 55 位可邀约客户" in page.content.decode()

    post_dispatch(client, {"store": org.store_a1.pk, "segment": BIRTHDAY, "all_matching": "1",
                           "expected_count": seen.count, "fingerprint": seen.fingerprint})

    task = InvitationTask.objects.get()
    assert task.segment.key == BIRTHDAY
    assert set(task.entries.values_list("customer_id", flat=True)) == {c.pk for c in free}
    assert all(task.entries.values_list("reason", flat=True))  # each carries the segment's reason


def test_select_all_matching_on_a_segment_refuses_a_set_that_shrank(org, birthdays, in_english):
    free, _capped = birthdays
    client = signed_in(org.manager.user)
    seen = client.get(f"/dashboard/invitations/segments/{BIRTHDAY}/", {"store": org.store_a1.pk}).context["matching"]
    invitation_task_dispatch(actor=org.supervisor.user, store=org.store_a1, customer_ids=[free[0].pk])

    post_dispatch(client, {"store": org.store_a1.pk, "segment": BIRTHDAY, "all_matching": "1",
                           "expected_count": seen.count, "fingerprint": seen.fingerprint})

    assert InvitationTask.objects.count() == 1
    assert not InvitationEntry.objects.filter(customer=free[1]).exists()


def api_for(org, role="manager"):
    from django.conf import settings

    api = APIClient()
    api.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    api.force_authenticate(org.user(role))
    return api


def test_api_all_matching_dispatches_the_segment_and_refuses_a_stale_count(org, birthdays):
    api = api_for(org)
    tasks = "/api/v1/invitations/tasks/"
    listed = api.get(f"/api/v1/invitations/segments/{BIRTHDAY}/customers/", {"store": org.store_a1.pk}).json()
    assert (listed["count"], listed["invitable"]) == (56, 55)

    stale = api.post(tasks, {"store": org.store_a1.pk, "segment": BIRTHDAY, "all_matching": True,
                             "expected_count": 56}, format="json")
    done = api.post(tasks, {"store": org.store_a1.pk, "segment": BIRTHDAY, "all_matching": True,
                            "expected_count": listed["invitable"]}, format="json")

    assert stale.status_code == 409 and stale.json()["count"] == 55
    assert "The list changed" in stale.json()["detail"]
    assert done.status_code == 201 and done.json()["customer_count"] == 55


@pytest.mark.parametrize("body", [
    {"all_matching": True, "expected_count": 3},  # no segment
    {"all_matching": True, "segment": BIRTHDAY},  # no expected count
    {"all_matching": True, "segment": BIRTHDAY, "expected_count": 1, "customers": [1]},  # both
    {},  # neither
])
def test_api_dispatch_needs_customers_or_a_complete_all_matching(org, birthdays, body):
    response = api_for(org).post("/api/v1/invitations/tasks/", {"store": org.store_a1.pk, **body}, format="json")

    assert response.status_code == 400
    assert not InvitationTask.objects.exists()


def test_the_matching_fingerprint_changes_with_the_set(org, birthdays):
    free, _capped = birthdays
    before = matching_of(segment_invitable(key=BIRTHDAY, store=org.store_a1, viewer=org.manager.user))
    invitation_task_dispatch(actor=org.manager.user, store=org.store_a1, customer_ids=[free[0].pk])
    CustomerFactory(store=org.store_a1, owner_assistant=org.assistant,
                    birthday=date(1990, timezone.localdate().month, 5))
    after = matching_of(segment_invitable(key=BIRTHDAY, store=org.store_a1, viewer=org.manager.user))

    assert before.count == after.count == 55
    assert before.fingerprint != after.fingerprint
