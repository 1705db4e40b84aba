"""Households on their surfaces (CUS-12): the sharer agrees on "my privacy", a family member who
opens the shared page is offered to join and joins with a tap, the assistant sees the household on
the customer's page."""

from customers.models import Consent, Customer, Share
from customers.models.household import HouseholdMember
from tests.digital import media_in_tmp  # noqa: F401 (pictures of the shared page go to a temporary folder)

from .conftest import as_wechat_user
from .test_share import WECHAT, island, sharer  # noqa: F401 (the sharer and the page, as in the share tests)


def _share(client, island):
    as_wechat_user(client, "o-wang")
    client.post("/h5/share/", {"type": "solution", "id": island.pk, "next": "/h5/"}, HTTP_HX_REQUEST="true")
    client.cookies.clear()
    return Share.objects.get()


def test_the_sharer_agrees_and_the_family_member_joins_from_the_shared_page(client, org, sharer, island):
    share = _share(client, island)
    as_wechat_user(client, "o-wang")
    page = client.post("/h5/me/privacy/", {"action": "household_on"}).content.decode()
    assert "家人" in page
    assert Consent.objects.filter(customer=sharer, purpose="household", granted=True).exists()
    client.cookies.clear()

    as_wechat_user(client, "o-husband")
    opened = client.get(f"/s/{share.token}", **WECHAT)
    assert opened.status_code == 302 and f"family={share.token}" in opened["Location"]
    page = client.get(opened["Location"], **WECHAT).content.decode()
    assert 'id="family-offer"' in page and "王**" in page and "王女士" not in page
    joined = client.post("/h5/family/join/", {"family": share.token}, **WECHAT)
    assert joined.status_code == 200 and "加入" in joined.content.decode()
    husband = Customer.objects.get(openid="o-husband")
    assert HouseholdMember.objects.get(customer=husband).invited_by_id == sharer.pk
    # offered no more once in the household
    assert 'id="family-offer"' not in client.get(opened["Location"], **WECHAT).content.decode()

    # the assistant (the husband became their customer through the share) sees the household
    client.force_login(org.user("assistant"))
    overview = client.get(f"/m/customers/{sharer.pk}/").content.decode()
    assert "家庭" in overview and husband.display_name in overview


def test_without_the_sharers_consent_no_offer_and_no_join(client, org, sharer, island):
    share = _share(client, island)
    as_wechat_user(client, "o-husband")
    opened = client.get(f"/s/{share.token}", **WECHAT)
    assert 'id="family-offer"' not in client.get(opened["Location"], **WECHAT).content.decode()
    refused = client.post("/h5/family/join/", {"family": share.token}, **WECHAT)
    assert refused.status_code == 400 and "还没有同意" in refused.content.decode()
    assert not HouseholdMember.objects.exists()


def test_leaving_the_household_on_my_privacy(client, org, sharer, island):
    share = _share(client, island)
    as_wechat_user(client, "o-wang")
    client.post("/h5/me/privacy/", {"action": "household_on"})
    client.cookies.clear()
    as_wechat_user(client, "o-husband")
    client.get(f"/s/{share.token}", **WECHAT)
    client.post("/h5/family/join/", {"family": share.token}, **WECHAT)
    page = client.get("/h5/me/privacy/").content.decode()
    assert "王女士" in page
    client.post("/h5/me/privacy/", {"action": "household_leave"})
    assert not HouseholdMember.objects.exists()
