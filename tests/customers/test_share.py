"""Share with family (QR-6): links carry the sharer; opens are counted and keep the attribution."""

from datetime import timedelta

import pytest
from django.utils import timezone

from customers.attribution import attribution_on_share_open
from customers.models import Customer, OwnerChange, PageType, Share, ShareOpen
from customers.shares import share_create, share_open_record, share_stats
from stores.models import Product, Solution
from stores.services import staff_deactivate
from tests.digital import media_in_tmp, product, solution  # noqa: F401
from wechat.identity import Identity

from .conftest import as_wechat_user

WECHAT = {"HTTP_USER_AGENT": "Mozilla/5.0 MicroMessenger/8.0"}


@pytest.fixture
def island(org):
    return solution(products=[product()], name="岛台开放式厨房")


@pytest.fixture
def sharer(client, org, codes):
    """Ms Wang scanned the assistant's code in store A1: she is the assistant's customer."""
    as_wechat_user(client, "o-wang")
    client.get(f"/q/{codes['assistant'].token}")
    customer = Customer.objects.get(openid="o-wang")
    Customer.objects.filter(pk=customer.pk).update(name="王女士")
    customer.refresh_from_db()
    client.cookies.clear()
    return customer


def share_via_page(client, page_type, page_id, htmx=True):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post("/h5/share/", {"type": page_type, "id": page_id, "next": "/h5/"}, **headers)


def test_a_customer_shares_a_page_and_gets_the_same_link_every_time(client, sharer, island):
    as_wechat_user(client, "o-wang")
    first = share_via_page(client, "solution", island.pk)
    assert first.status_code == 200
    share = Share.objects.get()
    assert share.sharer == sharer and (share.page_type, share.page_id) == ("solution", island.pk)
    text = first.content.decode()
    assert f"/s/{share.token}" in text and 'id="share-url"' in text and "h5Copy(this)" in text
    assert "<html" not in text  # htmx gets the sheet only
    share_via_page(client, "solution", island.pk)
    assert Share.objects.count() == 1


def test_without_javascript_the_share_is_a_page_with_the_link(client, sharer, island):
    as_wechat_user(client, "o-wang")
    text = share_via_page(client, "solution", island.pk, htmx=False).content.decode()
    assert "<html" in text and f"/s/{Share.objects.get().token}" in text


def test_anonymous_visitors_share_one_link_per_page_without_a_sharer(client, org, island):
    share_via_page(client, "solution", island.pk)
    share_via_page(client, "solution", island.pk)
    share = Share.objects.get()
    assert share.sharer is None


def test_a_visitor_seen_by_wechat_for_the_first_time_becomes_the_sharer(client, org, island):
    as_wechat_user(client, "o-first-sight")
    share_via_page(client, "solution", island.pk)
    assert Share.objects.get().sharer == Customer.objects.get(openid="o-first-sight")


@pytest.mark.parametrize("data, status", [
    ({"type": "solution", "id": "999999"}, 404), ({"type": "nope", "id": "1"}, 400), ({"type": "solution"}, 400),
    ({"type": "solution", "id": "9" * 40}, 400), ({"type": "solution", "id": "-3"}, 400),
    ({"type": "product", "id": "1 OR 1=1"}, 400),
])
def test_sharing_something_that_does_not_exist_writes_nothing(client, org, data, status):
    as_wechat_user(client, "o-bad-share")
    response = client.post("/h5/share/", data)
    assert response.status_code == status and "weui-msg" in response.content.decode()
    assert not Share.objects.exists()


def test_a_withdrawn_page_cannot_be_shared(client, org, island):
    Solution.objects.filter(pk=island.pk).update(is_active=False)
    assert share_via_page(client, "solution", island.pk).status_code == 404
    assert not Share.objects.exists()


# --- Opening a share: the attribution rule ------------------------------------------------------------


def test_a_new_person_who_opens_a_share_becomes_the_sharers_assistants_customer(client, org, sharer, island):
    share = share_create(sharer=sharer, page_type="solution", page_id=island.pk)
    as_wechat_user(client, "o-husband")
    response = client.get(f"/s/{share.token}", **WECHAT)
    assert response.status_code == 302 and response["Location"] == f"/h5/solutions/{island.pk}/"
    husband = Customer.objects.get(openid="o-husband")
    assert (husband.store, husband.owner_assistant) == (org.store_a1, org.assistant)
    assert husband.source == Customer.Source.REFERRAL
    change = husband.owner_changes.get()
    assert change.reason == OwnerChange.Reason.SHARED_BY_CUSTOMER
    assert change.qr_code is None and change.note == "王女士"
    assert husband.bound_via is None  # no code bound them
    opened = ShareOpen.objects.get()
    assert (opened.share, opened.customer, opened.is_new_customer, opened.bound) == (share, husband, True, True)
    assert "MicroMessenger" in opened.user_agent


def test_a_share_never_moves_a_customer_some_store_already_has(client, org, sharer, codes, island):
    as_wechat_user(client, "o-cousin")
    client.get(f"/q/{codes['other_assistant'].token}")  # the cousin is store A2's customer
    # ... for a long time: even after the protection period a share is not a visit.
    Customer.objects.filter(openid="o-cousin").update(bound_at=timezone.now() - timedelta(days=400))
    share = share_create(sharer=sharer, page_type="solution", page_id=island.pk)
    client.get(f"/s/{share.token}")
    cousin = Customer.objects.get(openid="o-cousin")
    assert (cousin.store, cousin.owner_assistant) == (org.store_a2, org.other_store_assistant)
    assert cousin.owner_changes.count() == 1
    opened = ShareOpen.objects.get()
    assert opened.customer == cousin and not opened.bound and not opened.is_new_customer


def test_an_unbound_customer_is_bound_by_a_share(org, sharer, island):
    # Someone who only ever scanned a head-office code belongs to no store yet.
    loner = Customer.objects.create(openid="o-loner")
    share = share_create(sharer=sharer, page_type="solution", page_id=island.pk)
    opened = share_open_record(share=share, identity=Identity("o-loner"))
    loner.refresh_from_db()
    assert opened.bound and not opened.is_new_customer and loner.owner_assistant == org.assistant


def test_a_sharer_without_a_store_binds_nobody(org, island):
    drifter = Customer.objects.create(openid="o-drifter")
    share = share_create(sharer=drifter, page_type="solution", page_id=island.pk)
    opened = share_open_record(share=share, identity=Identity("o-friend"))
    assert opened.is_new_customer and not opened.bound
    assert Customer.objects.get(openid="o-friend").store is None


def test_when_the_sharers_assistant_has_left_the_family_goes_to_the_store_rotation(org, sharer, island):
    staff_deactivate(staff=org.assistant)
    share = share_create(sharer=sharer, page_type="solution", page_id=island.pk)
    share_open_record(share=share, identity=Identity("o-daughter"))
    daughter = Customer.objects.get(openid="o-daughter")
    assert daughter.store == org.store_a1 and daughter.owner_assistant == org.colleague


def test_a_sharer_reassigned_since_brings_the_family_to_the_new_owner(org, sharer, island):
    from customers.attribution import customer_reassign

    share = share_create(sharer=sharer, page_type="solution", page_id=island.pk)
    customer_reassign(customer=sharer, assistant=org.other_store_assistant, actor=org.user("hq"), note="搬家")
    share_open_record(share=share, identity=Identity("o-son"))
    son = Customer.objects.get(openid="o-son")
    assert (son.store, son.owner_assistant) == (org.store_a2, org.other_store_assistant)


def test_anonymous_shares_are_counted_but_bind_nobody(client, org, island):
    share = share_create(sharer=None, page_type="solution", page_id=island.pk)
    as_wechat_user(client, "o-neighbour")
    client.get(f"/s/{share.token}")
    assert Customer.objects.get(openid="o-neighbour").store is None
    assert ShareOpen.objects.filter(share=share).count() == 1


def test_binding_through_a_share_is_decided_on_the_locked_row(org, sharer, island):
    """Bound by a scan between the first look and the lock: the share then changes nothing."""
    share = share_create(sharer=sharer, page_type="solution", page_id=island.pk)
    late = Customer.objects.create(openid="o-late")
    Customer.objects.filter(pk=late.pk).update(store=org.store_b1)  # what a concurrent scan did
    assert attribution_on_share_open(customer=late, share=share, now=timezone.now()) is False
    assert not OwnerChange.objects.filter(customer=late).exists()


# --- Counting ----------------------------------------------------------------------------------------


def test_shares_and_opens_are_counted_without_the_sharers_own_opens_or_reloads(client, org, sharer, island):
    share = share_create(sharer=sharer, page_type="solution", page_id=island.pk)
    as_wechat_user(client, "o-wang")
    assert client.get(f"/s/{share.token}").status_code == 302  # the sharer checks their own link
    for openid in ("o-dad", "o-dad", "o-mum"):  # dad opens it twice in a row: one open
        as_wechat_user(client, openid)
        client.get(f"/s/{share.token}")
    client.cookies.clear()
    anonymous = share_create(sharer=None, page_type="solution", page_id=island.pk)
    assert ShareOpen.objects.filter(share=share).count() == 2
    assert share_stats(page_type="solution", page_id=island.pk) == {"shares": 2, "opens": 2, "people": 2}
    assert anonymous.opens.count() == 0


def test_opening_a_share_without_an_identity_goes_through_wechat_first(client, org, sharer, island, settings):
    share = share_create(sharer=sharer, page_type="solution", page_id=island.pk)
    response = client.get(f"/s/{share.token}")
    assert response["Location"].startswith(settings.WECHAT_API_BASE + "connect/oauth2/authorize")
    assert not ShareOpen.objects.exists()


def test_outside_wechat_in_real_mode_the_open_is_anonymous(client, org, sharer, island, settings):
    settings.WECHAT_MODE = "real"
    share = share_create(sharer=sharer, page_type="solution", page_id=island.pk)
    response = client.get(f"/s/{share.token}", HTTP_USER_AGENT="Mozilla/5.0 Safari")
    assert response.status_code == 302
    assert ShareOpen.objects.get().customer is None


@pytest.mark.parametrize("token", ["nope-not-a-token", "x" * 500, "%00"])
def test_a_bad_share_link_gets_a_friendly_page(client, db, token):
    response = client.get(f"/s/{token}")
    assert response.status_code == 404 and "weui-msg" in response.content.decode()
    assert not ShareOpen.objects.exists() and not Customer.objects.exists()


def test_a_link_to_a_withdrawn_page_still_counts_and_says_so_kindly(client, org, sharer, island):
    share = share_create(sharer=sharer, page_type="solution", page_id=island.pk)
    Solution.objects.filter(pk=island.pk).update(is_active=False)
    as_wechat_user(client, "o-late-aunt")
    response = client.get(f"/s/{share.token}")
    assert response.status_code == 410 and "weui-msg" in response.content.decode()
    assert ShareOpen.objects.get().bound  # the family member still found the store


@pytest.mark.parametrize("page_type", ["store", "product", "case"])
def test_every_content_page_can_be_shared_and_opened(client, org, sharer, page_type):
    from tests.digital import case

    page = {"store": lambda: org.store_a1, "product": lambda: Product.objects.create(
        sku="B-TL-01", name="智能马桶", category="bathroom", price="4999.00"),
            "case": lambda: case(store=org.store_a1)}[page_type]()
    as_wechat_user(client, "o-wang")
    share_via_page(client, page_type, page.pk)
    share = Share.objects.get(page_type=page_type)
    as_wechat_user(client, f"o-family-{page_type}")
    location = client.get(f"/s/{share.token}")["Location"]
    assert client.get(location).status_code == 200
    assert PageType(page_type).value in location or page.code in location
