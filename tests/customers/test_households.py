"""Households (CUS-12): a family member who opens a shared page joins the sharer's household only
with the sharer's consent and their own tap; one household per person; KPIs count households."""

import pytest

from customers.errors import CustomerError
from customers.households import household_join, household_leave, household_members, people_and_households
from customers.models import Consent, Customer, PageType, Share
from customers.models.household import Household, HouseholdMember
from customers.privacy import consent_record
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def family(org):
    sharer = CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, name="王丽华")
    member = CustomerFactory(store=org.store_a1, owner_assistant=org.colleague, name="王建")
    share = Share.objects.create(sharer=sharer, page_type=PageType.PRODUCT, page_id=1)
    return sharer, member, share


def _consent(customer, granted=True):
    consent_record(customer=customer, purpose=Consent.Purpose.HOUSEHOLD, granted=granted, source=Consent.Source.H5)


def test_without_the_sharers_consent_nobody_is_linked(family):
    sharer, member, share = family
    with pytest.raises(CustomerError, match="尚未同意|还没有同意|未同意"):
        household_join(member=member, share=share)
    assert not HouseholdMember.objects.exists()


def test_with_consent_the_member_joins_the_sharers_household(org, family):
    sharer, member, share = family
    _consent(sharer)
    joined = household_join(member=member, share=share)
    assert joined.invited_by_id == sharer.pk and joined.via_share_id == share.pk
    assert [c.pk for c in household_members(sharer)] == [member.pk]
    assert [c.pk for c in household_members(member)] == [sharer.pk]
    # each viewer sees only the members in their own scope (ORG-3)
    outside = CustomerFactory(store=org.store_b1)
    HouseholdMember.objects.create(customer=outside, household=joined.household)
    assert [c.pk for c in household_members(sharer, viewer=org.colleague.user)] == [member.pk]
    assert [c.pk for c in household_members(sharer, viewer=org.manager.user)] == [member.pk]
    assert {c.pk for c in household_members(sharer, viewer=org.hq.user)} == {member.pk, outside.pk}


def test_withdrawn_consent_stops_new_links(family):
    sharer, member, share = family
    _consent(sharer)
    _consent(sharer, granted=False)
    with pytest.raises(CustomerError):
        household_join(member=member, share=share)


def test_one_household_per_person_and_leaving(org, family):
    sharer, member, share = family
    _consent(sharer)
    household_join(member=member, share=share)
    other_sharer = CustomerFactory(store=org.store_a1)
    _consent(other_sharer)
    other_share = Share.objects.create(sharer=other_sharer, page_type=PageType.PRODUCT, page_id=2)
    with pytest.raises(CustomerError, match="其他家庭|另一个家庭"):
        household_join(member=member, share=other_share)
    with pytest.raises(CustomerError, match="已在"):
        household_join(member=member, share=share)
    household_leave(member=member)
    assert not Household.objects.exists()  # a household of one is dissolved
    household_join(member=member, share=other_share)
    assert household_members(member)[0].pk == other_sharer.pk


def test_kpis_count_households_as_well_as_people(org, family):
    sharer, member, share = family
    _consent(sharer)
    household_join(member=member, share=share)
    store_customers = Customer.objects.filter(store=org.store_a1)
    people = store_customers.count()
    assert people_and_households(store_customers) == {"people": people, "households": people - 1}


def test_the_dashboard_counts_people_and_households(client, org, family):
    sharer, member, share = family
    _consent(sharer)
    household_join(member=member, share=share)
    client.force_login(org.user("manager"))
    html = client.get("/dashboard/").content.decode()
    people = Customer.objects.visible_to(org.user("manager")).count()
    import re

    card = re.search(r'<div class="label">家庭（户）</div><div class="value">(\d+)</div>', html)
    assert card and int(card.group(1)) == people - 1  # the two of one family count once
