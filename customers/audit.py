"""The audit log of customer data leaving its screen (CUS-11): reveals, exports, erasures.
Call :func:`audit_record` inside the same transaction as the action it records."""

from __future__ import annotations

from .models import AuditLog, Customer


def _actor_name(user) -> str:
    if user is None:
        return ""
    staff = getattr(user, "staff", None)
    if staff is not None:
        return f"{staff.name} ({staff.job_number})"
    return user.get_full_name() or user.get_username()


def _client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(*, action: str, actor, customer: Customer | None = None, rows: int | None = None,
                 detail: dict | None = None, request=None) -> AuditLog:
    """Append one entry. ``actor`` is the signed-in user (None for a system job)."""
    return AuditLog.objects.create(
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=_actor_name(actor),
        customer=customer,
        customer_ref=customer.pk if customer is not None else None,
        rows=rows,
        detail=detail or {},
        ip_address=_client_ip(request),
    )
