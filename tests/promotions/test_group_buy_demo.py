"""The demo's community group-buy (demo/seed_group_buy.py): published for 徐汇苑, where customers of
the flagship live, two group-buy coupons that pass the group-buy rules, the store's code, neighbours
who already joined; seeding again adds nothing."""

import random

import pytest
from django.core.management import call_command

from demo.seed_group_buy import ACTIVITY, COMMUNITY, seed_group_buy
from promotions.group_buy import group_buy_definition_errors, group_buy_page, store_share_code
from promotions.models import Activity, Coupon, CouponDefinition
from stores.models import QRCode


@pytest.fixture
def seeded(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", customers=300, verbosity=0)
    seed_group_buy(random.Random(7))  # until seed_demo calls it


def test_the_demo_group_buy_is_for_a_community_demo_customers_live_in(seeded):
    activity = Activity.objects.get(name=ACTIVITY)
    assert activity.kind == Activity.Kind.GROUP_BUY and activity.community == COMMUNITY and activity.is_running()
    definitions = list(CouponDefinition.objects.filter(activity=activity))
    assert len(definitions) == 2 and all(not group_buy_definition_errors(d) for d in definitions)
    store = activity.stores.get()
    assert store.customers.filter(community=COMMUNITY).exists()
    assert store_share_code(activity, store) is not None
    page = group_buy_page(activity, None)
    assert page.neighbours > 0 and all(item.usual_price for item in page.items)


def test_seeding_the_group_buy_again_adds_nothing(seeded):
    counts = [Activity.objects.count(), CouponDefinition.objects.count(), Coupon.objects.count(),
              QRCode.objects.filter(target_type="activity").count()]
    seed_group_buy(random.Random(8))
    assert [Activity.objects.count(), CouponDefinition.objects.count(), Coupon.objects.count(),
            QRCode.objects.filter(target_type="activity").count()] == counts
