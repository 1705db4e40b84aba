"""The assistant sees what their customer scanned, viewed, kept and shared (CUS-6, QR-6, QR-7)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.models import Customer, Favourite, PageView, Share, ShareOpen
from customers.shares import share_create, share_open_record
from customers.trail import customer_trail
from tests.digital import case, media_in_tmp, product, solution  # noqa: F401
from wechat.identity import Identity

from .conftest import as_wechat_user


@pytest.fixture
def journey(client, org, codes):
    """Ms Wang scans her assistant's code, looks around, keeps the island kitchen and sends it
    home; her husband (new) and her cousin (store A2's customer) open it."""
    sink = product()
    island = solution(products=[sink], name="岛台开放式厨房")
    as_wechat_user(client, "o-wang")
    client.get(f"/q/{codes['assistant'].token}")
    wang = Customer.objects.get(openid="o-wang")
    Customer.objects.filter(pk=wang.pk).update(name="王女士")
    client.get(f"/h5/products/{sink.sku}/")
    client.get(f"/h5/solutions/{island.pk}/")
    client.post("/h5/favourite/", {"type": "solution", "id": island.pk, "on": "1"})
    client.post("/h5/share/", {"type": "solution", "id": island.pk})
    share = Share.objects.get(sharer=wang)
    as_wechat_user(client, "o-husband")
    client.get(f"/s/{share.token}")
    cousin = Customer.objects.create(openid="o-cousin", name="表妹小李", store=org.store_a2,
                                     owner_assistant=org.other_store_assistant)
    share_open_record(share=share, identity=Identity("o-cousin"))
    client.cookies.clear()
    husband = Customer.objects.get(openid="o-husband")
    Customer.objects.filter(pk=husband.pk).update(name="张先生")
    return {"wang": wang, "husband": husband, "cousin": cousin, "share": share, "sink": sink, "island": island}


def test_the_sharers_trail_shows_views_favourite_share_and_who_opened_it(client, org, journey):
    client.force_login(org.user("assistant"))
    text = client.get(f"/m/customers/{journey['wang'].pk}/").content.decode()
    for kind in ("trail__scan", "trail__view", "trail__favourite", "trail__share", "trail__share_opened"):
        assert kind in text, kind
    assert journey["sink"].name in text and journey["island"].name in text
    assert "张先生" in text  # the husband is the assistant's customer now: named
    assert "表妹小李" not in text  # the cousin is another store's customer: "a visitor"
    assert f'href="/h5/solutions/{journey["island"].pk}/"' in text


def test_the_trail_is_newest_first(org, journey):
    entries = customer_trail(customer=journey["wang"], viewer=org.user("assistant"))
    times = [entry.at for entry in entries]
    assert times == sorted(times, reverse=True)
    assert [e.kind for e in entries][:2] == ["share_opened", "share_opened"]
    share = next(e for e in entries if e.kind == "share")
    assert share.count == 2


def test_the_family_members_page_says_who_shared_and_why_they_are_mine(client, org, journey):
    client.force_login(org.user("assistant"))
    text = client.get(f"/m/customers/{journey['husband'].pk}/").content.decode()
    assert "trail__opened_share" in text and "王女士" in text  # shared by Ms Wang
    assert "why-mine" in text and "王女士" in text.split("why-mine")[1]  # the binding's note


def test_the_other_stores_assistant_sees_their_customer_opened_a_share_but_not_by_whom(org, journey):
    entries = customer_trail(customer=journey["cousin"], viewer=org.user("other_store_assistant"))
    opened = [e for e in entries if e.kind == "opened_share"]
    assert len(opened) == 1 and opened[0].other == "" and opened[0].title == journey["island"].name


@pytest.mark.parametrize("role", ["colleague", "other_store_assistant", "partner"])
def test_staff_who_do_not_serve_the_customer_get_404_for_the_trail(client, org, journey, role):
    client.force_login(getattr(org, role).user)
    assert client.get(f"/m/customers/{journey['wang'].pk}/").status_code == 404
    assert client.get(f"/m/customers/{journey['husband'].pk}/").status_code == 404


@pytest.mark.parametrize("role, sees", [
    ("hq", {"wang", "husband", "cousin"}), ("supervisor", {"wang", "husband", "cousin"}),
    ("manager", {"wang", "husband"}), ("assistant", {"wang", "husband"}), ("colleague", set()),
    ("other_store_assistant", {"cousin"}), ("partner", set()),
])
def test_shares_opens_views_and_favourites_follow_the_data_scope(org, journey, role, sees):
    user = org.user(role) if role != "colleague" else org.colleague.user
    people = {name: journey[name] for name in ("wang", "husband", "cousin")}
    shared_by_visible = "wang" in sees
    assert set(Share.objects.visible_to(user)) == ({journey["share"]} if shared_by_visible else set())
    # An open is seen by whoever serves the opener, and by whoever serves the sharer.
    expected_opens = {o for o in ShareOpen.objects.all()
                      if shared_by_visible or any(o.customer == people[n] for n in sees)}
    assert set(ShareOpen.objects.visible_to(user)) == expected_opens
    assert set(PageView.objects.visible_to(user).values_list("customer__openid", flat=True)) == (
        {"o-wang"} if "wang" in sees else set())
    assert Favourite.objects.visible_to(user).exists() == ("wang" in sees)


def test_the_trail_costs_the_same_number_of_queries_however_long_it_is(client, org, journey):
    client.force_login(org.user("assistant"))
    url = f"/m/customers/{journey['wang'].pk}/"
    client.get(url)  # warm up: session, staff, scope

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    wang, share = journey["wang"], journey["share"]
    now = timezone.now()
    extra = case(store=org.store_a1)
    # Every kind of page once, then thirty more of everything: one query per page type, not per row.
    PageView.objects.create(customer=wang, page_type="case", page_id=extra.pk, viewed_at=now)
    PageView.objects.create(customer=wang, page_type="store", page_id=org.store_a1.pk, viewed_at=now)
    short = queries()
    for n in range(30):
        PageView.objects.create(customer=wang, page_type="case", page_id=extra.pk, viewed_at=now - timedelta(hours=n))
        opener = Customer.objects.create(openid=f"o-fam-{n}", store=org.store_a1, owner_assistant=org.assistant)
        ShareOpen.objects.create(share=share, customer=opener, opened_at=now - timedelta(minutes=n))
        other = share_create(sharer=opener, page_type="case", page_id=extra.pk)
        ShareOpen.objects.create(share=other, customer=wang, opened_at=now - timedelta(minutes=n))
    assert queries() == short
    assert len(customer_trail(customer=wang, viewer=org.user("assistant"))) == 50
