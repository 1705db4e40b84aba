import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from customers.models import Customer, Order
from demo.seed_identity import PRODUCT_SCAN, STAFF_FOLLOW
from demo.seed_journeys import DEMO_OPENID
from referrals.models import Partner
from stores.models import Region, Role, Staff, Store
from stores.scope import Level, scope_of


@pytest.fixture
def seeded(db):
    call_command("seed_demo", customers=300, verbosity=0)


def test_demo_brand_has_every_role(seeded):
    assert Region.objects.count() == 3
    assert Store.objects.count() == 12
    assert set(Staff.objects.values_list("role", flat=True)) == set(Role.values)
    # the 300 asked for, plus the named customers of the journeys and identity demos
    named = [DEMO_OPENID, PRODUCT_SCAN, STAFF_FOLLOW]
    assert Customer.objects.exclude(openid__in=named).count() == 300
    assert Customer.objects.filter(openid__in=named).count() == 3
    assert Order.objects.exists()
    assert all(c.owner_assistant.store_id == c.store_id for c in Customer.objects.select_related("owner_assistant"))


@pytest.mark.parametrize("username, level", [
    ("hq", Level.ALL), ("supervisor", Level.REGION), ("manager", Level.STORE), ("assistant", Level.OWN),
    ("partner", Level.PARTNER),
])
def test_demo_logins_work_with_the_demo_password(seeded, username, level):
    user = authenticate(username=username, password="demo12345")
    assert user is not None
    assert scope_of(user).level is level


def test_running_it_again_adds_nothing(seeded):
    counts = [m.objects.count() for m in (Region, Store, Staff, Partner, Customer, Order)]
    call_command("seed_demo", customers=300, verbosity=0)
    assert [m.objects.count() for m in (Region, Store, Staff, Partner, Customer, Order)] == counts


def test_a_bigger_size_tops_customers_up(seeded):
    call_command("seed_demo", customers=500, verbosity=0)
    assert Customer.objects.count() == 500
    assert Customer.objects.filter(openid__isnull=False).values("openid").distinct().count() == \
        Customer.objects.filter(openid__isnull=False).count()


def test_demo_command_prints_the_logins(db, capsys):
    call_command("seed_demo", customers=10)
    out = capsys.readouterr().out
    assert "demo12345" in out
    for username in ("hq", "supervisor", "manager", "assistant", "partner"):
        assert username in out
