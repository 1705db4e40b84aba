import pytest
from django.core.exceptions import ValidationError

from stores.models import Role, Staff
from stores.services import staff_create


def test_staff_create_makes_a_login_account(org):
    staff = staff_create(
        username="new-assistant", password="Shop-floor-2026", name="小王", role=Role.ASSISTANT,
        job_number="A-900", store=org.store_a1,
    )
    assert staff.user.check_password("Shop-floor-2026")
    assert not staff.user.is_staff  # only HQ opens the admin


@pytest.mark.parametrize(
    "role, place, message",
    [
        (Role.HQ_OPERATOR, "store", "总部运营隶属于总部"),
        (Role.REGION_SUPERVISOR, "store", "区域"),
        (Role.ASSISTANT, "region", "门店"),
        (Role.STORE_MANAGER, None, "门店"),
    ],
)
def test_role_decides_where_staff_belong(org, role, place, message):
    kwargs = {"store": org.store_a1} if place == "store" else {"region": org.region_a} if place == "region" else {}
    with pytest.raises(ValidationError) as excinfo:
        staff_create(username=f"x-{role}", password="Shop-floor-2026", name="x", role=role,
                     job_number=f"X-{role}", **kwargs)
    # One clear message in the user's language (Chinese by default), not a raw constraint name.
    assert [m for m in excinfo.value.messages if message in m] == excinfo.value.messages
    assert not Staff.objects.filter(job_number=f"X-{role}").exists()
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(username=f"x-{role}").exists(), "no half-created account"
