"""The bulk loader keeps every value exactly, on PostgreSQL's COPY path and elsewhere."""

from datetime import date

import pytest
from django.db import IntegrityError

from common.bulk import bulk_insert
from customers.models import Customer

TRICKY = ["", "tab\there", "line\nbreak", "back\\slash", "引号\"和'", "\\N", "carriage\rreturn"]


def rows(store_id, names):
    for n, name in enumerate(names):
        yield {"name": name, "community": name, "mobile": "", "store_id": store_id, "birthday": date(1990, 1, n + 1),
               "openid": None if n % 2 else f"o-bulk-{n}"}


@pytest.mark.parametrize("engine", ["any", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_bulk_insert_round_trips_awkward_values(org, engine):
    fields = ["name", "community", "mobile", "store_id", "birthday", "openid"]
    assert bulk_insert(Customer, rows(org.store_a1.pk, TRICKY), fields=fields, batch_size=3) == len(TRICKY)
    stored = {c.community: c for c in Customer.objects.filter(birthday__year=1990)}
    assert set(stored) == set(TRICKY)
    assert stored["\\N"].name == "\\N"  # a literal backslash-N is text, not NULL
    assert stored["tab\there"].openid is None and stored[""].openid == "o-bulk-0"


@pytest.mark.parametrize("engine", ["any", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_bulk_insert_is_all_or_nothing(org, engine):
    before = Customer.objects.count()
    duplicate = [{"name": "a", "openid": "o-dup", "store_id": org.store_a1.pk},
                 {"name": "b", "openid": "o-dup", "store_id": org.store_a1.pk}]
    with pytest.raises(IntegrityError):
        bulk_insert(Customer, iter(duplicate), fields=["name", "openid", "store_id"], batch_size=1)
    assert Customer.objects.count() == before
