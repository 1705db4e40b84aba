"""Redemption (PRO-3): only the code redeems, in a store where the coupon is usable, once; attributed
to store and assistant; the store's manager alone reverses it, with a reason. Refusals say why
and change nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from promotions.codes import ALPHABET, code_display
from promotions.errors import PromotionError, PromotionForbidden
from promotions.models import Coupon, Redemption
from promotions.services import (
    coupon_claim,
    coupon_redeem,
    coupon_verify,
    coupons_expire,
    redemption_reverse,
)

from stores.models import Role
from tests.factories import StaffFactory

from .factories import CouponDefinitionFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


@pytest.fixture
def coupon(definition, customer):
    return coupon_claim(definition=definition, customer=customer)


def _unchanged(coupon):
    row = Coupon.objects.get(pk=coupon.pk)
    return row.status, row.redeemed_at, Redemption.objects.filter(coupon=coupon).count()


def test_verify_shows_what_the_customer_gets_and_whose_coupon_it_is_masked(org, coupon):
    verified = coupon_verify(code=code_display(coupon.code).lower(), actor=org.assistant.user)

    assert verified.coupon == coupon
    assert verified.value == "¥300 off orders from ¥5000"
    assert verified.holder == "张** · 139****5678"
    assert _unchanged(coupon) == (Coupon.Status.CLAIMED, None, 0)


def test_redeeming_is_attributed_to_the_assistant_and_their_store(org, coupon):
    redemption = coupon_redeem(code=coupon.code, actor=org.colleague.user)

    coupon.refresh_from_db()
    assert (coupon.status, coupon.redeemed_store, coupon.redeemed_by) == (Coupon.Status.REDEEMED, org.store_a1,
                                                                         org.colleague)
    assert (redemption.store, redemption.assistant, redemption.status) == (org.store_a1, org.colleague,
                                                                           Redemption.Status.REDEEMED)


def test_an_already_redeemed_coupon_is_refused_with_when_and_where(org, coupon):
    coupon_redeem(code=coupon.code, actor=org.assistant.user)
    before = _unchanged(coupon)

    with pytest.raises(PromotionError, match=r"already used on .* in 徐汇店"):
        coupon_redeem(code=coupon.code, actor=org.colleague.user)

    assert _unchanged(coupon) == before


def test_a_tampered_or_mistyped_code_is_refused_before_any_lookup(org, coupon, django_assert_max_num_queries):
    last = coupon.code[-1]
    tampered = coupon.code[:-1] + ALPHABET[(ALPHABET.index(last) + 1) % len(ALPHABET)]

    with django_assert_max_num_queries(0), pytest.raises(PromotionError, match="not a valid coupon code"):
        coupon_redeem(code=tampered, actor=org.assistant.user)
    with django_assert_max_num_queries(0), pytest.raises(PromotionError, match="not a valid coupon code"):
        first = ALPHABET[(ALPHABET.index(coupon.code[0]) + 7) % len(ALPHABET)]
        coupon_redeem(code=first + coupon.code[1:], actor=org.assistant.user)  # one mistyped character
    with pytest.raises(PromotionError, match="not a valid coupon code"):
        coupon_verify(code=coupon.code[:-2], actor=org.assistant.user)
    assert _unchanged(coupon) == (Coupon.Status.CLAIMED, None, 0)


def test_an_unknown_well_formed_code_is_refused(org, coupon):
    from promotions.codes import code_new

    with pytest.raises(PromotionError, match="No coupon has this code"):
        coupon_redeem(code=code_new(), actor=org.assistant.user)


def test_another_stores_assistant_cannot_redeem_a_coupon_not_usable_there(org, customer):
    definition = CouponDefinitionFactory(all_stores=False)
    definition.stores.set([org.store_a1])
    coupon = coupon_claim(definition=definition, customer=customer)

    with pytest.raises(PromotionError, match="cannot be used in 杭州店"):
        coupon_redeem(code=coupon.code, actor=org.other_store_assistant.user)

    assert _unchanged(coupon) == (Coupon.Status.CLAIMED, None, 0)
    assert coupon_redeem(code=coupon.code, actor=org.assistant.user).store == org.store_a1


@pytest.mark.parametrize("role", ["hq", "supervisor", "partner", "outsider"])
def test_nobody_but_store_staff_redeems(org, coupon, role):
    with pytest.raises(PromotionForbidden, match="Only staff of a store"):
        coupon_redeem(code=coupon.code, actor=org.user(role))
    assert _unchanged(coupon) == (Coupon.Status.CLAIMED, None, 0)


@pytest.mark.parametrize("role", [Role.DESIGNER, Role.INSTALLER, Role.MEASURER])
def test_only_the_stores_assistants_and_manager_redeem(org, coupon, role):
    """PRO-3 "by an assistant in the store": designers, installers and measurers of the store may not."""
    crew = StaffFactory(role=role, store=org.store_a1)
    with pytest.raises(PromotionForbidden, match="shop assistants and its manager"):
        coupon_redeem(code=coupon.code, actor=crew.user)
    with pytest.raises(PromotionForbidden, match="shop assistants and its manager"):
        coupon_verify(code=coupon.code, actor=crew.user)
    assert _unchanged(coupon) == (Coupon.Status.CLAIMED, None, 0)

    assert coupon_redeem(code=coupon.code, actor=org.manager.user).assistant == org.manager


def test_an_expired_coupon_is_refused_even_before_the_nightly_job(org, coupon):
    Coupon.objects.filter(pk=coupon.pk).update(valid_from=timezone.localdate() - timedelta(days=10),
                                               valid_until=timezone.localdate() - timedelta(days=1))
    with pytest.raises(PromotionError, match="expired on"):
        coupon_redeem(code=coupon.code, actor=org.assistant.user)

    assert coupons_expire() == 1 and coupons_expire() == 0
    with pytest.raises(PromotionError, match="expired on"):
        coupon_redeem(code=coupon.code, actor=org.assistant.user)
    assert Redemption.objects.count() == 0


def test_a_coupon_not_valid_yet_is_refused(org, coupon):
    Coupon.objects.filter(pk=coupon.pk).update(valid_from=timezone.localdate() + timedelta(days=2),
                                               valid_until=timezone.localdate() + timedelta(days=9))
    with pytest.raises(PromotionError, match="can be used from"):
        coupon_redeem(code=coupon.code, actor=org.assistant.user)


# --- Reversal -----------------------------------------------------------------------------------


def test_the_stores_manager_reverses_with_a_reason_and_the_coupon_is_usable_again(org, coupon):
    redemption = coupon_redeem(code=coupon.code, actor=org.assistant.user)

    reversed_ = redemption_reverse(redemption=redemption, actor=org.manager.user, reason=" 导购误核销 ")

    coupon.refresh_from_db()
    assert (reversed_.status, reversed_.reversal_reason, reversed_.reversed_by) == (
        Redemption.Status.REVERSED, "导购误核销", org.manager)
    assert (coupon.status, coupon.redeemed_at, coupon.redeemed_store) == (Coupon.Status.CLAIMED, None, None)
    again = coupon_redeem(code=coupon.code, actor=org.colleague.user)
    assert again.assistant == org.colleague and Redemption.objects.filter(coupon=coupon).count() == 2


def test_a_reversal_after_the_validity_leaves_the_coupon_expired(org, coupon):
    redemption = coupon_redeem(code=coupon.code, actor=org.assistant.user)
    Coupon.objects.filter(pk=coupon.pk).update(valid_from=timezone.localdate() - timedelta(days=5),
                                               valid_until=timezone.localdate() - timedelta(days=1))
    redemption_reverse(redemption=redemption, actor=org.manager.user, reason="顾客退货")
    coupon.refresh_from_db()
    assert coupon.status == Coupon.Status.EXPIRED


@pytest.mark.parametrize("role", ["assistant", "colleague", "hq", "supervisor", "other_store_manager"])
def test_only_the_manager_of_that_store_reverses(org, coupon, role):
    from stores.models import Role
    from tests.factories import StaffFactory

    redemption = coupon_redeem(code=coupon.code, actor=org.assistant.user)
    if role == "other_store_manager":
        actor = StaffFactory(role=Role.STORE_MANAGER, store=org.store_a2).user
    else:
        actor = org.user(role)

    with pytest.raises(PromotionForbidden, match="Only the manager of the store"):
        redemption_reverse(redemption=redemption, actor=actor, reason="不该核销")

    assert Redemption.objects.get(pk=redemption.pk).status == Redemption.Status.REDEEMED
    assert Coupon.objects.get(pk=coupon.pk).status == Coupon.Status.REDEEMED


@pytest.mark.parametrize(("reason", "message"), [("  ", "Say why"), ("长" * 201, "too long")])
def test_a_reversal_needs_a_reason(org, coupon, reason, message):
    redemption = coupon_redeem(code=coupon.code, actor=org.assistant.user)
    with pytest.raises(PromotionError, match=message):
        redemption_reverse(redemption=redemption, actor=org.manager.user, reason=reason)
    assert Coupon.objects.get(pk=coupon.pk).status == Coupon.Status.REDEEMED


def test_a_redemption_is_reversed_once(org, coupon):
    redemption = coupon_redeem(code=coupon.code, actor=org.assistant.user)
    redemption_reverse(redemption=redemption, actor=org.manager.user, reason="误操作")
    with pytest.raises(PromotionError, match="already reversed"):
        redemption_reverse(redemption=redemption, actor=org.manager.user, reason="再来一次")
