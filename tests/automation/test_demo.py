"""The demo's journeys: seeding twice changes nothing; the demo customer's coupon ends in two days
so the built-in reminder finds her; a reminder that failed (the fake WeChat did not know her yet)
is cleared by seeding again, so the next run sends it."""

import random

import pytest

from automation.models import Journey, JourneyDelivery
from automation.services import journey_run
from demo.seed_journeys import DEMO_OPENID, seed_journeys
from promotions.models import Coupon
from stores.models import Role
from tests.factories import StaffFactory
from tests.promotions.factories import CouponDefinitionFactory
from wechat.models import Message

from .conftest import NOW, TODAY

pytestmark = pytest.mark.django_db


def test_seeding_twice_makes_the_journeys_and_the_demo_holder_once(org):
    StaffFactory(role=Role.ASSISTANT, store=org.store_a1, user__username="assistant")
    CouponDefinitionFactory(name="厨电满减券")
    seed_journeys(random.Random(1))
    seed_journeys(random.Random(2))

    assert sorted(Journey.objects.values_list("template", flat=True)) == [
        "coupon_expiry", "dormant_wakeup", "potential_activation", "second_purchase"]
    assert Journey.objects.get(template="second_purchase").coupon_definition.name == "新客回购券"
    assert Journey.objects.get(template="dormant_wakeup").status == Journey.Status.DRAFT
    (coupon,) = Coupon.objects.filter(customer__openid=DEMO_OPENID)
    assert (coupon.valid_until - TODAY).days == 2 and coupon.status == Coupon.Status.CLAIMED

    reminder = Journey.objects.get(template="coupon_expiry")
    assert journey_run(journey=reminder, now=NOW).acted == 1
    delivery = JourneyDelivery.objects.get(journey=reminder, customer__openid=DEMO_OPENID)
    Message.objects.filter(pk=delivery.message_id).update(status=Message.Status.FAILED)  # 43004: unknown user
    seed_journeys(random.Random(3))
    assert not JourneyDelivery.objects.filter(pk=delivery.pk).exists()
    journey_run(journey=reminder, now=NOW)
    assert Message.objects.filter(purpose="coupon_expiry", customer__openid=DEMO_OPENID,
                                  status=Message.Status.PENDING).count() == 1  # queued again
