""""Select all N matching" sends a fingerprint of the set the manager saw; the dispatch computes it
again from the ids it resolves. The two must agree on the same set and differ on another one."""

import pytest

from customers.models import Customer
from invitations.candidates import ids_fingerprint, matching_of
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_sets_of_one_size_and_one_sum_differ():
    assert ids_fingerprint([10, 40]) != ids_fingerprint([20, 30])
    assert ids_fingerprint([1, 5, 6]) != ids_fingerprint([2, 3, 7])  # same count and sum
    assert ids_fingerprint([3, 1, 2]) == ids_fingerprint([1, 2, 3])


def test_the_database_and_the_dispatch_compute_the_same_fingerprint(org):
    customers = [CustomerFactory(store=org.store_a1, owner_assistant=org.assistant) for _ in range(4)]
    ids = [c.pk for c in customers]

    matching = matching_of(Customer.objects.filter(pk__in=ids))

    assert (matching.count, matching.fingerprint) == (4, ids_fingerprint(ids))
    assert matching_of(Customer.objects.filter(pk__in=ids[:3])).fingerprint != matching.fingerprint
