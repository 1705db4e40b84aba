"""The pages people use: the H5 activity page and "my coupons" (customer, in Chinese), the
workbench's redeem page (assistant), the dashboard's redemptions with reversal (manager)."""

import re

import pytest
from django.urls import reverse

from promotions.models import Activity, Coupon, Redemption
from promotions.services import coupon_claim, coupon_redeem
from stores.models import Role
from tests.factories import CustomerFactory, StaffFactory
from tests.identity import as_wechat_user

from .factories import ActivityFactory, CouponDefinitionFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def claim(client, definition, **extra):
    return client.post(reverse("promotions_h5:claim", args=[definition.activity_id, definition.pk]), **extra)


# --- H5 ---------------------------------------------------------------------------------------


def test_the_activity_page_shows_its_coupons_in_chinese(client, definition):
    response = client.get(reverse("promotions_h5:activity", args=[definition.activity_id]))
    page = text(response)
    assert response.status_code == 200
    assert definition.activity.name in page and definition.name in page
    assert "满¥5000减¥300" in page and "领取后30天内有效" in page and "每人限领一张" in page and "领取" in page


@pytest.mark.parametrize("pk", ["draft", "999999", "abc"])
def test_a_draft_or_unknown_activity_is_a_friendly_404(client, pk):
    if pk == "draft":
        pk = ActivityFactory(status=Activity.Status.DRAFT).pk
    response = client.get(reverse("promotions_h5:activity", args=[pk]))
    assert response.status_code == 404 and "活动可能已下线" in text(response)


def test_a_claim_on_the_phone_gives_the_coupon_and_a_second_one_is_refused_in_chinese(client, definition, customer):
    as_wechat_user(client, customer.openid)

    first = claim(client, definition, **HTMX)
    second = claim(client, definition, **HTMX)

    assert first.status_code == 200 and "领取成功" in text(first)
    assert second.status_code == 400 and "您已领过这张优惠券（每人限领一张）" in text(second)
    assert Coupon.objects.filter(definition=definition, customer=customer).count() == 1


def test_a_second_wechat_account_of_the_same_mobile_is_refused_on_the_phone(client, definition, customer, org):
    coupon_claim(definition=definition, customer=customer)
    CustomerFactory(store=org.store_a2, openid="o-other-phone", mobile=customer.mobile)
    as_wechat_user(client, "o-other-phone")

    response = claim(client, definition, **HTMX)

    assert response.status_code == 400 and "您已领过这张优惠券" in text(response)
    assert Coupon.objects.filter(definition=definition).count() == 1


def test_a_claim_past_the_stock_is_refused_in_chinese(client, customer, org):
    definition = CouponDefinitionFactory(stock_total=1, stock_remaining=1)
    coupon_claim(definition=definition, customer=CustomerFactory(store=org.store_a1, openid="o-quick"))
    as_wechat_user(client, customer.openid)

    response = claim(client, definition, **HTMX)

    assert response.status_code == 400 and "抱歉，这张优惠券已被领完" in text(response)
    definition.refresh_from_db()
    assert definition.stock_remaining == 0


def test_without_javascript_a_refused_claim_shows_the_page_with_the_reason(client, definition, customer):
    as_wechat_user(client, customer.openid)
    claim(client, definition)
    response = claim(client, definition)
    assert response.status_code == 400 and "您已领过这张优惠券" in text(response) and definition.name in text(response)


def test_a_first_time_visitor_claims_as_a_new_customer_and_goes_to_my_coupons(client, definition):
    as_wechat_user(client, "o-brand-new")
    response = claim(client, definition)
    assert response.status_code == 302 and response["Location"].startswith(reverse("promotions_h5:my_coupons"))
    assert Coupon.objects.get().customer.openid == "o-brand-new"


def test_an_unknown_visitor_signs_in_through_wechat_first(client, definition):
    response = claim(client, definition, **HTMX)
    assert response.status_code == 204 and response["HX-Redirect"].startswith(reverse("h5:sign_in"))
    assert not Coupon.objects.exists()


def test_my_coupons_shows_my_valid_coupon_with_code_and_qr_and_nobody_elses(client, definition, customer, org):
    mine = coupon_claim(definition=definition, customer=customer)
    theirs = coupon_claim(definition=definition, customer=CustomerFactory(store=org.store_a1, openid="o-theirs"))
    as_wechat_user(client, customer.openid)

    page = text(client.get(reverse("promotions_h5:my_coupons")))

    assert mine.code_display in page and 'src="data:image/svg+xml;base64,' in page
    assert theirs.code not in page and theirs.code_display not in page
    assert "未使用 1" in page and "满¥5000减¥300" in page


def test_a_used_coupon_moves_to_used_without_its_qr(client, definition, customer, org):
    coupon = coupon_claim(definition=definition, customer=customer)
    coupon_redeem(code=coupon.code, actor=org.assistant.user)
    as_wechat_user(client, customer.openid)

    valid = text(client.get(reverse("promotions_h5:my_coupons")))
    used = text(client.get(reverse("promotions_h5:my_coupons") + "?tab=used"))

    assert coupon.code_display not in valid and "已使用 1" in valid
    assert "已在徐汇店使用" in used and "data:image/svg" not in used


def test_my_page_links_to_my_coupons(client, customer):
    as_wechat_user(client, customer.openid)
    assert reverse("promotions_h5:my_coupons") in text(client.get(reverse("h5:me")))


# --- Workbench ----------------------------------------------------------------------------------


@pytest.fixture
def coupon(definition, customer):
    return coupon_claim(definition=definition, customer=customer)


def redeem(client, code, step="verify"):
    return client.post(reverse("promotions_workbench:redeem"), {"code": code, "step": step}, **HTMX)


def test_the_assistant_verifies_sees_whose_coupon_then_redeems_with_one_tap(client, org, coupon):
    client.force_login(org.assistant.user)

    verified = redeem(client, coupon.code_display.lower())
    done = redeem(client, coupon.code, step="redeem")

    assert verified.status_code == 200
    assert "张** · 139****5678" in text(verified) and "满¥5000减¥300" in text(verified) and "确认核销" in text(verified)
    assert Redemption.objects.get().assistant == org.assistant
    assert done.status_code == 200 and "核销下一张" in text(done)


@pytest.mark.parametrize(("case", "message"), [
    ("redeemed", "这张优惠券已于"), ("tampered", "券码不正确"), ("unknown", "没有这个券码的优惠券"),
    ("other_store", "这张优惠券不能在杭州店使用"), ("expired", "已于"),
])
def test_refusals_are_clear_chinese_in_place_and_change_nothing(client, org, customer, case, message):
    from datetime import timedelta

    from django.utils import timezone

    from promotions.codes import ALPHABET, code_new

    definition = CouponDefinitionFactory(all_stores=False)
    definition.stores.set([org.store_a1])
    coupon = coupon_claim(definition=definition, customer=customer)
    user, code = org.assistant.user, coupon.code
    if case == "redeemed":
        coupon_redeem(code=code, actor=org.colleague.user)
    elif case == "tampered":
        code = code[:5] + ALPHABET[(ALPHABET.index(code[5]) + 1) % 32] + code[6:]
    elif case == "unknown":
        code = code_new()
    elif case == "other_store":
        user = org.other_store_assistant.user
    elif case == "expired":
        today = timezone.localdate()
        Coupon.objects.filter(pk=coupon.pk).update(valid_from=today - timedelta(days=9),
                                                   valid_until=today - timedelta(days=2))
    before = Redemption.objects.count()
    client.force_login(user)

    response = redeem(client, code, step="redeem")

    assert response.status_code == 400 and message in text(response)
    assert Redemption.objects.count() == before


def test_the_workbench_home_links_to_the_redeem_page(client, org):
    client.force_login(org.assistant.user)
    assert reverse("promotions_workbench:redeem") in text(client.get(reverse("workbench:home")))


def test_a_partner_opens_the_page_but_cannot_redeem(client, org, coupon):
    client.force_login(org.partner.user)
    page = client.get(reverse("promotions_workbench:redeem"))
    assert "只有本店导购和店长可以核销优惠券" in text(page)
    assert redeem(client, coupon.code, step="redeem").status_code == 400
    assert not Redemption.objects.exists()


def test_a_designer_of_the_store_is_told_in_chinese_that_only_assistants_and_the_manager_redeem(client, org,
                                                                                                coupon):
    client.force_login(StaffFactory(role=Role.DESIGNER, store=org.store_a1).user)
    response = redeem(client, coupon.code, step="redeem")
    assert response.status_code == 400 and "只有本店导购和店长可以核销优惠券" in text(response)
    assert not Redemption.objects.exists()


# --- Dashboard ----------------------------------------------------------------------------------


def test_the_manager_sees_the_stores_redemptions_and_reverses_one_with_a_reason(client, org, coupon):
    redemption = coupon_redeem(code=coupon.code, actor=org.assistant.user)
    client.force_login(org.manager.user)

    listed = text(client.get(reverse("promotions:redemptions")))
    refused = client.post(reverse("promotions:redemption_reverse", args=[redemption.pk]), {"reason": " "}, **HTMX)
    done = client.post(reverse("promotions:redemption_reverse", args=[redemption.pk]), {"reason": "误核销"}, **HTMX)

    assert coupon.definition.name in listed and "张** · 139****5678" in listed and "撤销" in listed
    assert refused.status_code == 400
    assert done.status_code == 200 and "已撤销" in text(done) and "误核销" in text(done)
    assert Coupon.objects.get(pk=coupon.pk).status == Coupon.Status.CLAIMED


def test_another_stores_manager_neither_sees_nor_reverses_it(client, org, coupon):
    from stores.models import Role
    from tests.factories import StaffFactory

    redemption = coupon_redeem(code=coupon.code, actor=org.assistant.user)
    client.force_login(StaffFactory(role=Role.STORE_MANAGER, store=org.store_a2).user)

    assert f'id="redemption-{redemption.pk}"' not in text(client.get(reverse("promotions:redemptions")))
    response = client.post(reverse("promotions:redemption_reverse", args=[redemption.pk]), {"reason": "x"}, **HTMX)
    assert response.status_code == 404
    assert Redemption.objects.get(pk=redemption.pk).status == Redemption.Status.REDEEMED


def test_the_supervisor_sees_the_region_but_may_not_reverse(client, org, coupon):
    redemption = coupon_redeem(code=coupon.code, actor=org.assistant.user)
    client.force_login(org.supervisor.user)

    page = text(client.get(reverse("promotions:redemptions")))
    response = client.post(reverse("promotions:redemption_reverse", args=[redemption.pk]), {"reason": "x"}, **HTMX)

    assert f'id="redemption-{redemption.pk}"' in page
    assert response.status_code == 400 and "只有核销门店的店长可以撤销核销" in text(response)


def test_redemptions_list_in_constant_queries(client, org, definition, django_assert_max_num_queries):
    for n in range(12):
        holder = CustomerFactory(store=org.store_a1, openid=f"o-many-{n}", mobile="")
        coupon_redeem(code=coupon_claim(definition=definition, customer=holder).code, actor=org.assistant.user)
    client.force_login(org.manager.user)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("promotions:redemptions"))
    assert response.status_code == 200 and text(response).count("<tr id=\"redemption-") == 12
