"""A new person opening a share while also scanning a code ends with one customer and one owner
(PostgreSQL: the customer row is locked and the decision taken again on it)."""

import pytest

from customers.models import Customer, OwnerChange, ShareOpen
from customers.scans import scan_record
from customers.shares import share_create, share_open_record
from tests.digital import media_in_tmp, product, solution  # noqa: F401
from wechat.identity import Identity

from .test_scan_concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("round_", range(3))
def test_simultaneous_opens_and_a_scan_make_one_customer_with_one_owner(org, codes, round_):
    sharer = Customer.objects.create(openid=f"o-sharer-{round_}", store=org.store_a1, owner_assistant=org.assistant)
    share = share_create(sharer=sharer, page_type="solution", page_id=solution(products=[product(
        sku=f"K-{round_}")], name=f"方案{round_}").pk)
    openid = f"o-family-{round_}"
    run_together(
        lambda: share_open_record(share=share, identity=Identity(openid)),
        lambda: share_open_record(share=share, identity=Identity(openid)),
        lambda: scan_record(code=codes["other_assistant"], identity=Identity(openid), channel="oauth"),
    )
    family = Customer.objects.get(openid=openid)
    assert OwnerChange.objects.filter(customer=family).count() == 1
    assert family.owner_assistant_id in (org.assistant.pk, org.other_store_assistant.pk)
    assert ShareOpen.objects.filter(customer=family, bound=True).count() <= 1
