"""Community group-buys (PRO-5): the community's H5 page with its figures and windows, claims within
the activity (refused outside, in Chinese, changing nothing), the community recorded on the
claimant's profile, sharing with attribution, the poster, the dashboard's figures for every role,
and what a group-buy's coupons must be."""

import re
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from customers.models import Customer
from customers.profiles import customer_community_fill
from promotions.group_buy import (
    assistant_share_code,
    group_buy_activity_errors,
    group_buy_definition_errors,
    group_buy_figures,
    store_share_code,
)
from promotions.models import Activity, Coupon, CouponDefinition
from promotions.services import activity_codes_make, coupon_claim, coupon_redeem
from stores.models import QRCode, Role
from tests.factories import CustomerFactory, ProductFactory, StaffFactory
from tests.identity import as_wechat_user

from .factories import ActivityFactory, CouponDefinitionFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
COMMUNITY = "徐汇苑"


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def visible(response) -> str:
    """What a person reads: the page without its tags."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def group_buy(org):
    """A running group-buy for 徐汇苑 in stores A1 and A2: a sink at ¥1999 (usually ¥2999) and a tap."""
    today = timezone.localdate()
    activity = ActivityFactory(kind=Activity.Kind.GROUP_BUY, community=COMMUNITY, name="新业主厨卫团购",
                               all_stores=False, starts_on=today - timedelta(days=2), ends_on=today + timedelta(days=12))
    activity.stores.set([org.store_a1, org.store_a2])
    sink = CouponDefinitionFactory(
        activity=activity, name="水槽团购券", kind=CouponDefinition.Kind.GROUP_BUY, amount_off=None, min_spend=None,
        item="304 不锈钢水槽套装", group_price="1999.00", product=ProductFactory(price="2999.00"),
        validity=CouponDefinition.Validity.FIXED, valid_from=activity.starts_on,
        valid_until=activity.ends_on + timedelta(days=30), valid_days=None, all_stores=False)
    tap = CouponDefinitionFactory(
        activity=activity, name="龙头团购券", kind=CouponDefinition.Kind.GROUP_BUY, amount_off=None, min_spend=None,
        item="抽拉龙头", group_price="399.00", validity=CouponDefinition.Validity.FIXED,
        valid_from=activity.starts_on, valid_until=activity.ends_on + timedelta(days=30), valid_days=None,
        all_stores=False)
    for definition in (sink, tap):
        definition.stores.set([org.store_a1, org.store_a2])
    activity_codes_make(activity=activity)
    return activity, sink, tap


def page_url(activity):
    return reverse("promotions_h5:activity", args=[activity.pk])


def claim_url(definition):
    return reverse("promotions_h5:claim", args=[definition.activity_id, definition.pk])


# --- The H5 page --------------------------------------------------------------------------------


def test_the_page_shows_the_community_items_prices_windows_stores_and_neighbours(client, org, group_buy):
    activity, sink, _tap = group_buy
    for n in range(2):
        coupon_claim(definition=sink, customer=CustomerFactory(store=org.store_a1))
    page = visible(client.get(page_url(activity)))
    assert f"{COMMUNITY}业主专享" in page and "新业主厨卫团购" in page
    assert "已有 2 位邻居参团" in page
    assert "304 不锈钢水槽套装" in page and "¥1999" in page and "原价 ¥2999" in page and "省 ¥1000" in page
    assert "抽拉龙头" in page and "¥399" in page
    start, end = activity.starts_on, activity.ends_on
    assert f"线上领券 {start:%Y-%m-%d} 至 {end:%Y-%m-%d}" in page
    assert f"到店核销 {start:%Y-%m-%d} 至 {sink.valid_until:%Y-%m-%d}" in page
    assert org.store_a1.name in page and org.store_a1.address in page and org.store_a2.address in page
    assert org.store_b1.name not in page
    assert "我要参团" in page


def test_nobody_joined_yet_invites_the_first_neighbour(client, group_buy):
    assert "成为第一位参团的邻居" in text(client.get(page_url(group_buy[0])))


def test_the_share_card_links_through_the_stores_code_of_the_activity(client, org, group_buy):
    activity = group_buy[0]
    customer = CustomerFactory(store=org.store_a2, openid="o-gb-share")
    as_wechat_user(client, customer.openid)
    response = client.get(page_url(activity))
    share = response.context["share"]
    code = store_share_code(activity, org.store_a2)
    assert share["link"].endswith(f"/q/{code.token}") and COMMUNITY in share["title"]
    assert "团购价低至 ¥399" in share["desc"]
    page = response.content.decode()
    assert 'id="gb-share"' in page and "js/wechat_jssdk.js" in page and 'data-jssdk-url="/wechat/jssdk/"' in page


# --- Claims -------------------------------------------------------------------------------------


def test_a_claim_within_the_window_gives_the_coupon_and_records_the_community(client, org, group_buy):
    _activity, sink, _tap = group_buy
    customer = CustomerFactory(store=org.store_a1, openid="o-gb-1", community="")
    as_wechat_user(client, customer.openid)
    response = client.post(claim_url(sink), **HTMX)
    assert response.status_code == 200
    assert "领取成功" in text(response) and "已有 1 位邻居参团" in text(response)  # the count, out of band
    coupon = Coupon.objects.get(customer=customer)
    assert (coupon.definition, coupon.valid_from, coupon.valid_until) == (sink, sink.valid_from, sink.valid_until)
    customer.refresh_from_db()
    assert customer.community == COMMUNITY


def test_a_community_already_known_is_not_overwritten(client, org, group_buy):
    customer = CustomerFactory(store=org.store_a1, openid="o-gb-2", community="汇成新村")
    as_wechat_user(client, customer.openid)
    assert client.post(claim_url(group_buy[1])).status_code == 302  # plain form: to my coupons
    customer.refresh_from_db()
    assert customer.community == "汇成新村" and Coupon.objects.filter(customer=customer).count() == 1


def test_a_new_visitor_becomes_a_customer_of_the_community(client, group_buy):
    as_wechat_user(client, "o-gb-first-sight")
    assert client.post(claim_url(group_buy[1]), **HTMX).status_code == 200
    assert Customer.objects.get(openid="o-gb-first-sight").community == COMMUNITY


@pytest.mark.parametrize(("when", "message"), [("ended", "活动已结束"), ("not_started", "开始")])
def test_outside_the_window_a_claim_is_refused_in_chinese_and_nothing_changes(client, org, group_buy, when, message):
    activity, sink, _tap = group_buy
    today = timezone.localdate()
    if when == "ended":
        Activity.objects.filter(pk=activity.pk).update(starts_on=today - timedelta(days=10),
                                                      ends_on=today - timedelta(days=1))
    else:
        Activity.objects.filter(pk=activity.pk).update(starts_on=today + timedelta(days=1),
                                                      ends_on=today + timedelta(days=10))
    customer = CustomerFactory(store=org.store_a1, openid="o-gb-late", community="")
    as_wechat_user(client, customer.openid)
    stock = CouponDefinition.objects.get(pk=sink.pk).stock_remaining
    page = text(client.get(page_url(activity)))
    assert ("本次团购已结束" if when == "ended" else "本次团购将于") in page
    for extra in (HTMX, {}):
        response = client.post(claim_url(sink), **extra)
        refusal = message if when == "ended" else f"{today + timedelta(days=1):%Y-%m-%d} {message}"
        assert response.status_code == 400 and refusal in text(response)
    assert not Coupon.objects.filter(customer=customer).exists()
    assert CouponDefinition.objects.get(pk=sink.pk).stock_remaining == stock
    customer.refresh_from_db()
    assert customer.community == ""


def test_a_second_claim_is_refused_one_per_person(client, org, group_buy):
    customer = CustomerFactory(store=org.store_a1, openid="o-gb-twice")
    as_wechat_user(client, customer.openid)
    client.post(claim_url(group_buy[1]), **HTMX)
    # the card now says "claimed"; a forged second post is refused
    response = client.post(claim_url(group_buy[1]), **HTMX)
    assert response.status_code == 400 and "每人限领一张" in text(response)
    assert Coupon.objects.filter(customer=customer).count() == 1


def test_an_unknown_visitor_signs_in_through_wechat_first(client, group_buy):
    response = client.post(claim_url(group_buy[1]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("h5:sign_in")) and str(group_buy[0].pk) in response["Location"]
    assert not Coupon.objects.exists()


def test_redeeming_is_only_within_the_coupons_dates(org, group_buy):
    _activity, sink, _tap = group_buy
    coupon = coupon_claim(definition=sink, customer=CustomerFactory(store=org.store_a1))
    from promotions.errors import PromotionError

    with pytest.raises(PromotionError):
        coupon_redeem(code=coupon.code, actor=org.assistant.user,
                      now=timezone.now() + timedelta(days=(sink.valid_until - timezone.localdate()).days + 1))
    assert coupon_redeem(code=coupon.code, actor=org.assistant.user).store_id == org.store_a1.pk


def test_community_fill_leaves_erased_and_known_customers_alone(org):
    erased = CustomerFactory(store=org.store_a1, community="", erased_at=timezone.now())
    known = CustomerFactory(store=org.store_a1, community="龙华新城")
    blank = CustomerFactory(store=org.store_a1, community="")
    assert [customer_community_fill(customer=c, community=COMMUNITY) for c in (erased, known, blank)] == [
        False, False, True]
    assert customer_community_fill(customer=blank, community="  ") is False


# --- Sharing and attribution --------------------------------------------------------------------


def test_a_neighbour_opening_the_assistants_share_is_their_customer_and_claims(client, org, group_buy):
    activity, sink, _tap = group_buy
    code = assistant_share_code(activity=activity, staff=org.colleague)
    assert assistant_share_code(activity=activity, staff=org.colleague) == code  # made once
    assert (code.store, code.staff, code.assignment) == (org.store_a1, org.colleague, QRCode.Assignment.FIXED)
    as_wechat_user(client, "o-gb-neighbour")
    response = client.get(f"/q/{code.token}", HTTP_USER_AGENT="Mozilla/5.0 MicroMessenger/8.0")
    assert response.status_code == 302 and response["Location"] == page_url(activity)
    neighbour = Customer.objects.get(openid="o-gb-neighbour")
    assert (neighbour.store, neighbour.owner_assistant, neighbour.bound_via) == (org.store_a1, org.colleague, code)
    assert client.post(claim_url(sink), **HTMX).status_code == 200
    figures = group_buy_figures(activity, org.colleague.user)
    assert figures.claimed == 1  # the colleague sees the claim of their new customer


def test_the_stores_poster_carries_the_stores_code_and_the_windows(client, org, group_buy):
    activity = group_buy[0]
    client.force_login(org.manager.user)
    response = client.get(reverse("promotions:group_buy_poster", args=[activity.pk]))
    assert response.status_code == 200
    page = text(response)
    code = store_share_code(activity, org.store_a1)
    assert response.context["link"].endswith(f"/q/{code.token}")
    assert 'id="poster-qr" src="data:image/svg+xml;base64,' in page
    assert f"qrcodes/{code.pk}.png" in page
    assert COMMUNITY in page and "¥1999" in page and "微信扫码参团" in page and org.store_a1.address in page
    assert client.get(reverse("qrcodes:png", args=[code.pk])).status_code == 200
    # a store out of the manager's scope: refused
    other = client.get(reverse("promotions:group_buy_poster", args=[activity.pk]), {"store": org.store_a2.pk})
    assert other.status_code == 200 and other.context["code"].store == org.store_a1


def test_the_assistants_poster_carries_their_own_code(client, org, group_buy):
    activity = group_buy[0]
    client.force_login(org.assistant.user)
    listing = client.get(reverse("promotions_workbench:group_buys"))
    assert "新业主厨卫团购" in text(listing)
    response = client.get(reverse("promotions_workbench:group_buy_poster", args=[activity.pk]))
    assert response.status_code == 200
    code = QRCode.objects.get(staff=org.assistant, target_content_type=ContentType.objects.get_for_model(Activity))
    assert response.context["link"].endswith(f"/q/{code.token}") and org.assistant.name in text(response)
    assert client.get(reverse("qrcodes:png", args=[code.pk])).status_code == 200


def test_an_assistant_of_a_store_without_the_group_buy_gets_no_poster(client, org, group_buy):
    north = StaffFactory(role=Role.ASSISTANT, store=org.store_b1)
    client.force_login(north.user)
    assert client.get(reverse("promotions_workbench:group_buy_poster", args=[group_buy[0].pk])).status_code == 404
    assert not QRCode.objects.filter(staff=north).exclude(target_type="staff").exists()


# --- Dashboard ----------------------------------------------------------------------------------


@pytest.fixture
def claims(org, group_buy):
    """Two claims by A1's customers (one redeemed in A1), one by an A2 customer of another community."""
    _activity, sink, tap = group_buy
    first = coupon_claim(definition=sink, customer=CustomerFactory(store=org.store_a1, community=COMMUNITY))
    coupon_claim(definition=tap, customer=CustomerFactory(store=org.store_a1, community=COMMUNITY))
    coupon_claim(definition=sink, customer=CustomerFactory(store=org.store_a2, community="汇成新村"))
    coupon_redeem(code=first.code, actor=org.assistant.user)


@pytest.mark.parametrize(("role", "claimed", "redeemed"), [
    ("hq", 3, 1), ("supervisor", 3, 1), ("manager", 2, 1), ("manager_a2", 1, 0), ("manager_b1", None, None)])
def test_the_dashboard_figures_follow_each_roles_scope(client, org, group_buy, claims, role, claimed, redeemed):
    activity = group_buy[0]
    if role == "manager_a2":
        user = StaffFactory(role=Role.STORE_MANAGER, store=org.store_a2).user
    elif role == "manager_b1":
        user = StaffFactory(role=Role.STORE_MANAGER, store=org.store_b1).user
    else:
        user = org.user(role)
    client.force_login(user)
    listing = client.get(reverse("promotions:group_buys"))
    detail = client.get(reverse("promotions:group_buy", args=[activity.pk]))
    if claimed is None:
        assert listing.status_code == 200 and "新业主厨卫团购" not in text(listing)
        assert detail.status_code == 404
        return
    assert listing.status_code == 200 and "新业主厨卫团购" in text(listing)
    assert detail.status_code == 200
    figures = detail.context["figures"]
    assert (figures.claimed, figures.redeemed) == (claimed, redeemed)
    page = text(detail)
    assert f'data-figure="claimed">{claimed}<' in page and f'data-figure="redeemed">{redeemed}<' in page


def test_the_figures_by_coupon_store_and_community(org, group_buy, claims):
    figures = group_buy_figures(group_buy[0], org.hq.user)
    assert figures.neighbours == 3
    assert {(r["definition__name"], r["claimed"], r["redeemed"]) for r in figures.by_definition} == {
        ("水槽团购券", 2, 1), ("龙头团购券", 1, 0)}
    assert {(r["store"], r["claimed"], r["redeemed"]) for r in figures.by_store} == {
        (org.store_a1.name, 2, 1), (org.store_a2.name, 1, 0)}
    assert [(r["community"], r["is_target"], r["people"], r["claimed"]) for r in figures.by_community] == [
        (COMMUNITY, True, 2, 2), ("汇成新村", False, 1, 1)]


@pytest.mark.parametrize("role", ["assistant", "partner", "outsider"])
def test_floor_staff_partners_and_strangers_do_not_open_the_dashboard(client, org, group_buy, role):
    client.force_login(org.user(role))
    for url in (reverse("promotions:group_buys"), reverse("promotions:group_buy", args=[group_buy[0].pk])):
        assert client.get(url).status_code == 302


def test_the_dashboard_needs_a_sign_in(client, group_buy):
    response = client.get(reverse("promotions:group_buys"))
    assert response.status_code == 302 and "login" in response["Location"]


# --- What a group-buy's coupons must be ---------------------------------------------------------


def test_a_group_buys_coupons_are_group_buy_coupons_with_fixed_dates_from_its_start(in_english, group_buy):
    activity, sink, _tap = group_buy
    assert group_buy_definition_errors(sink) == {}
    wrong_kind = CouponDefinition(activity=activity, kind=CouponDefinition.Kind.DISCOUNT, discount_rate=88,
                                  validity=CouponDefinition.Validity.FIXED, valid_from=activity.starts_on,
                                  valid_until=activity.ends_on)
    assert set(group_buy_definition_errors(wrong_kind)) == {"kind"}
    after_claim = CouponDefinition(activity=activity, kind="group_buy", item="x", group_price=1,
                                   validity=CouponDefinition.Validity.AFTER_CLAIM, valid_days=7)
    assert set(group_buy_definition_errors(after_claim)) == {"validity"}
    early = CouponDefinition(activity=activity, kind="group_buy", item="x", group_price=1,
                             validity=CouponDefinition.Validity.FIXED,
                             valid_from=activity.starts_on - timedelta(days=1), valid_until=activity.ends_on)
    assert "before the group-buy starts" in group_buy_definition_errors(early)["valid_from"]
    # a coupon of an ordinary promotion is not concerned
    assert group_buy_definition_errors(CouponDefinitionFactory.build(activity=ActivityFactory())) == {}


def test_the_refusals_read_in_chinese(group_buy):
    activity = group_buy[0]
    early = CouponDefinition(activity=activity, kind="discount", discount_rate=88,
                             validity=CouponDefinition.Validity.AFTER_CLAIM, valid_days=7)
    errors = group_buy_definition_errors(early)
    assert "团购券" in errors["kind"] and "固定" in errors["validity"]


def test_moving_the_start_after_the_coupons_first_day_is_refused(in_english, group_buy):
    activity = group_buy[0]
    assert group_buy_activity_errors(activity) == {}
    activity.starts_on = activity.starts_on + timedelta(days=1)
    assert "水槽团购券" in group_buy_activity_errors(activity)["starts_on"]


@pytest.mark.zbar
def test_the_posters_qr_picture_decodes_to_the_shared_link(client, org, group_buy, tmp_path):
    import base64
    import shutil
    import subprocess

    client.force_login(org.assistant.user)
    response = client.get(reverse("promotions_workbench:group_buy_poster", args=[group_buy[0].pk]))
    svg = base64.b64decode(response.context["qr"].split(",", 1)[1])
    assert svg.startswith(b"<?xml") and b"<svg" in svg
    png = tmp_path / "poster.png"
    png.write_bytes(client.get(reverse("qrcodes:png", args=[response.context["code"].pk])).content)
    decoded = subprocess.run([shutil.which("zbarimg"), "-q", "--raw", str(png)], capture_output=True, text=True,
                             check=False)
    assert decoded.stdout.strip() == response.context["link"]


def test_the_page_costs_the_same_queries_however_many_items_and_neighbours(client, org, group_buy,
                                                                          django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    activity, sink, tap = group_buy
    customer = CustomerFactory(store=org.store_a1, openid="o-gb-count")
    as_wechat_user(client, customer.openid)
    with CaptureQueriesContext(connection) as few:
        client.get(page_url(activity))
    for n in range(4):
        extra = CouponDefinitionFactory(
            activity=activity, name=f"团购券{n}", kind="group_buy", amount_off=None, min_spend=None, item=f"商品{n}",
            group_price="9.00", product=ProductFactory(), validity="fixed", valid_from=sink.valid_from,
            valid_until=sink.valid_until, valid_days=None, all_stores=False)
        extra.stores.set([org.store_a1])
        coupon_claim(definition=extra, customer=CustomerFactory(store=org.store_a1))
    coupon_claim(definition=tap, customer=customer)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(page_url(activity))
    assert "商品3" in text(response)
