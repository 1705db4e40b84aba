import pytest

from tests.factories import CustomerFactory

from .factories import CouponDefinitionFactory


@pytest.fixture
def definition(db):
    """A ¥300-off coupon of a running activity, usable in every store, 100 in stock, one per person."""
    return CouponDefinitionFactory()


@pytest.fixture
def customer(org):
    """A customer of store A1 with a WeChat identity and a mobile number."""
    return CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, openid="o-coupon-holder",
                           mobile="13912345678", name="张小明")
