"""A customer on a phone (390 px): switches a product's styles, keeps it, sends it to the family."""

import pytest

from customers.models import Customer, Favourite, Share, ShareOpen
from tests.digital import effect_pictures, media_in_tmp, product, solution  # noqa: F401
from tests.identity import as_wechat_user_on

from .conftest import fits_the_phone, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_customer_switches_styles_keeps_the_product_and_shares_it(live_server, org, phone, settings):
    settings.DEBUG = True  # the live server serves uploaded pictures only in debug
    sink = product()
    pictures = effect_pictures(sink)
    solution(products=[sink], name="北欧白 U 型厨房")
    wang = Customer.objects.create(openid="o-wang-phone", store=org.store_a1, owner_assistant=org.assistant)
    as_wechat_user_on(phone, live_server, wang.openid)

    phone.goto(f"{live_server.url}/h5/products/{sink.sku}/")
    tabs = phone.locator(".seg__item")
    assert tabs.count() == 4 and phone.locator(".effects__panel:visible").count() == 1
    tabs.nth(2).click()  # 新中式: switched in place, no reload
    assert phone.locator(f"#effect-{pictures[2].style_id}").is_visible()
    assert not phone.locator(f"#effect-{pictures[0].style_id}").is_visible()
    assert phone.url.endswith(f"?style={pictures[2].style_id}#effects")
    # The picture (lazy: fetched once its panel shows) is really served.
    phone.wait_for_function(f"document.querySelector('#effect-{pictures[2].style_id} img').naturalWidth > 0",
                            timeout=5000)
    assert fits_the_phone(phone)
    screenshot(phone, "h5-product-styles")

    phone.click(".fav__button")
    phone.wait_for_selector(".fav__button.is-on")
    assert Favourite.objects.filter(customer=wang, page_type="product", page_id=sink.pk).exists()

    phone.click(".share-button")
    phone.wait_for_selector("#share-sheet")
    share = Share.objects.get(sharer=wang)
    assert phone.input_value("#share-url").endswith(f"/s/{share.token}")
    assert phone.url.endswith(f"/s/{share.token}")  # WeChat's own menu now shares the share link
    phone.click(".copy-row__button")
    assert phone.text_content(".copy-row__button") != ""  # copied, or told to long-press
    assert fits_the_phone(phone)
    screenshot(phone, "h5-share-sheet")


def test_the_store_page_and_my_page_fit_the_phone(live_server, org, phone):
    sink = product()
    solution(products=[sink], name="干湿分离卫浴", room="bathroom")
    wang = Customer.objects.create(openid="o-wang-me", store=org.store_a1, owner_assistant=org.assistant)
    as_wechat_user_on(phone, live_server, wang.openid)
    phone.goto(f"{live_server.url}/h5/stores/{org.store_a1.code}/")
    assert phone.locator(".card").count() == 1 and phone.locator(".team__card").count() >= 3
    assert fits_the_phone(phone)
    screenshot(phone, "h5-store")
    phone.goto(f"{live_server.url}/h5/me/?tab=recent")
    assert org.store_a1.name in phone.text_content(".page-rows")
    assert fits_the_phone(phone)
    screenshot(phone, "h5-me")


def test_a_family_member_opens_the_link_on_their_phone(live_server, org, phone):
    sink = product()
    wang = Customer.objects.create(openid="o-wang-share", store=org.store_a1, owner_assistant=org.assistant)
    share = Share.objects.create(sharer=wang, page_type="product", page_id=sink.pk)
    as_wechat_user_on(phone, live_server, "o-husband-phone")
    phone.goto(f"{live_server.url}/s/{share.token}")
    phone.wait_for_url(f"**/h5/products/{sink.sku}/")
    husband = Customer.objects.get(openid="o-husband-phone")
    assert husband.owner_assistant_id == org.assistant.pk
    assert ShareOpen.objects.get().customer_id == husband.pk
