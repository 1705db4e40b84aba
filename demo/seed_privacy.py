"""Demo data: Consents and a few audit-log entries (CUS-11).
Adds its part only when that part is empty, so ``seed_demo`` can run again without piling up."""

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction

from common.bulk import bulk_insert
from customers.audit import audit_record
from customers.models import AuditLog, Consent, Customer
from customers.privacy import consent_record

# With a million demo customers, consents for the newest ones are enough to show the feature.
MAX_CUSTOMERS = 20_000


@transaction.atomic
def seed_privacy(rng: random.Random) -> None:
    """Consents and a few audit-log entries (CUS-11)."""
    if not Consent.objects.exists():
        _seed_consents(rng)
    if not AuditLog.objects.exists():
        _seed_audit()


def _seed_consents(rng: random.Random) -> None:
    customers = list(Customer.objects.filter(erased_at__isnull=True).order_by("-id")
                     .values_list("id", "created_at", "owner_assistant_id")[:MAX_CUSTOMERS])

    def rows():
        for customer_id, created_at, assistant_id in customers:
            if rng.random() > 0.85:  # most customers, not all: some were never asked
                continue
            source = Consent.Source.H5 if rng.random() < 0.6 else Consent.Source.IN_STORE
            staff_id = assistant_id if source == Consent.Source.IN_STORE else None
            at = created_at + timedelta(minutes=rng.randrange(1, 60))
            for purpose in (Consent.Purpose.PROFILE, Consent.Purpose.MARKETING):
                yield {"customer_id": customer_id, "purpose": purpose, "granted": True, "source": source,
                       "policy_version": "2026-01", "recorded_by_id": staff_id, "recorded_at": at}

    bulk_insert(Consent, rows(), fields=["customer_id", "purpose", "granted", "source", "policy_version",
                                         "recorded_by_id", "recorded_at"])
    # One customer of the demo assistant later withdrew marketing on the privacy page.
    withdrawn = (Customer.objects.filter(owner_assistant__user__username="assistant", consents__isnull=False)
                 .order_by("id").first() or Customer.objects.filter(consents__isnull=False).order_by("id").first())
    if withdrawn is not None:
        consent_record(customer=withdrawn, purpose=Consent.Purpose.MARKETING, granted=False,
                       source=Consent.Source.H5, policy_version="2026-01")


def _seed_audit() -> None:
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["assistant", "hq"])}
    customer = Customer.objects.filter(owner_assistant__user__username="assistant").order_by("id").first()
    if customer is None:
        return
    if "assistant" in users:
        audit_record(action=AuditLog.Action.REVEAL_MOBILE, actor=users["assistant"], customer=customer,
                     detail={"surface": "workbench"})
    if "hq" in users:
        audit_record(action=AuditLog.Action.EXPORT, actor=users["hq"], rows=Customer.objects.count(),
                     detail={"kind": "export_customers"})
