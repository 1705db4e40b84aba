"""Fixtures shared by the order, ledger and review tests (CUS-7..9): the assistant's customer
with a WeChat openid, a product, an installation team with one installer."""

import pytest

from stores.models import Role

from ..factories import CustomerFactory, InstallationTeamFactory, ProductFactory, StaffFactory


@pytest.fixture
def customer(org):
    """The assistant's own customer in store A1, known in WeChat."""
    return CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, openid="o-buyer")


@pytest.fixture
def product(db):
    return ProductFactory(name="不锈钢水槽", price="1299.00", sku="SINK-1")


@pytest.fixture
def team(org):
    team = InstallationTeamFactory(name="好师傅安装队")
    team.stores.add(org.store_a1)
    return team


@pytest.fixture
def installer(org, team):
    return StaffFactory(role=Role.INSTALLER, store=org.store_a1, installation_team=team, name="李师傅",
                        user__username="t-installer")
