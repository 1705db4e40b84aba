"""The "same person?" page (CUS-12): the manager confirms or dismisses candidates in their scope,
head office undoes a merge with a reason; nobody acts on customers outside their scope."""

import pytest

from customers.models import Customer
from customers.models.identity import CustomerMerge, MergeDismissal
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

URL = "/dashboard/customers/duplicates/"


def suggested(client) -> str:
    """The page's list of suggested pairs (not its explanation, not the merges below it)."""
    html = client.get(URL).content.decode()
    return html.split('id="candidates"')[1].split('id="merges"')[0]


@pytest.fixture
def twins(org):
    a = CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, name="李建国", mobile="13700002222")
    b = CustomerFactory(store=org.store_a1, owner_assistant=org.colleague, name="李先生", mobile="13700002222")
    return a, b


def test_the_manager_sees_the_pair_and_merges_it(client, org, twins):
    a, b = twins
    client.force_login(org.user("manager"))
    html = suggested(client)
    assert "手机号相同" in html and "李建国" in html and "李先生" in html
    response = client.post(URL + "merge/", {"keep": a.pk, "other": b.pk}, follow=True)
    assert "已合并" in response.content.decode()
    b.refresh_from_db()
    assert b.merged_into_id == a.pk
    assert "李先生" not in suggested(client)  # no longer suggested


def test_two_people_are_not_suggested_again(client, org, twins):
    a, b = twins
    client.force_login(org.user("manager"))
    client.post(URL + "dismiss/", {"first": a.pk, "second": b.pk})
    assert MergeDismissal.objects.count() == 1
    assert "手机号相同" not in suggested(client)


def test_customers_outside_the_scope_are_not_found(client, org, twins):
    a, _b = twins
    north = CustomerFactory(store=org.store_b1, mobile="13700002222")
    client.force_login(org.user("manager"))
    assert client.post(URL + "merge/", {"keep": a.pk, "other": north.pk}).status_code == 404
    assert not CustomerMerge.objects.exists()


def test_head_office_undoes_with_a_reason_and_the_manager_cannot(client, org, twins):
    a, b = twins
    client.force_login(org.user("manager"))
    client.post(URL + "merge/", {"keep": a.pk, "other": b.pk})
    merge = CustomerMerge.objects.get()
    response = client.post(f"/dashboard/customers/merges/{merge.pk}/undo/", {"reason": "误合并"}, follow=True)
    assert "只有总部可以撤销合并" in response.content.decode()
    client.force_login(org.user("hq"))
    response = client.post(f"/dashboard/customers/merges/{merge.pk}/undo/", {"reason": ""}, follow=True)
    assert "请填写撤销合并的原因" in response.content.decode()
    client.post(f"/dashboard/customers/merges/{merge.pk}/undo/", {"reason": "不是同一人"})
    b.refresh_from_db()
    assert b.merged_into_id is None and Customer.objects.visible_to(org.user("manager")).filter(pk=b.pk).exists()


@pytest.mark.parametrize("role,status", [("assistant", 302), ("partner", 302), ("outsider", 302)])
def test_floor_staff_and_others_do_not_open_the_page(client, org, role, status):
    client.force_login(org.user(role))
    assert client.get(URL).status_code == status


def test_head_office_reads_merges_identities_and_households_in_the_admin(client, org, twins):
    a, b = twins
    client.force_login(org.user("manager"))
    client.post(URL + "merge/", {"keep": a.pk, "other": b.pk})
    client.force_login(org.user("hq"))
    merges = client.get("/admin/customers/customermerge/")
    assert merges.status_code == 200 and "店长确认" in merges.content.decode()
    for path in ("/admin/customers/customeridentity/", "/admin/customers/householdmember/"):
        assert client.get(path).status_code == 200
