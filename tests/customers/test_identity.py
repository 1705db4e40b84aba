"""Identity resolution (CUS-12): every identity of one person resolves to one customer, also when
they arrive at the same moment through different doors."""

import pytest

from customers.identity import customer_for_wecom, identity_attach, identity_customer
from customers.models import Customer
from customers.models.identity import CustomerIdentity
from tests.factories import CustomerFactory
from tests.threads import run_together
from wechat.identity import Identity


@pytest.mark.django_db
def test_a_new_openid_with_a_known_unionid_is_the_same_person(org):
    known = CustomerFactory(store=org.store_a1, openid="o-oa", unionid="u-1")
    customer, created = identity_customer(Identity(openid="o-mini", unionid="u-1"))
    assert (customer.pk, created) == (known.pk, False)
    # the second openid is kept as an identity: it resolves without the unionid from now on
    assert identity_customer(Identity(openid="o-mini"))[0].pk == known.pk
    assert CustomerIdentity.objects.get(kind="openid", value="o-mini").customer_id == known.pk


@pytest.mark.django_db
def test_an_identity_is_never_taken_from_another_customer(org):
    a = CustomerFactory(store=org.store_a1, openid="o-a")
    b = CustomerFactory(store=org.store_a1)
    assert identity_attach(customer=b, kind="openid", value="o-a") is False
    b.refresh_from_db()
    assert b.openid is None and Customer.objects.get(openid="o-a").pk == a.pk


@pytest.mark.django_db
def test_a_wecom_contact_with_the_followers_unionid_is_the_follower(org):
    follower = CustomerFactory(store=org.store_a1, openid="o-f", unionid="u-f")
    assert customer_for_wecom(external_userid="wm-1", unionid="u-f").pk == follower.pk
    assert customer_for_wecom(external_userid="wm-1", unionid=None).pk == follower.pk


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_subscribe_event_and_oauth_page_open_at_the_same_moment_end_as_one_customer():
    # The subscribe event knows the unionid (user info), the silent OAuth page open only the openid.
    for _attempt in range(5):
        results, _refused = run_together(lambda: identity_customer(Identity(openid="o-new", unionid="u-new"))[0],
                            lambda: identity_customer(Identity(openid="o-new"))[0],
                            lambda: identity_customer(Identity(openid="o-new"))[0])
        assert len({c.pk for c in results}) == 1
        assert Customer.objects.count() == 1
        Customer.objects.all().delete()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_wecom_add_and_a_follow_with_one_unionid_at_the_same_moment_end_as_one_customer():
    for attempt in range(5):
        unionid = f"u-{attempt}"
        results, _refused = run_together(lambda: identity_customer(Identity(openid=f"o-{attempt}", unionid=unionid))[0],
                            lambda: customer_for_wecom(external_userid=f"wm-{attempt}", unionid=unionid))
        assert len({c.pk for c in results}) == 1
        assert Customer.objects.filter(unionid=unionid).count() == 1
        one = Customer.objects.get(unionid=unionid)
        assert identity_customer(Identity(openid=f"o-{attempt}"))[0].pk == one.pk
        assert customer_for_wecom(external_userid=f"wm-{attempt}", unionid=None).pk == one.pk
