"""Head office's admin: activities with their store codes, coupon definitions whose stock left
follows the total, coupons listed with masked codes (a code is the coupon)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from promotions.models import CouponDefinition
from promotions.services import coupon_claim
from stores.models import QRCode

from .factories import ActivityFactory

pytestmark = pytest.mark.django_db


def test_hq_adds_a_definition_and_its_stock_left_starts_full(client, org):
    activity = ActivityFactory()
    client.force_login(org.hq.user)
    today = timezone.localdate()
    response = client.post(reverse("admin:promotions_coupondefinition_add"), {
        "activity": activity.pk, "name": "开业代金券", "kind": "cash_voucher", "is_active": "on", "position": 0,
        "amount_off": "100", "validity": "fixed", "valid_from": today.isoformat(), "valid_until": today.isoformat(),
        "stock_total": 50, "per_customer_limit": 1, "all_stores": "on",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    definition = CouponDefinition.objects.get(name="开业代金券")
    assert (definition.stock_total, definition.stock_remaining) == (50, 50)


def test_lowering_the_stock_below_what_was_claimed_is_refused(client, org, definition, customer):
    coupon_claim(definition=definition, customer=customer)
    client.force_login(org.hq.user)
    url = reverse("admin:promotions_coupondefinition_change", args=[definition.pk])
    data = {f: getattr(definition, f) for f in ("name", "kind", "amount_off", "min_spend", "validity", "valid_days",
                                                "per_customer_limit", "position")}
    data.update(activity=definition.activity_id, is_active="on", all_stores="on", stock_total=0)
    response = client.post(url, {k: ("" if v is None else v) for k, v in data.items()})
    assert response.status_code == 200 and "已被领取 1 张" in response.content.decode()
    data["stock_total"] = 10
    assert client.post(url, {k: ("" if v is None else v) for k, v in data.items()}).status_code == 302
    definition.refresh_from_db()
    assert (definition.stock_total, definition.stock_remaining) == (10, 9)


def test_the_activity_action_makes_one_code_per_store_once(client, org):
    activity = ActivityFactory(all_stores=False)
    activity.stores.set([org.store_a1, org.store_a2])
    client.force_login(org.hq.user)
    changelist = reverse("admin:promotions_activity_changelist")
    for _ in range(2):
        client.post(changelist, {"action": "make_codes", "_selected_action": [activity.pk]})
    codes = QRCode.objects.filter(target_type="activity", target_id=activity.pk)
    assert sorted(codes.values_list("store_id", flat=True)) == sorted([org.store_a1.pk, org.store_a2.pk])


def test_a_scan_of_the_activity_code_leads_to_its_page(org):
    from promotions.services import activity_codes_make
    from stores.touchpoints import target_page_url

    activity = ActivityFactory(all_stores=False)
    activity.stores.set([org.store_a1])
    activity_codes_make(activity=activity)
    code = QRCode.objects.get(target_type="activity", target_id=activity.pk)
    assert code.store == org.store_a1  # scans attribute to the store, like its other codes
    assert target_page_url(code) == reverse("promotions_h5:activity", args=[activity.pk])


def test_coupons_are_listed_with_masked_codes(client, org, definition, customer):
    coupon = coupon_claim(definition=definition, customer=customer)
    client.force_login(org.hq.user)
    page = client.get(reverse("admin:promotions_coupon_changelist")).content.decode()
    assert f"**** **** {coupon.code[-4:]}" in page and coupon.code not in page
    found = client.get(reverse("admin:promotions_coupon_changelist"), {"q": coupon.code_display}).content.decode()
    assert f"**** **** {coupon.code[-4:]}" in found
