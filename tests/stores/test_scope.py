"""Data scope (ORG-3): every role sees exactly its part of every scoped model."""

import pytest

from customers.models import Customer, Order
from referrals.models import Partner
from stores.models import Region, Staff, Store
from stores.scope import Level, scope_of
from stores.services import staff_deactivate


def visible(model, user):
    return set(model.objects.visible_to(user))


def test_hq_sees_everything(org):
    user = org.user("hq")
    for model in (Region, Store, Staff, Customer, Order, Partner):
        assert visible(model, user) == set(model.objects.all()), model.__name__


def test_supervisor_sees_their_region_only(org):
    user = org.user("supervisor")
    assert visible(Region, user) == {org.region_a}
    assert visible(Store, user) == {org.store_a1, org.store_a2}
    # Staff of the region's stores plus the supervisor; nobody from region B or HQ.
    assert visible(Staff, user) == set(Staff.objects.filter(store__region=org.region_a)) | {org.supervisor}
    assert visible(Customer, user) == set(Customer.objects.filter(store__region=org.region_a))
    assert visible(Order, user) == set(Order.objects.filter(store__region=org.region_a))


def test_manager_sees_their_store_only(org):
    user = org.user("manager")
    assert visible(Region, user) == {org.region_a}
    assert visible(Store, user) == {org.store_a1}
    assert visible(Staff, user) == set(Staff.objects.filter(store=org.store_a1))
    assert visible(Customer, user) == set(Customer.objects.filter(store=org.store_a1))
    assert len(visible(Customer, user)) == 3
    assert visible(Partner, user) == {org.partner}


def test_assistant_sees_own_customers_and_orders_only(org):
    user = org.user("assistant")
    mine = set(Customer.objects.filter(owner_assistant=org.assistant))
    assert len(mine) == 2
    assert visible(Customer, user) == mine
    assert visible(Order, user) == set(Order.objects.filter(assistant=org.assistant))
    assert visible(Staff, user) == {org.assistant}
    # Models without an owner fall back to the assistant's own store and region.
    assert visible(Store, user) == {org.store_a1}
    assert visible(Region, user) == {org.region_a}


def test_partner_sees_only_themselves(org):
    user = org.user("partner")
    assert visible(Partner, user) == {org.partner}
    for model in (Region, Store, Staff, Customer, Order):
        assert visible(model, user) == set(), model.__name__


@pytest.mark.parametrize("who", ["outsider", "anonymous"])
def test_users_without_a_place_see_nothing(org, who):
    from django.contrib.auth.models import AnonymousUser

    user = org.outsider if who == "outsider" else AnonymousUser()
    assert scope_of(user).level is Level.NONE
    for model in (Region, Store, Staff, Customer, Order, Partner):
        assert visible(model, user) == set(), model.__name__


def test_staff_who_left_lose_their_scope(org):
    staff_deactivate(staff=org.assistant)
    user = Staff.objects.get(pk=org.assistant.pk).user  # a fresh object, as on the next request
    assert visible(Customer, user) == set()
