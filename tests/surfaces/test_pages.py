"""The three surfaces: who lands where, and every page shows only the user's scope."""

import pytest

from customers.models import Customer


@pytest.mark.parametrize(
    "role, landing",
    [("hq", "/dashboard/"), ("supervisor", "/dashboard/"), ("manager", "/dashboard/"), ("assistant", "/m/"),
     ("partner", "/m/"), ("outsider", "/no-access/")],
)
def test_each_role_lands_on_its_surface(client, org, role, landing):
    client.force_login(org.user(role))
    assert client.get("/")["Location"] == landing


def test_sign_in_form_takes_a_manager_to_the_dashboard(client, org):
    org.manager.user.set_password("Manager-pass-1")
    org.manager.user.save()
    response = client.post("/login/", {"username": "t-mgr", "password": "Manager-pass-1"})
    assert response["Location"] == "/dashboard/"


def test_wrong_password_is_explained_in_chinese(client, org):
    response = client.post("/login/", {"username": "t-mgr", "password": "nope"})
    assert response.status_code == 200
    assert "密码" in response.content.decode()


@pytest.mark.parametrize("url", ["/dashboard/", "/dashboard/stores/", "/dashboard/staff/"])
def test_dashboard_needs_sign_in(client, db, url):
    assert client.get(url)["Location"].startswith("/login/")


def test_assistants_are_sent_to_the_workbench(client, org):
    client.force_login(org.user("assistant"))
    assert client.get("/dashboard/")["Location"] == "/m/"


@pytest.mark.parametrize("role, shown, hidden", [
    ("hq", ["徐汇店", "杭州店", "北京店"], []),
    ("supervisor", ["徐汇店", "杭州店"], ["北京店"]),
    ("manager", ["徐汇店"], ["杭州店", "北京店"]),
])
def test_dashboard_store_list_is_scoped(client, org, role, shown, hidden):
    client.force_login(org.user(role))
    text = client.get("/dashboard/stores/").content.decode()
    for name in shown:
        assert name in text
    for name in hidden:
        assert name not in text


def test_store_filter_region_choices_are_scoped(client, org):
    client.force_login(org.user("supervisor"))
    text = client.get("/dashboard/stores/").content.decode()
    assert org.region_a.name in text and org.region_b.name not in text


def test_htmx_request_gets_only_the_table(client, org):
    client.force_login(org.user("hq"))
    response = client.get("/dashboard/staff/", {"q": org.manager.name}, HTTP_HX_REQUEST="true")
    text = response.content.decode()
    assert "<html" not in text and org.manager.name in text and org.assistant.name not in text


def test_workbench_lists_only_my_customers(client, org):
    client.force_login(org.user("assistant"))
    text = client.get("/m/customers/").content.decode()
    for customer in Customer.objects.all():
        assert (customer.name in text) == (customer.owner_assistant_id == org.assistant.pk), customer.name


def test_workbench_never_shows_full_mobile_numbers(client, org):
    client.force_login(org.user("assistant"))
    text = client.get("/m/customers/").content.decode()
    for customer in Customer.objects.filter(owner_assistant=org.assistant):
        assert customer.mobile not in text
        assert customer.masked_mobile in text


def test_workbench_search_by_mobile_tail(client, org):
    client.force_login(org.user("assistant"))
    target = Customer.objects.filter(owner_assistant=org.assistant).first()
    text = client.get("/m/customers/", {"q": target.mobile[-4:]}, HTTP_HX_REQUEST="true").content.decode()
    assert target.name in text


def test_h5_pages_are_public_and_in_chinese(client, org):
    response = client.get(f"/h5/stores/{org.store_a1.code}/")
    assert response.status_code == 200
    text = response.content.decode()
    assert org.store_a1.name in text and "地址" in text
    assert client.get("/h5/stores/no-such-store/").status_code == 404


def test_chinese_by_default_even_for_an_english_browser(client, db):
    assert "登录" in client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()


def test_english_is_one_switch_away(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert response["Location"] == "/login/"
    assert "Sign in" in client.get("/login/").content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/login/"})
    assert "登录" in client.get("/login/").content.decode()


def test_pages_load_front_end_files_from_our_own_static(client, org):
    client.force_login(org.user("hq"))
    text = client.get("/dashboard/").content.decode()
    assert "/static/vendor/htmx/htmx.min.js" in text and "/static/vendor/echarts/echarts.min.js" in text
    assert "cdn" not in text.lower() and "unpkg" not in text.lower()
