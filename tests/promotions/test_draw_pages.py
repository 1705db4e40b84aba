"""Draws (PRO-4) on the pages: the H5 wheel and shake pages, a draw posted by the page's script
(JSON) or by a plain form, refusals in Chinese that change nothing, the unknown visitor's silent
sign-in; head office's admin (prize pool, its validation, the audit, the draws list); the API's
draws list; the audit list's scope for every role."""

import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from promotions import draws as draws_module
from promotions.draws import draw_make
from promotions.models import Activity, Draw, Prize
from tests.factories import CustomerFactory

from .factories import ActivityFactory, PrizeDefinitionFactory, PrizeFactory, WheelFactory
from .test_pages import as_wechat_user, text

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture(autouse=True)
def _in_chinese():
    """Refusals are asserted in the Chinese people see, whatever language an earlier request left active."""
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def wheel(db):
    wheel = WheelFactory(name="幸运大转盘", summary="每天 3 次机会")
    PrizeFactory(activity=wheel, name="50元代金券", chance="10.00", stock_total=2, position=1)
    PrizeFactory(activity=wheel, name="9折券", chance="20.00", position=2,
                 coupon_definition=PrizeDefinitionFactory(kind="discount", amount_off=None, discount_rate=90))
    return wheel


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def numbers(monkeypatch, *values):
    queue = list(values)
    monkeypatch.setattr(draws_module.secrets, "randbelow", lambda n: queue.pop(0))


def page_url(activity):
    return reverse("promotions_h5:activity", args=[activity.pk])


def draw_url(activity):
    return reverse("promotions_h5:draw", args=[activity.pk])


# --- H5 ---------------------------------------------------------------------------------------


def test_the_wheel_page_shows_the_prizes_on_the_wheel_and_the_draws_left(client, wheel, customer):
    as_wechat_user(client, customer.openid)
    response = client.get(page_url(wheel))
    page = text(response)
    assert response.status_code == 200
    assert page.count('class="wheel__seg ') == 6  # two prizes, each followed by "thanks", padded to six
    assert "50元代金" in page and "9折券" in page and "谢谢参与" in page
    assert "开始抽奖" in page and "今天还可以抽 3 次" in page
    assert "中奖概率 10%" in page and "¥50" in page
    assert "js/draws.js" in page and "csrfmiddlewaretoken" in page


def test_an_unknown_visitor_sees_the_wheel_and_is_signed_in_to_draw(client, wheel):
    page = text(client.get(page_url(wheel)))
    assert "每人每天可抽 3 次" in page
    response = client.post(draw_url(wheel), **JSON)
    assert response.status_code == 401
    assert response.json()["redirect"].startswith(reverse("h5:sign_in") + "?next=")
    plain = client.post(draw_url(wheel))
    assert plain.status_code == 302 and plain["Location"].startswith(reverse("h5:sign_in"))
    assert not Draw.objects.exists()


def test_the_script_draws_and_gets_the_result_to_spin_to(client, wheel, customer, monkeypatch):
    as_wechat_user(client, customer.openid)
    numbers(monkeypatch, 1500, 9000)
    won = client.post(draw_url(wheel), **JSON).json()
    prize = Prize.objects.get(name="9折券")
    assert (won["outcome"], won["won"], won["prize"], won["left"]) == ("won", True, prize.pk, 2)
    assert won["title"] == "恭喜获得 9折券" and "已放入我的优惠券" in won["text"]
    assert won["coupons_url"] == "/h5/me/coupons/" and won["left_text"] == "今天还可以抽 2 次"
    lost = client.post(draw_url(wheel), **JSON).json()
    assert (lost["outcome"], lost["prize"], lost["title"]) == ("no_prize", None, "谢谢参与")
    assert customer.coupons.get().definition == prize.coupon_definition
    page = text(client.get(page_url(wheel)))
    assert "我今天的抽奖" in page and "今天还可以抽 1 次" in page


def test_a_plain_form_draw_comes_back_with_the_result(client, wheel, customer, monkeypatch):
    as_wechat_user(client, customer.openid)
    numbers(monkeypatch, 5)
    response = client.post(draw_url(wheel))
    page = text(response)
    assert response.status_code == 200
    assert "恭喜获得 50元代金券" in page and 'href="/h5/me/coupons/"' in page


def test_no_draws_left_is_refused_in_chinese_and_changes_nothing(client, wheel, customer, monkeypatch):
    as_wechat_user(client, customer.openid)
    numbers(monkeypatch, 9000, 9001, 9002)
    for _n in range(3):
        assert client.post(draw_url(wheel), **JSON).status_code == 200
    response = client.post(draw_url(wheel), **JSON)
    assert response.status_code == 400
    assert response.json() == {"error": "今天的抽奖次数已用完，明天再来吧！", "left": 0,
                               "left_text": "今天的抽奖次数已用完，明天再来吧！"}
    assert Draw.objects.count() == 3
    page = client.get(page_url(wheel)).content.decode()
    assert re.search(r'id="draw-go"\s+disabled', page)
    plain = client.post(draw_url(wheel))
    assert plain.status_code == 400 and "今天的抽奖次数已用完" in text(plain)


def test_an_ended_draw_is_refused_and_the_page_says_so(client, wheel, customer):
    wheel.status = Activity.Status.ENDED
    wheel.save()
    as_wechat_user(client, customer.openid)
    assert "抽奖已结束" in text(client.get(page_url(wheel)))
    response = client.post(draw_url(wheel), **JSON)
    assert response.status_code == 400 and response.json()["error"] == "抽奖已结束，感谢参与！"
    assert not Draw.objects.exists()


def test_an_out_of_stock_prize_says_so_and_shows_on_the_page(client, wheel, customer, org, monkeypatch):
    others = [CustomerFactory(store=org.store_a1, openid=f"o-early-{n}", mobile=f"1330000000{n}") for n in range(2)]
    numbers(monkeypatch, 1, 2, 3)
    for c in others:
        draw_make(activity=wheel, customer=c)
    as_wechat_user(client, customer.openid)
    result = client.post(draw_url(wheel), **JSON).json()
    assert (result["outcome"], result["prize"], result["title"]) == ("out_of_stock", None, "谢谢参与")
    assert result["text"] == "50元代金券 刚刚被抽完了，下次好运！"
    assert "已抽完" in text(client.get(page_url(wheel)))


def test_a_draft_or_a_plain_activity_is_not_drawn(client, customer):
    as_wechat_user(client, customer.openid)
    draft = WheelFactory(status=Activity.Status.DRAFT)
    assert client.get(page_url(draft)).status_code == 404
    assert client.post(draw_url(draft), **JSON).status_code == 404
    plain = ActivityFactory()
    assert client.post(draw_url(plain), **JSON).status_code == 404
    too_long = reverse("promotions_h5:draw", args=["9" * 30])
    assert client.post(too_long, **JSON).status_code == 404


def test_the_shake_page_has_the_motion_permission_and_the_button_fallback(client, customer):
    shake = WheelFactory(kind=Activity.Kind.SHAKE, name="摇一摇赢好礼")
    PrizeFactory(activity=shake, name="免费上门测量", chance="30.00")
    as_wechat_user(client, customer.openid)
    page = text(client.get(page_url(shake)))
    assert "摇一摇手机，立即抽奖" in page and "摇不动？点这里" in page and "开启摇一摇" in page
    assert 'class="wheel__seg' not in page and "免费上门测量" in page


# --- Admin ------------------------------------------------------------------------------------


def activity_form(activity=None, **changes):
    today = timezone.localdate()
    data = {"name": "新转盘", "kind": "lucky_wheel", "status": "published", "summary": "", "description": "",
            "starts_on": today.isoformat(), "ends_on": today.isoformat(), "all_stores": "on", "community": "",
            "draws_per_day": 3, "prizes-TOTAL_FORMS": 0, "prizes-INITIAL_FORMS": 0, "prizes-MIN_NUM_FORMS": 0,
            "prizes-MAX_NUM_FORMS": 1000}
    data.update(changes)
    return data


def with_prizes(data, *prizes):
    for n, prize in enumerate(prizes):
        for key, value in prize.items():
            data[f"prizes-{n}-{key}"] = value
    data["prizes-TOTAL_FORMS"] = len(prizes)
    return data


def test_hq_adds_a_wheel_with_its_prizes_and_their_stock_starts_full(client, org):
    definition = PrizeDefinitionFactory(name="50元代金券")
    client.force_login(org.hq.user)
    data = with_prizes(activity_form(), {"position": 1, "name": "50元", "coupon_definition": definition.pk,
                                         "chance": "12.50", "stock_total": 20})
    response = client.post(reverse("admin:promotions_activity_add"), data)
    assert response.status_code == 302, text(response)[:3000]
    prize = Prize.objects.get()
    assert (prize.activity.name, prize.chance, prize.stock_total, prize.stock_remaining) == ("新转盘", 12.5, 20, 20)


@pytest.mark.parametrize(("prizes", "status", "message"), [
    ([("60.00", None), ("40.01", None)], "draft", "各奖品的中奖概率合计 100.01%，超过了 100%"),
    ([], "published", "大转盘或摇一摇发布前至少要设置一个奖品"),
])
def test_the_admin_refuses_a_bad_pool(client, org, prizes, status, message):
    definition = PrizeDefinitionFactory()
    client.force_login(org.hq.user)
    data = with_prizes(activity_form(status=status), *[
        {"position": n, "name": f"奖{n}", "coupon_definition": definition.pk, "chance": chance, "stock_total": ""}
        for n, (chance, _stock) in enumerate(prizes)])
    response = client.post(reverse("admin:promotions_activity_add"), data)
    assert response.status_code == 200 and message in text(response)
    assert not Activity.objects.exists() and not Prize.objects.exists()


def test_a_plain_activity_cannot_have_prizes(client, org):
    definition = PrizeDefinitionFactory()
    client.force_login(org.hq.user)
    data = with_prizes(activity_form(kind="promotion"), {"position": 0, "name": "奖", "coupon_definition":
                                                         definition.pk, "chance": "10", "stock_total": ""})
    response = client.post(reverse("admin:promotions_activity_add"), data)
    assert response.status_code == 200 and "只有大转盘和摇一摇活动才能设置奖品" in text(response)


def test_the_change_page_shows_the_audit_and_a_drawn_prize_cannot_be_deleted(client, org, wheel, customer,
                                                                            monkeypatch):
    numbers(monkeypatch, 5, 9000)
    draw_make(activity=wheel, customer=customer)
    draw_make(activity=wheel, customer=customer)
    client.force_login(org.hq.user)
    url = reverse("admin:promotions_activity_change", args=[wheel.pk])
    page = text(client.get(url))
    assert "抽奖审计" in page and "共 2 次抽奖" in page and "设置的中奖概率" in page and "实际占比" in page
    audit = page[page.index('id="draw-audit"'):]
    assert re.search(r"<td>50元代金券</td><td>10.00%</td><td>50.00%</td><td>1</td><td>1</td><td>0</td><td>2</td>"
                     r"<td>1</td>", audit)
    prizes = list(wheel.prizes.order_by("position"))
    data = activity_form(name=wheel.name, **{"prizes-INITIAL_FORMS": 2})
    data = with_prizes(data, *[{"id": p.pk, "activity": wheel.pk, "position": p.position, "name": p.name,
                                "coupon_definition": p.coupon_definition_id, "chance": p.chance,
                                "stock_total": p.stock_total or ""} for p in prizes])
    data["prizes-0-DELETE"] = "on"
    response = client.post(url, data)
    assert response.status_code == 200 and "受保护的相关对象" in text(response)  # Django keeps it for the audit
    data.pop("prizes-0-DELETE")
    data["prizes-0-stock_total"] = 0  # below the one already won
    response = client.post(url, data)
    assert response.status_code == 200 and "已被抽中 1 份" in text(response)
    data["prizes-0-stock_total"] = 10
    assert client.post(url, data).status_code == 302
    assert Prize.objects.get(pk=prizes[0].pk).stock_remaining == 9


def test_the_draws_list_is_read_only_and_masks_the_customer(client, org, wheel, customer, monkeypatch):
    numbers(monkeypatch, 5)
    draw = draw_make(activity=wheel, customer=customer)
    client.force_login(org.hq.user)
    listing = text(client.get(reverse("admin:promotions_draw_changelist")))
    assert "张** · 139****5678" in listing and "13912345678" not in listing
    detail = text(client.get(reverse("admin:promotions_draw_change", args=[draw.pk])))
    assert "139****5678" in detail and "13912345678" not in detail
    assert client.get(reverse("admin:promotions_draw_add")).status_code == 403


# --- API and scope ----------------------------------------------------------------------------


@pytest.fixture
def draws(org, wheel, monkeypatch):
    """One draw by a customer of each store: A1 (the assistant's), A2, B1."""
    numbers(monkeypatch, 5, 9000, 1500)
    people = {
        "mine": CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, openid="o-d1", mobile=""),
        "theirs": CustomerFactory(store=org.store_a2, owner_assistant=org.other_store_assistant, openid="o-d2",
                                  mobile=""),
        "north": CustomerFactory(store=org.store_b1, openid="o-d3", mobile=""),
    }
    return {name: draw_make(activity=wheel, customer=c) for name, c in people.items()}


@pytest.mark.parametrize(("role", "seen"), [
    ("hq", {"mine", "theirs", "north"}),
    ("supervisor", {"mine", "theirs"}),
    ("manager", {"mine"}),
    ("assistant", {"mine"}),
    ("colleague", set()),
    ("partner", set()),
    ("outsider", set()),
])
def test_each_role_sees_its_part_of_the_draws(org, draws, role, seen):
    user = org.user(role)
    expected = {draws[name].pk for name in seen}
    assert set(Draw.objects.visible_to(user).values_list("pk", flat=True)) == expected
    if role == "outsider":
        return
    client = api(user)
    response = client.get(reverse("promotion-draw-list"))
    if role == "partner":
        assert response.status_code in (200, 403)
        assert response.status_code == 403 or response.json()["results"] == []
        return
    assert {d["id"] for d in response.json()["results"]} == expected
    hidden = {d.pk for d in draws.values()} - expected
    for pk in hidden:
        assert client.get(reverse("promotion-draw-detail", args=[pk])).status_code == 404


def test_the_api_draw_shows_the_audit_row_with_the_customer_masked(org, draws):
    row = api(org.manager.user).get(reverse("promotion-draw-detail", args=[draws["mine"].pk])).json()
    assert (row["number"], row["outcome"], row["prize_name"]) == (5, "won", "50元代金券")
    assert row["pool"][0] == {"prize": row["prize"], "name": "50元代金券", "from": 0, "to": 1000, "left": 2}
    assert row["holder"] and row["coupon"] == draws["mine"].coupon_id
    assert json.dumps(row, ensure_ascii=False).count("o-d1") == 0
