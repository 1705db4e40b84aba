"""Draws (PRO-4), the service: draws per person per day (one mobile number is one person, whatever
WeChat accounts), the next store day, stock never negative and "out of stock" recorded, a refused
coupon recorded as no prize with nothing half written, the audit row and the audit read."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from common.days import day_start
from promotions import draws as draws_module
from promotions.draws import draw_audit, draw_make, draws_left, pool_of, pool_pick, pool_problems, prize_save
from promotions.errors import PromotionError
from promotions.models import Activity, Coupon, Draw, DrawAllowance, Prize
from tests.factories import CustomerFactory

from .factories import ActivityFactory, PrizeDefinitionFactory, PrizeFactory, WheelFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_chinese():
    """Refusals are asserted in the Chinese people see, whatever language an earlier request left active."""
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def wheel(db):
    """A running wheel, 3 draws a day: ¥50 (10 %, 2 in stock), 9折 (20 %, unlimited); 70 % nothing."""
    wheel = WheelFactory()
    PrizeFactory(activity=wheel, name="50元代金券", chance="10.00", stock_total=2, position=1)
    PrizeFactory(activity=wheel, name="9折券", chance="20.00", position=2,
                 coupon_definition=PrizeDefinitionFactory(kind="discount", amount_off=None, discount_rate=90))
    return wheel


def numbers(monkeypatch, *values):
    """The next draws land on these numbers (the random source stands in for the OS's)."""
    queue = list(values)
    monkeypatch.setattr(draws_module.secrets, "randbelow", lambda n: queue.pop(0))


def test_the_pool_gives_each_prize_a_run_as_wide_as_its_chance(wheel):
    pool = pool_of(wheel.prizes.order_by("position"))
    assert [(e["name"], e["from"], e["to"], e["left"]) for e in pool] == [
        ("50元代金券", 0, 1000, 2), ("9折券", 1000, 3000, None)]
    assert pool_pick(pool, 0)["name"] == "50元代金券" and pool_pick(pool, 999)["name"] == "50元代金券"
    assert pool_pick(pool, 1000)["name"] == "9折券" and pool_pick(pool, 2999)["name"] == "9折券"
    assert pool_pick(pool, 3000) is None and pool_pick(pool, 9999) is None


def test_a_winning_draw_issues_the_coupon_takes_stock_and_keeps_the_audit_row(wheel, customer, monkeypatch):
    numbers(monkeypatch, 437)
    draw = draw_make(activity=wheel, customer=customer)

    draw.refresh_from_db()
    prize = Prize.objects.get(name="50元代金券")
    assert (draw.outcome, draw.prize, draw.number, draw.person, draw.day) == (
        Draw.Outcome.WON, prize, 437, "m:13912345678", timezone.localdate())
    assert draw.pool == [{"prize": prize.pk, "name": "50元代金券", "from": 0, "to": 1000, "left": 2},
                         {"prize": prize.pk + 1, "name": "9折券", "from": 1000, "to": 3000, "left": None}]
    coupon = draw.coupon
    assert (coupon.customer, coupon.definition, coupon.source, coupon.issue_key) == (
        customer, prize.coupon_definition, Coupon.Source.PRIZE, f"draw:{draw.pk}")
    prize.refresh_from_db()
    assert prize.stock_remaining == 1
    assert draws_left(wheel, customer) == 2


def test_a_number_past_every_prize_is_no_prize(wheel, customer, monkeypatch):
    numbers(monkeypatch, 3000)
    draw = draw_make(activity=wheel, customer=customer)
    assert (draw.outcome, draw.prize, draw.coupon) == (Draw.Outcome.NO_PRIZE, None, None)
    assert not Coupon.objects.exists()


def test_three_draws_a_day_per_person_then_refused_in_chinese(wheel, customer, monkeypatch):
    numbers(monkeypatch, 5000, 5001, 5002, 5003)
    for _n in range(3):
        draw_make(activity=wheel, customer=customer)
    with pytest.raises(PromotionError, match="今天的抽奖次数已用完"):
        draw_make(activity=wheel, customer=customer)
    assert Draw.objects.count() == 3
    assert DrawAllowance.objects.get().used == 3
    assert draws_left(wheel, customer) == 0


def test_a_second_wechat_identity_with_the_same_mobile_shares_the_allowance(wheel, customer, org, monkeypatch):
    second = CustomerFactory(store=org.store_a2, openid="o-second-phone", mobile=customer.mobile)
    numbers(monkeypatch, 5000, 5001, 5002)
    draw_make(activity=wheel, customer=customer)
    draw_make(activity=wheel, customer=second)
    draw_make(activity=wheel, customer=customer)
    with pytest.raises(PromotionError, match="今天的抽奖次数已用完"):
        draw_make(activity=wheel, customer=second)
    assert draws_left(wheel, second) == 0 == draws_left(wheel, customer)


def test_customers_without_a_mobile_are_each_their_own_person(wheel, org, monkeypatch):
    one, other = (CustomerFactory(store=org.store_a1, openid=f"o-nomobile-{n}", mobile="") for n in range(2))
    wheel.draws_per_day = 1
    wheel.save()
    numbers(monkeypatch, 5000, 5001)
    draw_make(activity=wheel, customer=one)
    draw_make(activity=wheel, customer=other)
    assert {d.person for d in Draw.objects.all()} == {f"c:{one.pk}", f"c:{other.pk}"}


def test_the_next_store_day_allows_again(wheel, customer, monkeypatch):
    today = timezone.localdate()
    late = day_start(today) + timedelta(hours=23, minutes=59)  # 23:59 Shanghai, 15:59 UTC
    numbers(monkeypatch, *range(5000, 5006))
    for _n in range(3):
        draw_make(activity=wheel, customer=customer, now=late)
    with pytest.raises(PromotionError):
        draw_make(activity=wheel, customer=customer, now=late)
    tomorrow = day_start(today + timedelta(days=1)) + timedelta(minutes=1)
    draw = draw_make(activity=wheel, customer=customer, now=tomorrow)
    assert draw.day == today + timedelta(days=1)
    assert sorted(DrawAllowance.objects.values_list("used", flat=True)) == [1, 3]


def test_past_its_stock_a_prize_drawn_is_out_of_stock_and_stock_stays_at_zero(wheel, org, monkeypatch):
    people = [CustomerFactory(store=org.store_a1, openid=f"o-stock-{n}", mobile=f"1390000000{n}") for n in range(3)]
    numbers(monkeypatch, 1, 2, 3)
    outcomes = [draw_make(activity=wheel, customer=c).outcome for c in people]
    assert outcomes == [Draw.Outcome.WON, Draw.Outcome.WON, Draw.Outcome.OUT_OF_STOCK]
    prize = Prize.objects.get(name="50元代金券")
    assert prize.stock_remaining == 0
    gone = Draw.objects.get(customer=people[2])
    assert (gone.prize, gone.coupon, gone.pool[0]["left"]) == (prize, None, 0)
    assert Coupon.objects.count() == 2


def test_a_refused_coupon_is_no_prize_with_the_reason_and_gives_the_stock_back(wheel, customer, monkeypatch):
    prize = Prize.objects.get(name="50元代金券")
    numbers(monkeypatch, 10, 20)
    assert draw_make(activity=wheel, customer=customer).outcome == Draw.Outcome.WON
    second = draw_make(activity=wheel, customer=customer)  # one coupon per person: refused by coupon_issue
    assert (second.outcome, second.prize, second.coupon) == (Draw.Outcome.NO_PRIZE, prize, None)
    assert "每人限领一张" in second.reason
    prize.refresh_from_db()
    assert prize.stock_remaining == 1  # the second draw's take was rolled back with its savepoint
    assert Coupon.objects.count() == 1
    assert draws_left(wheel, customer) == 1  # the draw still counted


@pytest.mark.parametrize(("change", "message"), [
    ({"status": Activity.Status.DRAFT}, "抽奖还没有开始"),
    ({"status": Activity.Status.ENDED}, "抽奖已结束"),
    ({"ends_on_days": -1}, "抽奖已结束"),
    ({"starts_on_days": 2}, "抽奖将于"),
])
def test_a_draw_outside_the_activity_is_refused_and_changes_nothing(wheel, customer, change, message):
    today = timezone.localdate()
    if "ends_on_days" in change:
        wheel.starts_on, wheel.ends_on = today - timedelta(days=5), today + timedelta(days=change["ends_on_days"])
    elif "starts_on_days" in change:
        wheel.starts_on = wheel.ends_on = today + timedelta(days=change["starts_on_days"])
    else:
        wheel.status = change["status"]
    wheel.save()
    with pytest.raises(PromotionError, match=message):
        draw_make(activity=wheel, customer=customer)
    assert not Draw.objects.exists() and not DrawAllowance.objects.exists()


def test_an_activity_that_is_no_draw_and_an_erased_customer_are_refused(customer):
    with pytest.raises(PromotionError, match="没有抽奖"):
        draw_make(activity=ActivityFactory(), customer=customer)
    wheel = WheelFactory()
    customer.erased_at = timezone.now()
    customer.save()
    with pytest.raises(PromotionError, match="删除"):
        draw_make(activity=wheel, customer=customer)
    assert not Draw.objects.exists() and not DrawAllowance.objects.exists()


def test_the_audit_compares_configured_chances_with_observed_shares(wheel, org, monkeypatch):
    people = [CustomerFactory(store=org.store_a1, openid=f"o-audit-{n}", mobile=f"1380000000{n}") for n in range(4)]
    numbers(monkeypatch, 5, 1500, 1600, 9000)
    for c in people:
        draw_make(activity=wheel, customer=c)
    audit = {row.name: row for row in draw_audit(wheel)}
    assert (audit["50元代金券"].chance, audit["50元代金券"].drawn, audit["50元代金券"].won,
            audit["50元代金券"].observed, audit["50元代金券"].stock_left) == (Decimal("10.00"), 1, 1, Decimal("25.00"), 1)
    assert (audit["9折券"].drawn, audit["9折券"].won, audit["9折券"].observed) == (2, 2, Decimal("50.00"))
    assert (audit["没有中奖"].chance, audit["没有中奖"].drawn, audit["没有中奖"].observed) == (
        Decimal("70.00"), 1, Decimal("25.00"))
    # Scoped: a manager of store B1 sees none of these store A1 draws.
    scoped = {row.name: row for row in draw_audit(wheel, Draw.objects.visible_to(org.user("supervisor")))}
    assert scoped["9折券"].drawn == 2


def test_pool_problems_over_100_and_a_published_draw_without_prizes():
    assert pool_problems(kind="lucky_wheel", status="published", chances=[Decimal(60), Decimal(40)]) == []
    over = pool_problems(kind="lucky_wheel", status="draft", chances=[Decimal(60), Decimal("40.01")])
    assert over == ["各奖品的中奖概率合计 100.01%，超过了 100%：请调低一些。"]
    assert pool_problems(kind="shake", status="published", chances=[]) == ["大转盘或摇一摇发布前至少要设置一个奖品。"]
    assert pool_problems(kind="shake", status="draft", chances=[]) == []


def test_the_stock_left_follows_the_total_and_cannot_go_below_prizes_won(wheel, customer, monkeypatch):
    prize = Prize.objects.get(name="50元代金券")
    numbers(monkeypatch, 1)
    draw_make(activity=wheel, customer=customer)
    prize.refresh_from_db()
    prize.stock_total = 10
    prize_save(prize=prize)
    assert prize.stock_remaining == 9
    prize.stock_total = 0
    with pytest.raises(PromotionError, match="已被抽中 1 份"):
        prize_save(prize=prize)
