"""Two scans of the same new person at the same moment end as one customer (PostgreSQL)."""

import pytest

from customers.models import Customer, OwnerChange, ScanEvent
from customers.scans import scan_record
from tests.threads import run_together
from wechat.identity import Identity

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("round_", range(5))
def test_simultaneous_first_scans_make_one_customer_with_one_owner(org, codes, round_):
    openid = f"o-race-{round_}"
    run_together(
        lambda: scan_record(code=codes["assistant"], identity=Identity(openid), channel="oauth"),
        lambda: scan_record(code=codes["colleague"], identity=Identity(openid), channel="oauth"),
        lambda: scan_record(code=codes["store"], identity=Identity(openid), channel="oauth"),
    )
    customer = Customer.objects.get(openid=openid)
    assert ScanEvent.objects.filter(customer=customer).count() == 3
    # Exactly one scan bound the customer, and the owner is that scan's assistant.
    binding = ScanEvent.objects.get(customer=customer, bound=True)
    assert OwnerChange.objects.filter(customer=customer).count() == 1
    assert customer.owner_assistant_id in {org.assistant.pk, org.colleague.pk}
    if binding.staff_id:
        assert customer.owner_assistant_id == binding.staff_id


def test_simultaneous_new_customers_on_a_store_code_share_the_rotation(org, codes):
    run_together(*[
        (lambda n=n: scan_record(code=codes["store"], identity=Identity(f"o-rot-{n}"), channel="oauth"))
        for n in range(6)
    ])
    owners = list(Customer.objects.filter(openid__startswith="o-rot-").values_list("owner_assistant", flat=True))
    assert sorted(owners.count(pk) for pk in {org.assistant.pk, org.colleague.pk}) == [3, 3]
