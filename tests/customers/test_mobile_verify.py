"""A verified mobile number is one person (CUS-12): staff confirm the number in person; the same
verified number on another record merges the two, the earlier binding keeps the customer."""

from datetime import timedelta

import pytest
from django.utils import timezone

from customers.errors import CustomerError
from customers.merges import mobile_verified, mobile_verify
from customers.models import Customer
from customers.models.identity import CustomerMerge
from customers.profiles import customer_update
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _aged(customer, days):
    Customer.objects.filter(pk=customer.pk).update(created_at=timezone.now() - timedelta(days=days),
                                                   bound_at=timezone.now() - timedelta(days=days))
    return Customer.objects.get(pk=customer.pk)


def test_verifying_records_the_number_and_the_page_shows_it(client, org):
    customer = CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, mobile="13911112222")
    client.force_login(org.user("assistant"))
    page = client.post(f"/m/customers/{customer.pk}/profile/verify-mobile/", HTTP_HX_REQUEST="true")
    assert page.status_code == 200 and "手机号已核实" in page.content.decode()
    assert mobile_verified(customer)
    assert "已核实" in client.get(f"/m/customers/{customer.pk}/profile/").content.decode()


def test_the_same_verified_number_on_a_second_record_makes_one_customer(org):
    first = _aged(CustomerFactory(store=org.store_a1, owner_assistant=org.colleague, mobile="13911113333",
                                  openid="o-product-scan"), 10)
    second = _aged(CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, mobile="13911113333",
                                   openid="o-staff-code"), 1)
    assert mobile_verify(customer=first, actor=org.colleague.user) is None
    merge = mobile_verify(customer=second, actor=org.assistant.user)
    assert merge.reason == CustomerMerge.Reason.SAME_MOBILE and merge.survivor_id == first.pk
    first.refresh_from_db()
    assert first.owner_assistant_id == org.colleague.pk  # the earlier binding, inside its protection period
    assert Customer.objects.get(pk=second.pk).merged_into_id == first.pk


def test_a_record_merged_into_another_stores_customer_says_so_on_the_phone(client, org):
    elsewhere = _aged(CustomerFactory(store=org.store_a2, owner_assistant=org.other_store_assistant,
                                      mobile="13911114444"), 20)
    mobile_verify(customer=elsewhere, actor=org.other_store_assistant.user)
    mine = _aged(CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, mobile="13911114444"), 1)
    client.force_login(org.user("assistant"))
    page = client.post(f"/m/customers/{mine.pk}/profile/verify-mobile/", HTTP_HX_REQUEST="true")
    assert "另一家门店" in page.content.decode()
    assert Customer.objects.get(pk=mine.pk).merged_into_id == elsewhere.pk


def test_a_changed_number_is_not_verified_and_no_number_is_refused(org):
    customer = CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, mobile="13911115555")
    mobile_verify(customer=customer, actor=org.assistant.user)
    customer_update(customer=customer, actor=org.assistant.user, mobile="13911116666")
    assert not mobile_verified(Customer.objects.get(pk=customer.pk))
    nobody = CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, mobile="")
    with pytest.raises(CustomerError, match="请先记录"):
        mobile_verify(customer=nobody, actor=org.assistant.user)
