"""Reviews (CUS-9): who may review what, and the reputation they build (seed 001)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from customers.errors import CustomerError
from customers.models import LogisticsEvent, Review
from customers.orders import ItemInput, logistics_record, order_create
from customers.reviews import (
    review_create,
    review_hide,
    staff_reputation,
    store_reputation,
    team_reputation,
    visible_reviews,
)
from stores.models import Role

from ..factories import CustomerFactory, InstallationTeamFactory, StaffFactory
from .commerce import customer, installer, product, team  # noqa: F401 - fixtures

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


@pytest.fixture
def installed_order(org, customer, product, installer):
    order = order_create(customer=customer, items=[ItemInput(product=product)], staff=org.assistant)
    logistics_record(order=order, node=LogisticsEvent.Node.INSTALLATION_BOOKED, installer=installer,
                     scheduled_for=timezone.now() + timedelta(days=1))
    logistics_record(order=order, node=LogisticsEvent.Node.INSTALLED, installer=installer)
    return order


def test_the_orders_customer_reviews_its_installation_team(org, customer, installed_order, team):
    review = review_create(customer=customer, order=installed_order, subject=Review.Subject.INSTALLATION_TEAM,
                           installation_team=team, rating=5, comment="师傅很专业，地面清理干净")
    assert (review.store, review.rating, review.installation_team) == (org.store_a1, 5, team)


def test_another_customer_cannot_review_someone_elses_installation(org, installed_order, team):
    stranger = CustomerFactory(store=org.store_a1)
    with pytest.raises(CustomerError, match="Only the customer"):
        review_create(customer=stranger, order=installed_order, subject=Review.Subject.INSTALLATION_TEAM,
                      installation_team=team, rating=1)
    assert not Review.objects.exists()


def test_a_team_that_did_not_work_on_the_order_cannot_be_reviewed_for_it(org, customer, installed_order):
    other_team = InstallationTeamFactory()
    with pytest.raises(CustomerError, match="did not work"):
        review_create(customer=customer, order=installed_order, subject=Review.Subject.INSTALLATION_TEAM,
                      installation_team=other_team, rating=2)
    with pytest.raises(CustomerError, match="order they installed"):
        review_create(customer=customer, subject=Review.Subject.INSTALLATION_TEAM, installation_team=other_team,
                      rating=2)


@pytest.mark.parametrize("rating", [0, 6, "4.5", "", None, "five"])
def test_a_rating_is_one_to_five_stars(org, customer, rating):
    with pytest.raises(CustomerError, match="1 to 5"):
        review_create(customer=customer, subject=Review.Subject.STORE, store=org.store_a1, rating=rating)
    assert not Review.objects.exists()


def test_one_review_per_subject_and_order(org, customer, installed_order, team):
    review_create(customer=customer, order=installed_order, subject=Review.Subject.STORE, rating=4)
    with pytest.raises(CustomerError, match="already reviewed"):
        review_create(customer=customer, order=installed_order, subject=Review.Subject.STORE, rating=1)
    review_create(customer=customer, order=installed_order, subject=Review.Subject.STAFF, staff=org.assistant,
                  rating=5)
    assert Review.objects.count() == 2


def test_staff_of_other_kinds_cannot_be_reviewed(org, customer):
    with pytest.raises(CustomerError, match="cannot be reviewed"):
        review_create(customer=customer, subject=Review.Subject.STAFF, staff=org.hq, rating=5)


def test_team_reputation_counts_team_and_installer_reviews_but_not_hidden_ones(org, customer, installed_order,
                                                                               team, installer):
    review_create(customer=customer, order=installed_order, subject=Review.Subject.INSTALLATION_TEAM,
                  installation_team=team, rating=5, comment="准时")
    review_create(customer=customer, order=installed_order, subject=Review.Subject.STAFF, staff=installer,
                  rating=3, comment="有点慢")
    spam = Review.objects.create(customer=customer, subject=Review.Subject.INSTALLATION_TEAM, installation_team=team,
                                 store=org.store_a1, rating=1, comment="广告")
    review_hide(review=spam, actor=org.user("hq"))
    [rep] = team_reputation(reviews=visible_reviews(org.user("hq")))
    assert (rep.name, rep.average, rep.count) == (team.name, 4.0, 2)
    assert rep.distribution == {5: 1, 4: 0, 3: 1, 2: 0, 1: 0}
    assert [r.comment for r in rep.recent] == ["有点慢", "准时"]


def test_only_head_office_hides_reviews(org, customer):
    review = review_create(customer=customer, subject=Review.Subject.STORE, store=org.store_a1, rating=1)
    with pytest.raises(CustomerError, match="head office"):
        review_hide(review=review, actor=org.user("manager"))
    review.refresh_from_db()
    assert not review.is_hidden


def test_reputation_follows_the_viewers_scope(org, customer, team):
    north_customer = CustomerFactory(store=org.store_b1)
    Review.objects.create(customer=customer, subject="installation_team", installation_team=team,
                          store=org.store_a1, rating=5)
    Review.objects.create(customer=north_customer, subject="installation_team", installation_team=team,
                          store=org.store_b1, rating=1)
    [manager_view] = team_reputation(reviews=visible_reviews(org.user("manager")))
    [hq_view] = team_reputation(reviews=visible_reviews(org.user("hq")))
    assert (manager_view.count, manager_view.average) == (1, 5.0)
    assert (hq_view.count, hq_view.average) == (2, 3.0)


def test_staff_and_store_reputation(org, customer):
    designer = StaffFactory(role=Role.DESIGNER, store=org.store_a1, name="王设计")
    review_create(customer=customer, subject=Review.Subject.STAFF, staff=designer, rating=4)
    review_create(customer=customer, subject=Review.Subject.STORE, store=org.store_a1, rating=2)
    reviews = visible_reviews(org.user("hq"))
    assert [(r.name, r.average) for r in staff_reputation(reviews=reviews)] == [("王设计", 4.0)]
    assert [(r.name, r.count) for r in store_reputation(reviews=reviews)] == [(org.store_a1.name, 1)]
