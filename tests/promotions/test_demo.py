"""The demo's promotion (README "Try a coupon"): a running activity with two coupons, its code in
every store, held coupons that put customers in the "coupon expiring" segment; seeding again adds
nothing."""

import pytest
from django.core.management import call_command

from invitations.segments import segments_for_store
from promotions.models import Activity, Coupon, CouponDefinition
from stores.models import QRCode, Staff, Store


@pytest.fixture
def seeded(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", customers=300, verbosity=0)


def test_the_demo_activity_runs_in_every_store_with_two_coupons(seeded):
    activity = Activity.objects.get(name="双十二焕新季")
    assert activity.is_running()
    assert CouponDefinition.objects.filter(activity=activity).count() == 2
    codes = QRCode.objects.filter(target_type="activity", target_id=activity.pk)
    assert set(codes.values_list("store_id", flat=True)) == set(Store.objects.filter(is_active=True)
                                                               .values_list("pk", flat=True))


def test_the_managers_store_has_customers_with_coupons_expiring_soon(seeded):
    manager = Staff.objects.get(user__username="manager")
    listed = {s["key"]: s for s in segments_for_store(store=manager.store, viewer=manager.user)}
    assert listed["coupon_expiring"]["count"] + listed["coupon_expiring"]["not_selectable"] >= 1


def test_seeding_again_adds_no_promotion_rows(seeded):
    counts = [Activity.objects.count(), CouponDefinition.objects.count(), Coupon.objects.count(),
              QRCode.objects.filter(target_type="activity").count()]
    call_command("seed_demo", customers=300, verbosity=0)
    assert [Activity.objects.count(), CouponDefinition.objects.count(), Coupon.objects.count(),
            QRCode.objects.filter(target_type="activity").count()] == counts
