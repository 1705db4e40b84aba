"""Writes to the organisation. Keyword-only, atomic; raise ValidationError with a clear message."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from .models import Region, Role, Staff, Store


@transaction.atomic
def staff_create(
    *,
    username: str,
    password: str | None,
    name: str,
    role: str,
    job_number: str,
    store: Store | None = None,
    region: Region | None = None,
    phone: str = "",
    password_hash: str | None = None,
) -> Staff:
    """Create a staff member and their user account together (ORG-2).

    ``password_hash`` lets bulk loaders reuse one already-hashed password.
    """
    User = get_user_model()
    user = User(username=username, first_name=name, is_staff=(role == Role.HQ_OPERATOR))
    if password_hash:
        user.password = password_hash
    else:
        user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    staff = Staff(user=user, name=name, role=role, job_number=job_number, store=store, region=region, phone=phone)
    staff.full_clean(exclude=["user"])
    staff.save()
    return staff


@transaction.atomic
def staff_deactivate(*, staff: Staff) -> Staff:
    """A member of staff leaves: the account can no longer log in; their history stays."""
    return staff_update(staff=staff, is_active=False, left_on=timezone.localdate())


STAFF_EDITABLE = {"name", "role", "region", "store", "job_number", "phone", "avatar", "wechat_id", "wecom_userid",
                  "is_active", "joined_on", "left_on"}


@transaction.atomic
def staff_update(*, staff: Staff, **changes) -> Staff:
    """Change a staff record; the login follows (admin access for HQ, no login after leaving)."""
    unknown = set(changes) - STAFF_EDITABLE
    if unknown:
        raise ValueError(f"not editable: {', '.join(sorted(unknown))}")
    for field, value in changes.items():
        setattr(staff, field, value)
    staff.full_clean(exclude=["user"])
    staff.save()
    user = staff.user
    user.is_staff = staff.role == Role.HQ_OPERATOR and staff.is_active
    user.is_active = staff.is_active
    user.save(update_fields=["is_staff", "is_active"])
    return staff
