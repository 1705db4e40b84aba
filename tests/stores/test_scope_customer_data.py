"""Data scope (ORG-3) of the customer data hanging off customers, orders and staff: every role ×
every such scoped model, against FIXED expectations (the tables below), as in ``test_scope.py``.

The world: the ``org`` fixture's customers, by label —

* ``mine1``, ``mine2``: the assistant's (store A1); ``colleague``: the colleague's (A1);
* ``a2``: the other-store assistant's (A2, region A); ``north``: store B1 (region B), no owner;

each with one row of every customer model; every order with an item, a payment and a logistics
event; plus ``sold``, an order the assistant sold to the colleague's customer (an order counts
for who sold it), ``staff_review``, a review of the colleague's customer about the assistant, and
one data job requested by each staff member.
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from customers.ledgers import points_add, points_redeem, stored_value_top_up
from customers.models import (
    AfterSalesRecord,
    AuditLog,
    Consent,
    Customer,
    CustomerProfile,
    DataJob,
    FollowUp,
    IntentGradeChange,
    LogisticsEvent,
    MaskedContactSession,
    Order,
    OrderItem,
    Payment,
    PointsEntry,
    PointsRedemption,
    PrivacyRequest,
    Review,
    StoredValueEntry,
)
from stores.models import Staff
from stores.services import staff_deactivate

from ..factories import OrderFactory, PointsRewardFactory

ALL = {"mine1", "mine2", "colleague", "a2", "north"}

# Rows hanging off a customer (OF_CUSTOMER): the customer's owner, store, region.
OF_CUSTOMER_ROWS = {
    "hq": ALL,
    "supervisor": {"mine1", "mine2", "colleague", "a2"},
    "manager": {"mine1", "mine2", "colleague"},
    "assistant": {"mine1", "mine2"},
    "colleague": {"colleague"},
    "other_store_assistant": {"a2"},
    "partner": set(),
    "outsider": set(),
    "anonymous": set(),
}
# Orders (and their items, payments, logistics via OF_ORDER) count for the store and assistant
# who sold them: ``sold`` is the assistant's, not the colleague's, though the customer is hers.
ORDER_ROWS = {
    "hq": ALL | {"sold"},
    "supervisor": {"mine1", "mine2", "colleague", "a2", "sold"},
    "manager": {"mine1", "mine2", "colleague", "sold"},
    "assistant": {"mine1", "mine2", "sold"},
    "colleague": {"colleague"},
    "other_store_assistant": {"a2"},
    "partner": set(),
    "outsider": set(),
    "anonymous": set(),
}
# Reviews: the store's; for floor staff those of their customers and those about themselves.
REVIEW_ROWS = {
    "hq": ALL | {"staff_review"},
    "supervisor": {"mine1", "mine2", "colleague", "a2", "staff_review"},
    "manager": {"mine1", "mine2", "colleague", "staff_review"},
    "assistant": {"mine1", "mine2", "staff_review"},
    "colleague": {"colleague", "staff_review"},
    "other_store_assistant": {"a2"},
    "partner": set(),
    "outsider": set(),
    "anonymous": set(),
}
# Data jobs, labelled by who requested them: a region's are its stores' staff's and its supervisor's.
JOB_ROWS = {
    "hq": {"hq", "supervisor", "manager", "assistant", "colleague", "a2", "north"},
    "supervisor": {"supervisor", "manager", "assistant", "colleague", "a2"},
    "manager": {"manager", "assistant", "colleague"},
    "assistant": {"assistant"},
    "colleague": {"colleague"},
    "other_store_assistant": {"a2"},
    "partner": set(),
    "outsider": set(),
    "anonymous": set(),
}
# The audit log and privacy requests: head office only.
HQ_ONLY = {role: (ALL if role == "hq" else set()) for role in OF_CUSTOMER_ROWS}

CASES = [
    (Order, ORDER_ROWS), (OrderItem, ORDER_ROWS), (Payment, ORDER_ROWS), (LogisticsEvent, ORDER_ROWS),
    (PointsEntry, OF_CUSTOMER_ROWS), (StoredValueEntry, OF_CUSTOMER_ROWS), (PointsRedemption, OF_CUSTOMER_ROWS),
    (Review, REVIEW_ROWS), (FollowUp, OF_CUSTOMER_ROWS), (CustomerProfile, OF_CUSTOMER_ROWS),
    (IntentGradeChange, OF_CUSTOMER_ROWS), (AfterSalesRecord, OF_CUSTOMER_ROWS), (Consent, OF_CUSTOMER_ROWS),
    (MaskedContactSession, OF_CUSTOMER_ROWS), (AuditLog, HQ_ONLY), (PrivacyRequest, HQ_ONLY), (DataJob, JOB_ROWS),
]
ROLES = list(OF_CUSTOMER_ROWS)


def _user(org, role):
    return AnonymousUser() if role == "anonymous" else org.user(role)


@pytest.fixture
def world(org):
    """{model: {label: set of rows}}: every row of every model below, each under one label."""
    north_assistant = Staff.objects.get(user__username="t-north")
    mine1, mine2 = Customer.objects.filter(owner_assistant=org.assistant).order_by("pk")
    customers = {
        "mine1": mine1, "mine2": mine2,
        "colleague": Customer.objects.get(owner_assistant=org.colleague),
        "a2": Customer.objects.get(owner_assistant=org.other_store_assistant),
        "north": Customer.objects.get(store=org.store_b1),
    }
    orders = {label: Order.objects.get(customer=customer) for label, customer in customers.items()}
    orders["sold"] = OrderFactory(customer=customers["colleague"], assistant=org.assistant, store=org.store_a1)
    reward = PointsRewardFactory(points_cost=10, stock=None)
    now = timezone.now()
    for label, customer in customers.items():
        staff = customer.owner_assistant or north_assistant
        points_add(customer=customer, points=50)
        points_redeem(customer=customer, reward=reward)
        stored_value_top_up(customer=customer, amount="20")
        Review.objects.create(customer=customer, order=orders[label], subject=Review.Subject.STORE,
                              store=customer.store, rating=5)
        FollowUp.objects.create(customer=customer, staff=staff, kind="call", outcome="reached")
        CustomerProfile.objects.create(customer=customer)
        IntentGradeChange.objects.create(customer=customer, from_grade="", to_grade="A")
        AfterSalesRecord.objects.create(customer=customer, kind=AfterSalesRecord.Kind.REPAIR, description="漏水")
        Consent.objects.create(customer=customer, purpose=Consent.Purpose.PROFILE, granted=True,
                               source=Consent.Source.IN_STORE)
        AuditLog.objects.create(action=AuditLog.Action.REVEAL_MOBILE, customer=customer, customer_ref=customer.pk,
                                actor_name="x")
        MaskedContactSession.objects.create(customer=customer, staff=staff, virtual_number="17000000000",
                                            expires_at=now + timedelta(hours=1))
        PrivacyRequest.objects.create(customer=customer, kind=PrivacyRequest.Kind.COPY)
    staff_review = Review.objects.create(customer=customers["colleague"], subject=Review.Subject.STAFF,
                                         staff=org.assistant, store=org.store_a1, rating=4)
    for order in orders.values():
        OrderItem.objects.create(order=order, name="水槽", unit_price="10.00", amount="10.00")
        Payment.objects.create(order=order, kind=Order.PaymentType.IN_STORE, amount="10.00")
        LogisticsEvent.objects.create(order=order, node=LogisticsEvent.Node.SHIPPED)
    requesters = {"hq": org.hq, "supervisor": org.supervisor, "manager": org.manager, "assistant": org.assistant,
                  "colleague": org.colleague, "a2": org.other_store_assistant, "north": north_assistant}
    jobs = {label: {DataJob.objects.create(kind=DataJob.Kind.EXPORT_CUSTOMERS, created_by=staff.user,
                                           created_by_staff=staff)}
            for label, staff in requesters.items()}

    def by_customer(model):
        return {label: set(model.objects.filter(customer=customer)) for label, customer in customers.items()}

    def by_order(model):
        return {label: set(model.objects.filter(order=order)) for label, order in orders.items()}

    world = {model: by_customer(model) for model in (
        PointsEntry, StoredValueEntry, PointsRedemption, FollowUp, CustomerProfile, IntentGradeChange,
        AfterSalesRecord, Consent, AuditLog, MaskedContactSession, PrivacyRequest)}
    world[Order] = {label: {order} for label, order in orders.items()}
    for model in (OrderItem, Payment, LogisticsEvent):
        world[model] = by_order(model)
    world[Review] = {label: set(Review.objects.filter(customer=customer, subject=Review.Subject.STORE))
                     for label, customer in customers.items()}
    world[Review]["staff_review"] = {staff_review}
    world[DataJob] = jobs
    return world


@pytest.mark.parametrize("model", [model for model, _ in CASES], ids=lambda m: m.__name__)
def test_the_world_has_rows_under_every_label_and_none_unlabelled(world, model):
    """Sanity of the fixture: the expectations below mean something."""
    rows = world[model]
    assert all(rows.values()), {label: len(found) for label, found in rows.items()}
    assert set().union(*rows.values()) == set(model.objects.all())


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("model, expected", CASES, ids=[model.__name__ for model, _ in CASES])
def test_every_role_sees_exactly_its_rows(world, org, role, model, expected):
    rows = world[model]
    want = set().union(*(rows[label] for label in expected[role]))
    assert set(model.objects.visible_to(_user(org, role))) == want


@pytest.mark.parametrize("model", [model for model, _ in CASES], ids=lambda m: m.__name__)
def test_staff_who_left_see_none_of_it(world, org, model):
    staff_deactivate(staff=org.manager)
    user = Staff.objects.get(pk=org.manager.pk).user  # a fresh object, as on the next request
    assert set(model.objects.visible_to(user)) == set()
