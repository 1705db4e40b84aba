"""HQ's customer list in the admin: search and filters for grade, decoration status, tag, store,
region and follow-ups due (issue 4)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from customers.models import Customer

from ..factories import CustomerFactory
from .lists_data import tagged


def listed(client, **params) -> set[int]:
    response = client.get("/admin/customers/customer/", params)
    assert response.status_code == 200
    return {c.pk for c in response.context["cl"].result_list}


@pytest.fixture
def hq_admin(client, org):
    client.force_login(org.user("hq"))
    return client


@pytest.mark.parametrize("params, wanted", [
    ({"intent_grade__exact": "A"}, "kitchen"),
    ({"decoration_status__exact": "renovating"}, "kitchen"),
    ({"due": "due"}, "kitchen"),
    ({"due": "later"}, "later"),
    ({"is_wecom_friend__exact": "1"}, "later"),
    ({"q": "汤臣"}, "later"),
])
def test_admin_filters_and_search(hq_admin, org, params, wanted):
    today = timezone.localdate()
    made = {
        "kitchen": CustomerFactory(store=org.store_b1, intent_grade="A", decoration_status="renovating",
                                   next_follow_up_on=today),
        "later": CustomerFactory(store=org.store_b1, community="汤臣一品", is_wecom_friend=True,
                                 next_follow_up_on=today + timedelta(days=4)),
    }
    assert listed(hq_admin, **params) == {made[wanted].pk}


def test_admin_filters_by_tag_without_duplicates(hq_admin, org):
    customer = tagged(CustomerFactory(store=org.store_a1), "厨房改造", "老客户")
    kitchen = customer.tag_links.get(tag__name="厨房改造").tag
    assert listed(hq_admin, tag=kitchen.pk) == {customer.pk}


def test_admin_filters_by_region_and_store(hq_admin, org):
    assert listed(hq_admin, store__region__id__exact=org.region_b.pk) == set(
        Customer.objects.filter(store__region=org.region_b).values_list("pk", flat=True))
    assert listed(hq_admin, store__id__exact=org.store_a2.pk) == set(
        Customer.objects.filter(store=org.store_a2).values_list("pk", flat=True))
