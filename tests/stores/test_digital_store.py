"""The digital store (ORG-4, QR-5): solutions, cases, effect pictures, their pages, codes and admin."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from customers.models import Customer, OwnerChange
from stores.models import Case, CasePicture, EffectPicture, QRCode, Role, Solution
from stores.services import effect_picture_set, qr_code_for, solution_create
from tests.digital import case, effect_pictures, media_in_tmp, png, product, solution, styles  # noqa: F401

from ..customers.conftest import as_wechat_user
from ..factories import StaffFactory


@pytest.fixture
def sink(db):
    return product()


# --- Codes (QR-1, QR-5) ------------------------------------------------------------------------------


def test_a_stores_own_solution_code_leads_to_its_page_and_binds_to_that_store(client, org, sink):
    own = solution(products=[sink], store=org.store_a1)
    code = qr_code_for(own)  # the target type follows the model
    assert (code.target_type, code.store) == (QRCode.TargetType.SOLUTION, org.store_a1)
    as_wechat_user(client, "o-sol")
    response = client.get(f"/q/{code.token}")
    assert response["Location"] == f"/h5/solutions/{own.pk}/"
    customer = Customer.objects.get(openid="o-sol")
    assert customer.store == org.store_a1 and customer.owner_assistant in (org.assistant, org.colleague)
    assert customer.owner_changes.get().reason == OwnerChange.Reason.FIRST_SCAN
    assert client.get(response["Location"]).status_code == 200


def test_a_head_office_solution_code_records_but_never_binds(client, org, sink):
    hq = solution(products=[sink])
    code = qr_code_for(hq, target_type="solution")
    assert code.store is None and qr_code_for(hq, target_type="solution") == code  # made once
    as_wechat_user(client, "o-hq-sol")
    assert client.get(f"/q/{code.token}")["Location"] == f"/h5/solutions/{hq.pk}/"
    assert Customer.objects.get(openid="o-hq-sol").store is None


def test_solution_codes_are_made_from_the_admin_list(client, org, sink):
    first, second = solution(products=[sink]), solution(name="干湿分离卫浴", room="bathroom", store=org.store_a2)
    client.force_login(org.user("hq"))
    response = client.post("/admin/stores/solution/",
                           {"action": "make_codes", "_selected_action": [first.pk, second.pk]})
    assert response.status_code == 302
    codes = QRCode.objects.filter(target_type="solution")
    assert {(c.target_id, c.store_id) for c in codes} == {(first.pk, None), (second.pk, org.store_a2.pk)}


# --- Rules ------------------------------------------------------------------------------------------


def test_a_solutions_price_range_must_be_ordered_and_nothing_is_written_otherwise(db, settings):
    with pytest.raises(ValidationError):
        solution_create(name="反了", room="kitchen", price_from=Decimal("50000"), price_to=Decimal("40000"),
                        cover=png())
    assert not Solution.objects.exists()
    assert not (settings.MEDIA_ROOT / "solutions").exists()  # checked before the cover was written


def test_a_cases_designer_works_in_its_store(org):
    stranger = StaffFactory(role=Role.DESIGNER, store=org.store_b1)
    with pytest.raises(ValidationError):
        case(store=org.store_a1, designer=stranger)
    assert not Case.objects.exists() and not CasePicture.objects.exists()


def test_one_effect_picture_per_product_and_style_replaced_in_place(sink):
    modern, *_ = styles()
    first = effect_picture_set(product=sink, style=modern, image=png("a.png"), caption="一")
    again = effect_picture_set(product=sink, style=modern, caption="二")
    assert again.pk == first.pk and again.caption == "二" and again.image == first.image
    assert EffectPicture.objects.filter(product=sink).count() == 1


# --- Pages at phone size (content checked here; looks in tests/browser) -----------------------------


def test_the_product_page_switches_between_effect_pictures_by_style(client, sink):
    pictures = effect_pictures(sink)
    text = client.get(f"/h5/products/{sink.sku}/").content.decode()
    for picture in pictures:  # every style is a tab, with its picture
        assert f'href="?style={picture.style_id}#effects"' in text and picture.image.url in text
        assert picture.style.name in text
    assert text.count('aria-selected="true"') == 1 and text.count(" hidden>") == 3
    chosen = pictures[2]
    text = client.get(f"/h5/products/{sink.sku}/", {"style": chosen.style_id}).content.decode()
    assert f'id="effect-{chosen.style_id}" >' in text  # the chosen panel is the one not hidden
    assert client.get(f"/h5/products/{sink.sku}/", {"style": "x" * 5000}).status_code == 200  # first style


def test_a_product_without_pictures_still_looks_complete(client, sink):
    EffectPicture.objects.create(product=sink, style=styles()[0])  # a style without an upload yet
    text = client.get(f"/h5/products/{sink.sku}/").content.decode()
    assert "pic_empty" in text and sink.name in text


def test_the_store_page_shows_its_solutions_cases_and_team(client, org, sink):
    card = qr_code_for(org.assistant)
    hq = solution(products=[sink], name="总部方案")
    own = solution(products=[sink], name="徐汇专属", store=org.store_a1)
    elsewhere = solution(products=[sink], name="北京专属", store=org.store_b1)
    hidden = solution(products=[sink], name="下架方案")
    Solution.objects.filter(pk=hidden.pk).update(is_active=False)
    mine = case(store=org.store_a1, title="徐汇苑案例")
    case(store=org.store_b1, title="北京案例")
    text = client.get(f"/h5/stores/{org.store_a1.code}/").content.decode()
    assert hq.name in text and own.name in text and elsewhere.name not in text and hidden.name not in text
    assert mine.title in text and "北京案例" not in text
    # Team members with a code link to their card; the store page itself is not a scan.
    assert f"/h5/staff/{card.token}/" in text and org.manager.name in text
    assert org.other_store_assistant.name not in text


def test_the_solution_page_lists_its_products_in_its_style_and_its_cases(client, org, sink):
    modern = styles()[0]
    effect_pictures(sink)
    item = solution(products=[sink], style=modern, video_url="https://video.example.com/u-kitchen.mp4")
    done = case(store=org.store_a1, solution=item)
    text = client.get(f"/h5/solutions/{item.pk}/").content.decode()
    assert sink.name in text and f"/h5/products/{sink.sku}/?style={modern.pk}" in text
    assert "<video" in text and done.title in text
    Solution.objects.filter(pk=item.pk).update(video_url="https://v.example.com/page?id=1")
    text = client.get(f"/h5/solutions/{item.pk}/").content.decode()
    assert "<video" not in text and 'href="https://v.example.com/page?id=1"' in text


def test_the_case_page_shows_pictures_store_designer_and_solution(client, org, sink):
    designer = StaffFactory(role=Role.DESIGNER, store=org.store_a1)
    card = qr_code_for(designer)
    item = solution(products=[sink])
    done = case(store=org.store_a1, designer=designer, solution=item, products=[sink], pictures=2,
                completed_on=timezone.localdate())
    text = client.get(f"/h5/cases/{done.pk}/").content.decode()
    assert text.count('<img class="pic pic_wide"') == 2  # the solution has no cover: a placeholder, no <img>
    for picture in done.pictures.all():
        assert picture.image.url in text
    assert designer.name in text and f"/h5/staff/{card.token}/" in text and item.name in text and sink.name in text


@pytest.mark.parametrize("path", ["/h5/solutions/{pk}/", "/h5/cases/{case}/"])
def test_unpublished_content_gets_the_friendly_page(client, org, sink, path):
    item = solution(products=[sink])
    done = case(store=org.store_a1)
    Solution.objects.update(is_active=False)
    Case.objects.update(is_active=False)
    response = client.get(path.format(pk=item.pk, case=done.pk))
    assert response.status_code == 404 and "weui-msg" in response.content.decode()


@pytest.mark.parametrize("bad", ["0", "abc", "-1", "9" * 30, "1e3", "%20"])
def test_bad_ids_are_a_friendly_404(client, db, bad):
    for kind in ("solutions", "cases"):
        response = client.get(f"/h5/{kind}/{bad}/")
        assert response.status_code == 404 and "weui-msg" in response.content.decode()
    assert client.get(f"/h5/products/{'x' * 3000}/").status_code == 404
    assert client.get(f"/h5/stores/{'x' * 3000}/").status_code == 404


# --- Admin (HQ, in Chinese) and data scope -----------------------------------------------------------


def test_hq_edits_solutions_cases_and_effect_pictures_in_the_admin(client, org, sink):
    item = solution(products=[sink], store=org.store_a1)
    done = case(store=org.store_a1, solution=item)
    effect_pictures(sink)
    qr_code_for(item)
    client.force_login(org.user("hq"))
    for url in ("/admin/stores/solution/", "/admin/stores/solution/add/", f"/admin/stores/solution/{item.pk}/change/",
                "/admin/stores/case/", "/admin/stores/case/add/", f"/admin/stores/case/{done.pk}/change/",
                "/admin/stores/style/", f"/admin/stores/product/{sink.pk}/change/"):
        assert client.get(url).status_code == 200, url
    text = client.get(f"/admin/stores/product/{sink.pk}/change/").content.decode()
    assert "effect_pictures-TOTAL_FORMS" in text and "新中式" in text
    assert "/qrcodes/" in client.get(f"/admin/stores/solution/{item.pk}/change/").content.decode()


def test_hq_adds_a_case_with_pictures_in_the_admin(client, org, sink):
    client.force_login(org.user("hq"))
    response = client.post("/admin/stores/case/add/", {
        "title": "滨江壹号 18㎡ 厨房", "store": org.store_a1.pk, "is_active": "on", "room": "kitchen",
        "community": "滨江壹号", "area": "18", "products": [sink.pk], "description": "",
        "pictures-TOTAL_FORMS": "1", "pictures-INITIAL_FORMS": "0", "pictures-MIN_NUM_FORMS": "0",
        "pictures-MAX_NUM_FORMS": "1000", "pictures-0-position": "0", "pictures-0-image": png("up.png"),
        "pictures-0-caption": "完工",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    done = Case.objects.get(title="滨江壹号 18㎡ 厨房")
    assert done.pictures.get().caption == "完工" and list(done.products.all()) == [sink]


@pytest.mark.parametrize("role, sees", [
    ("hq", {"hq", "a1", "a2", "b1"}), ("supervisor", {"a1", "a2"}), ("manager", {"a1"}), ("assistant", {"a1"}),
    ("partner", set()), ("outsider", set()),
])
def test_solutions_and_cases_follow_the_data_scope(org, sink, role, sees):
    stores = {"a1": org.store_a1, "a2": org.store_a2, "b1": org.store_b1}
    made = {"hq": solution(products=[sink], name="总部")}
    made |= {key: solution(products=[sink], name=key, store=store) for key, store in stores.items()}
    cases = {key: case(store=store, title=key, pictures=0) for key, store in stores.items()}
    user = org.user(role)
    assert set(Solution.objects.visible_to(user)) == {made[k] for k in sees}
    assert set(Case.objects.visible_to(user)) == {cases[k] for k in sees - {"hq"}}
