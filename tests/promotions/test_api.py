"""The API (PRO-1..3): scoped reads, redemption by code for the workbench, reversal by the manager.
Refusals answer {detail} (400) or 403; out of scope is 404 like missing."""

import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from promotions.models import Coupon, Redemption
from promotions.services import coupon_claim, coupon_redeem
from tests.factories import CustomerFactory

from .factories import ActivityFactory, CouponDefinitionFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


def api(user):
    """An API client that chose English: details are matched against the English text."""
    client = APIClient()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_authenticate(user)
    return client


@pytest.fixture
def coupon(definition, customer):
    return coupon_claim(definition=definition, customer=customer)


def test_redeeming_by_code_is_attributed_to_the_caller_and_their_store(org, coupon):
    response = api(org.colleague.user).post(reverse("coupon-redemption-list"), {"code": coupon.code_display},
                                            format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["store"], body["assistant"], body["holder"], body["status"]) == (
        org.store_a1.pk, org.colleague.pk, "张** · 139****5678", "redeemed")
    assert Coupon.objects.get(pk=coupon.pk).status == Coupon.Status.REDEEMED


@pytest.mark.parametrize(("who", "code_of", "status", "detail"), [
    ("assistant", "used", 400, "already used"),
    ("assistant", "tampered", 400, "not a valid coupon code"),
    ("hq", "good", 403, "Only staff of a store"),
    ("partner", "good", 403, "Only staff of a store"),
])
def test_refused_redemptions_say_why_and_change_nothing(org, coupon, who, code_of, status, detail):
    code = coupon.code
    if code_of == "used":
        coupon_redeem(code=code, actor=org.colleague.user)
    elif code_of == "tampered":
        code = code[:-1] + ("2" if code[-1] != "2" else "3")
    before = Redemption.objects.count()

    response = api(org.user(who)).post(reverse("coupon-redemption-list"), {"code": code}, format="json")

    assert response.status_code == status and detail in response.json()["detail"]
    assert Redemption.objects.count() == before


def test_verify_shows_the_coupon_without_redeeming(org, coupon):
    response = api(org.assistant.user).post(reverse("coupon-redemption-verify"), {"code": coupon.code},
                                            format="json")
    assert response.status_code == 200
    assert response.json()["value"] == "¥300 off orders from ¥5000"
    assert response.json()["holder"] == "张** · 139****5678"
    assert not Redemption.objects.exists()


def test_only_the_stores_manager_reverses(org, coupon):
    redemption = coupon_redeem(code=coupon.code, actor=org.assistant.user)
    url = reverse("coupon-redemption-reverse", args=[redemption.pk])

    refused = api(org.assistant.user).post(url, {"reason": "误核销"}, format="json")
    no_reason = api(org.manager.user).post(url, {"reason": ""}, format="json")
    done = api(org.manager.user).post(url, {"reason": "误核销"}, format="json")

    assert refused.status_code == 403
    assert no_reason.status_code == 400 and "Say why" in no_reason.json()["detail"]
    assert done.status_code == 200 and done.json()["status"] == "reversed"
    assert done.json()["reversal_reason"] == "误核销"


def test_redemptions_are_scoped(org, coupon):
    redemption = coupon_redeem(code=coupon.code, actor=org.assistant.user)
    url = reverse("coupon-redemption-detail", args=[redemption.pk])

    assert api(org.manager.user).get(url).status_code == 200
    assert api(org.supervisor.user).get(url).status_code == 200
    assert api(org.other_store_assistant.user).get(url).status_code == 404
    listed = api(org.colleague.user).get(reverse("coupon-redemption-list")).json()["results"]
    assert listed == []  # an assistant sees their own redemptions


def test_a_customers_coupons_show_masked_codes_to_staff_in_scope(org, coupon, customer):
    mine = api(org.assistant.user).get(reverse("coupon-list"), {"customer": customer.pk})
    other = api(org.other_store_assistant.user).get(reverse("coupon-list"), {"customer": customer.pk})

    (row,) = mine.json()["results"]
    assert row["code"] == f"**** **** {coupon.code[-4:]}" and coupon.code not in str(mine.json())
    assert row["value"] == "¥300 off orders from ¥5000"
    assert other.json()["results"] == []


def test_activities_and_definitions_are_those_of_the_callers_stores(org):
    everywhere = CouponDefinitionFactory()
    only_a2 = ActivityFactory(all_stores=False)
    only_a2.stores.set([org.store_a2])
    hidden = CouponDefinitionFactory(activity=only_a2, all_stores=False)
    hidden.stores.set([org.store_a2])

    activities = {a["id"] for a in api(org.manager.user).get(reverse("promotion-activity-list")).json()["results"]}
    definitions = {d["id"] for d in api(org.manager.user).get(reverse("coupon-definition-list")).json()["results"]}
    hq = {d["id"] for d in api(org.hq.user).get(reverse("coupon-definition-list")).json()["results"]}

    assert everywhere.activity_id in activities and only_a2.pk not in activities
    assert definitions == {everywhere.pk} and hq == {everywhere.pk, hidden.pk}
    assert api(org.partner.user).get(reverse("promotion-activity-list")).json()["results"] == []


def test_the_other_stores_customers_coupon_is_still_redeemable_where_usable(org, definition):
    """The code is the coupon: an assistant redeems a walk-in customer of another store."""
    stranger = CustomerFactory(store=org.store_b1, openid="o-stranger", mobile="")
    coupon = coupon_claim(definition=definition, customer=stranger)
    response = api(org.assistant.user).post(reverse("coupon-redemption-list"), {"code": coupon.code},
                                            format="json")
    assert response.status_code == 201


def test_the_browsable_api_offers_no_other_stores_customers_or_coupons(org, coupon):
    """The filter form of ``?format=api`` takes its choices from the caller's scope, and a customer
    id is a plain number: no other store's names, no "that id exists" from a 400."""
    northerner = CustomerFactory(store=org.store_b1, name="北方客户王大锤", openid="o-north", mobile="")
    north_only = ActivityFactory(name="北京店独享季", all_stores=False)
    north_only.stores.set([org.store_b1])
    north_coupon = CouponDefinitionFactory(activity=north_only, name="北京店专享券", all_stores=False)
    north_coupon.stores.set([org.store_b1])
    client = api(org.assistant.user)

    coupons_page = client.get(reverse("coupon-list"), {"format": "api"})
    definitions_page = client.get(reverse("coupon-definition-list"), {"format": "api"})
    probe = client.get(reverse("coupon-list"), {"customer": northerner.pk})

    assert coupons_page.status_code == 200 and definitions_page.status_code == 200
    page = coupons_page.content.decode() + definitions_page.content.decode()
    assert coupon.definition.name in page  # the form is there, with the caller's own choices
    assert northerner.name not in page and north_coupon.name not in page and north_only.name not in page
    assert probe.status_code == 200 and probe.json()["results"] == []
