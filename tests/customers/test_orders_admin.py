"""Head office's admin for orders, ledgers, redemptions, reviews and installation teams:
payments and logistics added on an order go through the services; ledgers are never edited."""

import pytest

from customers.ledgers import points_add, points_balance, points_redeem
from customers.models import Order, PointsEntry, PointsRedemption, Review, StoredValueEntry
from customers.orders import ItemInput, order_create
from wechat.models import Message

from ..factories import PointsRewardFactory
from .commerce import customer, installer, product, team  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(org, customer, product):
    return order_create(customer=customer, items=[ItemInput(product=product)], staff=org.assistant)


def _change(order, payments=(), logistics=()):
    """POST data of the order's change form with new inline rows."""
    data = {"note": order.note, "_save": "1"}
    for prefix, rows in (("items", ()), ("payments", payments), ("logistics", logistics)):
        existing = order.items.count() if prefix == "items" else 0
        data.update({f"{prefix}-TOTAL_FORMS": existing + len(rows), f"{prefix}-INITIAL_FORMS": existing,
                     f"{prefix}-MIN_NUM_FORMS": 0, f"{prefix}-MAX_NUM_FORMS": 1000})
        if prefix == "items":
            for i, item in enumerate(order.items.all()):
                data.update({f"items-{i}-id": item.pk, f"items-{i}-order": order.pk})
        for i, row in enumerate(rows, start=existing):
            data.update({f"{prefix}-{i}-{key}": value for key, value in row.items()})
    return data


def test_hq_sees_an_order_with_its_items(client, org, order):
    client.force_login(org.user("hq"))
    text = client.get(f"/admin/customers/order/{order.pk}/change/").content.decode()
    assert "不锈钢水槽" in text and order.number in text


def test_a_payment_and_a_node_added_in_the_admin_go_through_the_services(client, org, order):
    client.force_login(org.user("hq"))
    data = _change(order, payments=[{"kind": "in_store", "amount": "1299.00", "paid_at_0": "2026-11-30",
                                     "paid_at_1": "10:00:00"}],
                   logistics=[{"node": "shipped", "happened_at_0": "2026-11-30", "happened_at_1": "12:00:00",
                               "location": "总仓"}])
    response = client.post(f"/admin/customers/order/{order.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED and order.paid_at is not None
    assert points_balance(order.customer) == 1299  # earned with the payment, as anywhere else
    assert Message.objects.filter(purpose="order_progress").count() == 1


def test_a_backwards_node_in_the_admin_is_refused_with_a_message(client, org, order):
    client.force_login(org.user("hq"))
    client.post(f"/admin/customers/order/{order.pk}/change/",
                _change(order, logistics=[{"node": "arrived", "happened_at_0": "2026-11-30",
                                           "happened_at_1": "12:00:00"}]))
    response = client.post(f"/admin/customers/order/{order.pk}/change/",
                           _change(order, logistics=[{"node": "shipped", "happened_at_0": "2026-11-30",
                                                      "happened_at_1": "13:00:00"}]), follow=True)
    assert "只能往前推进" in response.content.decode()  # "…logistics only move forward."
    assert order.logistics.count() == 1


def test_ledger_entries_cannot_be_changed_or_deleted(client, org, customer):
    entry = points_add(customer=customer, points=100)
    client.force_login(org.user("hq"))
    page = client.get(f"/admin/customers/pointsentry/{entry.pk}/change/")
    assert page.status_code == 200 and 'name="delta"' not in page.content.decode()
    client.post(f"/admin/customers/pointsentry/{entry.pk}/change/", {"customer": customer.pk, "delta": 9999,
                                                                      "note": "x"})
    assert client.post(f"/admin/customers/pointsentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    entry.refresh_from_db()
    assert entry.delta == 100 and PointsEntry.objects.count() == 1


@pytest.mark.parametrize("model, delta, balance", [("pointsentry", "-30", 70), ("storedvalueentry", "25.50", None)])
def test_an_adjustment_is_a_new_entry(client, org, customer, model, delta, balance):
    points_add(customer=customer, points=100)
    client.force_login(org.user("hq"))
    response = client.post(f"/admin/customers/{model}/add/", {"customer": customer.pk, "delta": delta,
                                                              "note": "盘点更正"})
    assert response.status_code == 302
    if balance is not None:
        assert points_balance(customer) == balance and PointsEntry.objects.count() == 2
    else:
        assert StoredValueEntry.objects.get().balance_after == 25.5


def test_an_adjustment_below_zero_is_refused(client, org, customer):
    client.force_login(org.user("hq"))
    response = client.post("/admin/customers/pointsentry/add/", {"customer": customer.pk, "delta": "-1",
                                                                 "note": "x"})
    assert response.status_code == 200 and not PointsEntry.objects.exists()


def test_hq_reverses_redemptions_and_hides_reviews_with_actions(client, org, customer, team):
    reward = PointsRewardFactory(points_cost=50, stock=0 + 1)
    points_add(customer=customer, points=50)
    redemption = points_redeem(customer=customer, reward=reward)
    review = Review.objects.create(customer=customer, subject="store", store=org.store_a1, rating=1, comment="广告")
    client.force_login(org.user("hq"))
    client.post("/admin/customers/pointsredemption/", {"action": "reverse_redemptions",
                                                      "_selected_action": [redemption.pk]})
    client.post("/admin/customers/review/", {"action": "hide_reviews", "_selected_action": [review.pk]})
    assert PointsRedemption.objects.get().status == "reversed" and points_balance(customer) == 50
    review.refresh_from_db()
    assert review.is_hidden


def test_installation_teams_are_listed_with_their_installers(client, org, team, installer):
    client.force_login(org.user("hq"))
    assert team.name in client.get("/admin/stores/installationteam/").content.decode()
    assert installer.name in client.get(f"/admin/stores/installationteam/{team.pk}/change/").content.decode()
