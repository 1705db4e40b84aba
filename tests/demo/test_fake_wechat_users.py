"""``make serve`` tells the freshly started fake WeChat who the database's WeChat users are, so a
message the scheduler sends to a demo customer reaches the fake phone."""

from django.core.management import call_command

from tests.factories import CustomerFactory, StaffFactory


def test_customers_and_staff_with_openids_become_fake_wechat_users(wechat_settings, fake, org):
    CustomerFactory(store=org.store_a1, openid="o-follower", wechat_subscribed=True)
    CustomerFactory(store=org.store_a1, openid="o-left", wechat_subscribed=False)
    CustomerFactory(store=org.store_a1, openid=None)
    StaffFactory(store=org.store_a1, wechat_openid="o-staff-bound")
    call_command("fake_wechat_users", wait=2)
    users = fake.state.users
    assert users["o-follower"]["subscribed"] is True
    assert users["o-left"]["subscribed"] is False
    assert users["o-staff-bound"]["subscribed"] is True
