"""Privacy under concurrency (PostgreSQL): the reveal cap holds, a masked call binds once, an
erasure racing with a consent leaves an erased customer."""

import threading

import pytest
from django.test import override_settings

from customers.errors import CustomerError
from customers.models import AuditLog, Consent, MaskedContactSession
from customers.privacy import consent_record, customer_erase, masked_contact_start, mobile_reveal
from tests.customers.test_scan_concurrency import run_together
from tests.factories import CustomerFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _quietly(call):
    """Run ``call``; a refusal is an expected outcome of the race, not a failure."""
    def run():
        try:
            call()
        except CustomerError:
            pass
    return run


@override_settings(PRIVACY_REVEALS_PER_DAY=3)
def test_simultaneous_reveals_never_pass_the_daily_cap(org):
    customers = [CustomerFactory(store=org.store_a1, owner_assistant=org.assistant) for _ in range(6)]
    user = org.assistant.user

    run_together(*[_quietly(lambda c=c: mobile_reveal(customer=c, actor=user)) for c in customers])

    assert AuditLog.objects.filter(action="reveal_mobile", actor=user).count() == 3


def test_simultaneous_calls_of_the_same_pair_share_one_relay_binding(org):
    org.assistant.phone = "13900000001"
    org.assistant.save()
    customer = CustomerFactory(store=org.store_a1, owner_assistant=org.assistant)

    run_together(*[lambda: masked_contact_start(customer=customer, actor=org.assistant.user) for _ in range(4)])

    assert MaskedContactSession.objects.filter(customer=customer).count() == 1
    assert AuditLog.objects.filter(action="masked_call").count() == 4


def test_the_customer_row_is_not_locked_while_the_relay_binds(org, monkeypatch):
    """A slow relay must not hold the customer: others can lock the row during the outside call."""
    from django.db import connection, transaction

    from customers.models import Customer
    from customers.relay import FakeRelayProvider

    org.assistant.phone = "13900000001"
    org.assistant.save()
    customer = CustomerFactory(store=org.store_a1, owner_assistant=org.assistant)
    outcomes = []

    def lock_from_elsewhere():
        try:
            with transaction.atomic():
                Customer.objects.select_for_update(nowait=True).get(pk=customer.pk)
            outcomes.append("free")
        except Exception as error:  # noqa: BLE001 - a lock held by the caller
            outcomes.append(type(error).__name__)
        finally:
            connection.close()

    class SlowRelay(FakeRelayProvider):
        def bind(self, **kwargs):
            other = threading.Thread(target=lock_from_elsewhere)
            other.start()
            other.join(timeout=10)
            return super().bind(**kwargs)

    relay = SlowRelay()
    monkeypatch.setattr("customers.privacy.provider", lambda: relay)

    session = masked_contact_start(customer=customer, actor=org.assistant.user)

    assert outcomes == ["free"]
    assert list(relay.bindings) == [session.provider_ref]


def test_consent_racing_an_erasure_leaves_the_customer_erased_and_opted_out(org):
    customer = CustomerFactory(store=org.store_a1, owner_assistant=org.assistant)

    run_together(
        _quietly(lambda: consent_record(customer=customer, purpose="marketing", granted=True, source="h5")),
        lambda: customer_erase(customer=customer, actor=org.hq.user),
    )

    customer.refresh_from_db()
    assert customer.erased_at is not None and customer.marketing_opt_out is True
    # Whichever came first, no consent was written after the erasure.
    assert all(c.recorded_at <= customer.erased_at for c in Consent.objects.filter(customer=customer))
