"""The workbench Points tab and the customer's "my points" page (CUS-8)."""

import pytest

from customers.ledgers import points_add, points_balance, points_redeem, stored_value_top_up
from customers.models import PointsRedemption

from ..factories import PointsRewardFactory
from .commerce import customer  # noqa: F401 - fixture
from .conftest import as_wechat_user

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def reward(db):
    return PointsRewardFactory(name="马桶清洁套装", points_cost=300, stock=2)


@pytest.fixture
def rich(customer):
    points_add(customer=customer, points=1000)
    stored_value_top_up(customer=customer, amount="500")
    return customer


def _url(customer, tail=""):
    return f"/m/customers/{customer.pk}/points/{tail}"


@pytest.mark.parametrize("role, status", [("assistant", 200), ("manager", 200), ("hq", 200), ("colleague", 404),
                                          ("other_store_assistant", 404), ("partner", 404)])
def test_the_points_tab_follows_the_data_scope(client, org, rich, reward, role, status):
    client.force_login(getattr(org, role).user)
    response = client.get(_url(rich))
    assert response.status_code == status
    if status == 200:
        text = response.content.decode()
        assert "1000" in text and "500.00" in text and "马桶清洁套装" in text


def test_redeem_in_two_taps_and_a_double_tap_counts_once(client, org, rich, reward):
    client.force_login(org.user("assistant"))
    data = {"reward": reward.pk, "quantity": 1, "once": "form-1"}
    assert client.post(_url(rich, "redeem/"), data, **HTMX).status_code == 200
    assert client.post(_url(rich, "redeem/"), data, **HTMX).status_code == 200
    reward.refresh_from_db()
    assert points_balance(rich) == 700 and reward.stock == 1 and PointsRedemption.objects.count() == 1


@pytest.mark.parametrize("data", [{"reward": "", "quantity": 1}, {"quantity": 1, "reward": 999999},
                                  {"reward": "R", "quantity": 0}])
def test_a_bad_redemption_answers_400_and_changes_nothing(client, org, rich, reward, data):
    client.force_login(org.user("assistant"))
    response = client.post(_url(rich, "redeem/"), data, **HTMX)
    assert response.status_code == 400 and 'role="alert"' in response.content.decode()
    assert points_balance(rich) == 1000 and not PointsRedemption.objects.exists()


def test_not_enough_points_is_explained(client, org, customer, reward):
    client.force_login(org.user("assistant"))
    response = client.post(_url(customer, "redeem/"), {"reward": reward.pk, "quantity": 1}, **HTMX)
    assert response.status_code == 400 and "积分不足" in response.content.decode()  # "Not enough points: …"


@pytest.mark.parametrize("role, status, reversed_", [("manager", 200, True), ("assistant", 400, False)])
def test_only_managers_reverse_a_redemption(client, org, rich, reward, role, status, reversed_):
    redemption = points_redeem(customer=rich, reward=reward)
    client.force_login(org.user(role))
    page = client.get(_url(rich)).content.decode()
    assert (f"redemptions/{redemption.pk}/reverse/" in page) is reversed_  # the button only for managers
    response = client.post(_url(rich, f"redemptions/{redemption.pk}/reverse/"), {"reason": "客户退回"}, **HTMX)
    assert response.status_code == status
    redemption.refresh_from_db()
    assert (redemption.status == "reversed") is reversed_
    assert points_balance(rich) == (1000 if reversed_ else 700)


def test_a_reversal_needs_a_reason(client, org, rich, reward):
    redemption = points_redeem(customer=rich, reward=reward)
    client.force_login(org.user("manager"))
    assert client.post(_url(rich, f"redemptions/{redemption.pk}/reverse/"), {"reason": ""}, **HTMX).status_code == 400
    redemption.refresh_from_db()
    assert redemption.status == "redeemed"


def test_out_of_scope_staff_cannot_redeem(client, org, rich, reward):
    client.force_login(org.user("other_store_assistant"))
    assert client.post(_url(rich, "redeem/"), {"reward": reward.pk, "quantity": 1}).status_code == 404
    assert points_balance(rich) == 1000


def test_my_points_shows_my_balance_history_and_rewards(client, rich, reward):
    as_wechat_user(client, "o-buyer")
    text = client.get("/h5/me/points/").content.decode()
    assert "1000" in text and "马桶清洁套装" in text and "500.00" in text
