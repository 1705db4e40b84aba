"""The admin is HQ's, in Chinese; its lists go through the same data scope."""

import pytest
from django.contrib.auth.models import Permission

from stores.models import Store


def test_admin_lists_all_stores_for_hq_in_chinese(client, org):
    client.force_login(org.user("hq"))
    response = client.get("/admin/stores/store/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "门店" in text
    for store in Store.objects.all():
        assert store.name in text


@pytest.mark.parametrize("role, visible, hidden", [("supervisor", ["徐汇店", "杭州店"], ["北京店"]),
                                                   ("manager", ["徐汇店"], ["杭州店", "北京店"])])
def test_admin_lists_are_scoped_for_anyone_else(client, org, role, visible, hidden):
    """Should HQ ever let a supervisor or manager into the admin, they still see only their scope."""
    user = org.user(role)
    user.is_staff = True
    user.save()
    user.user_permissions.add(Permission.objects.get(codename="view_store"))
    client.force_login(user)
    text = client.get("/admin/stores/store/").content.decode()
    for name in visible:
        assert name in text
    for name in hidden:
        assert name not in text
    assert client.get(f"/admin/stores/store/{org.store_b1.pk}/change/").status_code in (302, 404)


def test_hq_adds_staff_with_a_login_in_the_admin(client, org):
    client.force_login(org.user("hq"))
    response = client.post("/admin/stores/staff/add/", {
        "username": "wang.xiao", "password": "Shop-floor-2026", "name": "王晓", "role": "assistant",
        "store": org.store_a2.pk, "job_number": "HZ-A09", "phone": "13912345678",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    from stores.models import Staff

    staff = Staff.objects.get(job_number="HZ-A09")
    assert staff.user.username == "wang.xiao" and staff.user.check_password("Shop-floor-2026")
    assert staff.store == org.store_a2


def test_admin_refuses_staff_in_the_wrong_place(client, org):
    client.force_login(org.user("hq"))
    response = client.post("/admin/stores/staff/add/", {
        "username": "bad.place", "password": "Shop-floor-2026", "name": "错", "role": "assistant",
        "region": org.region_a.pk, "job_number": "BAD-1",
    })
    assert response.status_code == 200  # the form comes back with the error
    assert "门店" in response.content.decode()
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(username="bad.place").exists()
