"""Favourites and recently viewed (QR-7): "take the store home in your pocket"."""

from datetime import timedelta

import pytest
from django.utils import timezone

from customers.models import Customer, Favourite, PageView
from customers.pages import VISIT_WINDOW, page_view_record
from stores.models import Product, Solution
from tests.digital import case, media_in_tmp, product, solution  # noqa: F401

from .conftest import as_wechat_user

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def sink(db):
    return product()


@pytest.fixture
def wang(client, org):
    """A customer of store A1 in the browser's WeChat."""
    customer = Customer.objects.create(openid="o-wang", name="王女士", store=org.store_a1,
                                       owner_assistant=org.assistant)
    as_wechat_user(client, "o-wang")
    return customer


def keep(client, page_type, page_id, on="1", **headers):
    return client.post("/h5/favourite/", {"type": page_type, "id": page_id, "on": on, "next": "/h5/"}, **headers)


def test_a_customer_keeps_and_drops_a_page_with_the_button(client, wang, sink):
    response = keep(client, "product", sink.pk, **HTMX)
    assert response.status_code == 200
    text = response.content.decode()
    assert 'aria-pressed="true"' in text and 'name="on" value="0"' in text and "<html" not in text
    assert Favourite.objects.filter(customer=wang, page_type="product", page_id=sink.pk).exists()
    keep(client, "product", sink.pk, **HTMX)  # a double tap keeps it kept
    assert Favourite.objects.count() == 1
    text = keep(client, "product", sink.pk, on="0", **HTMX).content.decode()
    assert 'aria-pressed="false"' in text and not Favourite.objects.exists()


def test_without_javascript_the_button_posts_and_comes_back(client, wang, sink):
    response = keep(client, "product", sink.pk)
    assert response.status_code == 302 and response["Location"] == "/h5/"
    assert Favourite.objects.exists()


def test_the_page_shows_the_kept_state(client, wang, sink):
    assert 'aria-pressed="false"' in client.get(f"/h5/products/{sink.sku}/").content.decode()
    keep(client, "product", sink.pk)
    assert 'aria-pressed="true"' in client.get(f"/h5/products/{sink.sku}/").content.decode()


def test_a_visitor_wechat_has_not_named_yet_is_sent_through_oauth_first(client, org, sink, settings):
    text = client.get(f"/h5/products/{sink.sku}/").content.decode()
    assert f"/h5/sign-in/?next=/h5/products/{sink.sku}/" in text  # the button is a link, not a form
    response = keep(client, "product", sink.pk, **HTMX)
    assert response.status_code == 204 and response["HX-Redirect"] == "/h5/sign-in/?next=%2Fh5%2F"
    assert not Favourite.objects.exists()
    response = client.get("/h5/sign-in/", {"next": f"/h5/products/{sink.sku}/"})
    assert response["Location"].startswith(settings.WECHAT_API_BASE + "connect/oauth2/authorize")


def test_after_oauth_the_visitor_comes_back_to_the_page(client, org, sink, fake, wechat_settings):
    """The whole round trip through the fake WeChat server over HTTP."""
    import requests
    from urllib.parse import urlparse

    start = client.get("/h5/sign-in/", {"next": f"/h5/products/{sink.sku}/"})["Location"]
    back = requests.get(start, allow_redirects=False, timeout=5).headers["Location"]  # WeChat answers with a code
    parts = urlparse(back)
    response = client.get(f"{parts.path}?{parts.query}")
    assert response.status_code == 302 and response["Location"] == f"/h5/products/{sink.sku}/"
    assert keep(client, "product", sink.pk, **HTMX).status_code == 200
    assert Favourite.objects.get().customer.openid  # created on first sight, under WeChat's openid


def test_outside_wechat_in_real_mode_sign_in_explains_kindly(client, db, settings):
    settings.WECHAT_MODE = "real"
    response = client.get("/h5/sign-in/", {"next": "/h5/"}, HTTP_USER_AGENT="Mozilla/5.0 Safari")
    assert response.status_code == 200 and "weui-msg" in response.content.decode()


@pytest.mark.parametrize("next_url", ["https://evil.example.com/", "//evil.example.com/x", "javascript:alert(1)",
                                      "/ok\x00bad"])
def test_sign_in_never_redirects_off_site(client, db, next_url):
    as_wechat_user(client, "o-known")
    assert client.get("/h5/sign-in/", {"next": next_url})["Location"] == "/h5/me/"


@pytest.mark.parametrize("data, status", [
    ({"type": "product", "id": "424242", "on": "1"}, 404), ({"type": "shoe", "id": "1", "on": "1"}, 400),
    ({"type": "product", "id": "1", "on": "maybe"}, 400), ({"type": "product", "id": "9" * 25, "on": "1"}, 400),
    ({"type": "product", "id": "²", "on": "1"}, 400), ({}, 400),
])
def test_keeping_something_that_does_not_exist_writes_nothing(client, wang, data, status):
    response = client.post("/h5/favourite/", data)
    assert response.status_code == status and "weui-msg" in response.content.decode()
    assert not Favourite.objects.exists()


def test_a_page_withdrawn_since_can_still_be_dropped(client, wang, sink):
    keep(client, "product", sink.pk)
    Product.objects.filter(pk=sink.pk).update(is_active=False)
    assert keep(client, "product", sink.pk).status_code == 404  # cannot be kept again
    keep(client, "product", sink.pk, on="0")
    assert not Favourite.objects.exists()


def test_favourites_need_a_post_with_the_csrf_token(wang, sink):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    as_wechat_user(strict, "o-wang")
    assert strict.post("/h5/favourite/", {"type": "product", "id": sink.pk, "on": "1"}).status_code == 403
    assert strict.get("/h5/favourite/").status_code == 405
    assert not Favourite.objects.exists()


# --- Page views and "my" page --------------------------------------------------------------------------


def test_a_known_customers_visit_is_recorded_once_per_visit(client, org, wang, sink):
    hq = solution(products=[sink])
    done = case(store=org.store_a1)
    for path in (f"/h5/products/{sink.sku}/", f"/h5/products/{sink.sku}/", f"/h5/solutions/{hq.pk}/",
                 f"/h5/cases/{done.pk}/", f"/h5/stores/{org.store_a1.code}/"):
        assert client.get(path).status_code == 200
    assert sorted(PageView.objects.filter(customer=wang).values_list("page_type", flat=True)) == [
        "case", "product", "solution", "store"]
    later = timezone.now() + VISIT_WINDOW + timedelta(minutes=1)
    assert page_view_record(customer=wang, page_type="product", page_id=sink.pk, now=later) is not None


def test_strangers_views_are_not_recorded_and_no_customer_is_made(client, org, sink):
    client.get(f"/h5/products/{sink.sku}/")
    as_wechat_user(client, "o-never-scanned")  # known to WeChat but not a customer yet: a view makes none
    client.get(f"/h5/products/{sink.sku}/")
    assert not PageView.objects.exists() and not Customer.objects.filter(openid="o-never-scanned").exists()


def test_my_page_lists_favourites_and_recently_viewed(client, org, wang, sink):
    island = solution(products=[sink], name="岛台开放式厨房")
    gone = solution(products=[sink], name="已下架方案")
    client.get(f"/h5/products/{sink.sku}/")
    client.get(f"/h5/solutions/{island.pk}/")
    client.get(f"/h5/solutions/{gone.pk}/")
    keep(client, "solution", island.pk)
    keep(client, "solution", gone.pk)
    Solution.objects.filter(pk=gone.pk).update(is_active=False)
    text = client.get("/h5/me/").content.decode()
    assert island.name in text and gone.name not in text and sink.name not in text
    assert f'href="/h5/solutions/{island.pk}/"' in text
    text = client.get("/h5/me/", {"tab": "recent"}).content.decode()
    assert island.name in text and sink.name in text and gone.name not in text
    assert text.index(island.name) < text.index(sink.name)  # last seen first


def test_my_page_without_an_identity_goes_through_oauth(client, db, settings):
    assert client.get("/h5/me/")["Location"].startswith(settings.WECHAT_API_BASE)


def test_a_new_wechat_visitor_sees_an_empty_page(client, db):
    as_wechat_user(client, "o-new-here")
    response = client.get("/h5/me/")
    assert response.status_code == 200 and "empty" in response.content.decode()
