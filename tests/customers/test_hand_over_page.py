"""The manager's hand-over page: a leaving assistant's customers move, their codes keep working."""

import pytest

from customers.models import Customer, OwnerChange


def test_manager_hands_customers_to_a_chosen_colleague_and_the_login_is_disabled(client, org):
    client.force_login(org.user("manager"))
    page = client.get(f"/dashboard/staff/{org.assistant.pk}/hand-over/")
    assert page.status_code == 200 and org.colleague.name in page.content.decode()
    response = client.post(f"/dashboard/staff/{org.assistant.pk}/hand-over/",
                           {"heir": org.colleague.pk, "mark_left": "on"})
    assert response.status_code == 302
    assert not Customer.objects.filter(owner_assistant=org.assistant).exists()
    assert OwnerChange.objects.filter(reason="handover", to_assistant=org.colleague).count() == 2
    org.assistant.refresh_from_db()
    org.assistant.user.refresh_from_db()
    assert not org.assistant.is_active and not org.assistant.user.is_active


def test_an_heir_from_another_store_is_refused_and_nothing_moves(client, org):
    client.force_login(org.user("manager"))
    response = client.post(f"/dashboard/staff/{org.assistant.pk}/hand-over/",
                           {"heir": org.other_store_assistant.pk, "mark_left": "on"})
    assert response.status_code == 200  # the form again, with the error
    assert Customer.objects.filter(owner_assistant=org.assistant).count() == 2
    org.assistant.refresh_from_db()
    assert org.assistant.is_active


@pytest.mark.parametrize("role, status", [("assistant", 302), ("supervisor", 200), ("hq", 200)])
def test_who_may_open_the_page(client, org, role, status):
    client.force_login(org.user(role))
    assert client.get(f"/dashboard/staff/{org.assistant.pk}/hand-over/").status_code == status


def test_another_stores_manager_gets_404(client, org):
    from stores.models import Role

    from ..factories import StaffFactory

    other_manager = StaffFactory(role=Role.STORE_MANAGER, store=org.store_b1)
    client.force_login(other_manager.user)
    assert client.get(f"/dashboard/staff/{org.assistant.pk}/hand-over/").status_code == 404


def test_hq_reassigns_a_customer_in_the_admin_with_a_reason(client, org):
    customer = Customer.objects.filter(owner_assistant=org.assistant).first()
    client.force_login(org.user("hq"))
    url = f"/admin/customers/customer/{customer.pk}/reassign/"
    assert url in client.get(f"/admin/customers/customer/{customer.pk}/change/").content.decode()
    refused = client.post(url, {"assistant": org.other_store_assistant.pk, "note": ""})
    assert refused.status_code == 200
    response = client.post(url, {"assistant": org.other_store_assistant.pk, "note": "客户搬到杭州"})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.store, customer.owner_assistant) == (org.store_a2, org.other_store_assistant)
    assert customer.owner_changes.first().note == "客户搬到杭州"
