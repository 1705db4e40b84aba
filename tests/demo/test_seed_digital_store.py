"""The demo's digital store: styles, effect pictures, solutions with codes, cases, a trail."""

import pytest
from django.core.management import call_command

from customers.models import Favourite, PageView, Share, ShareOpen
from stores.models import Case, CasePicture, EffectPicture, Product, QRCode, Solution, Store, Style


@pytest.fixture
def seeded(db):
    call_command("seed_demo", customers=60, verbosity=0)


def test_every_product_has_an_effect_picture_in_every_style(seeded):
    assert Style.objects.count() == 4
    assert EffectPicture.objects.count() == Product.objects.count() * 4
    assert not EffectPicture.objects.filter(image="").exists()


def test_solutions_have_covers_products_and_codes(seeded):
    assert Solution.objects.filter(store__isnull=True).count() >= 4 and Solution.objects.filter(store__isnull=False)
    for solution in Solution.objects.all():
        assert solution.cover and solution.products.exists() and solution.price_from <= solution.price_to
        code = QRCode.objects.get(target_type="solution", target_id=solution.pk)
        assert code.store_id == solution.store_id


def test_every_store_shows_two_cases_with_pictures(seeded):
    for store in Store.objects.all():
        assert store.cases.count() == 2
    assert CasePicture.objects.count() == Case.objects.count() * 2


def test_the_demo_assistant_has_customers_with_a_trail(db):
    call_command("seed_demo", customers=300, verbosity=0)  # enough for the assistant to have a few
    assert PageView.objects.filter(customer__owner_assistant__user__username="assistant").exists()
    assert Favourite.objects.exists() and Share.objects.count() == 1 and ShareOpen.objects.count() == 2


def test_running_it_again_adds_no_rows_and_draws_no_pictures(seeded, settings):
    models = (Style, EffectPicture, Solution, Case, CasePicture, QRCode, PageView, Favourite, Share, ShareOpen)
    counts = [m.objects.count() for m in models]
    files = sorted(p.name for p in settings.MEDIA_ROOT.rglob("*.png"))
    call_command("seed_demo", customers=60, verbosity=0)
    assert [m.objects.count() for m in models] == counts
    assert sorted(p.name for p in settings.MEDIA_ROOT.rglob("*.png")) == files


def test_the_demo_pages_open(seeded, client):
    store = Store.objects.get(code="sh-xuhui")
    urls = [f"/h5/stores/{store.code}/", f"/h5/products/{Product.objects.first().sku}/",
            *[f"/h5/solutions/{s.pk}/" for s in Solution.objects.all()],
            *[f"/h5/cases/{c.pk}/" for c in store.cases.all()]]
    for url in urls:
        assert client.get(url).status_code == 200, url
