"""Digital-store content for tests (ORG-4): made through the services, with tiny real pictures."""

import io

import pytest
from decimal import Decimal

from django.core.files.base import ContentFile

from stores.models import Product, Room, Style
from stores.services import case_create, effect_picture_set, solution_create


def png(name: str = "p.png", colour=(200, 180, 150)) -> ContentFile:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (6, 4), colour).save(buffer, format="PNG")
    return ContentFile(buffer.getvalue(), name=name)


def product(sku: str = "K-SK-04", name: str = "手工水槽", price: str = "1899.00", **kwargs) -> Product:
    return Product.objects.create(sku=sku, name=name, category=kwargs.pop("category", "kitchen"),
                                  price=Decimal(price), **kwargs)


def styles() -> list[Style]:
    return [Style.objects.get_or_create(name=name, defaults={"position": n})[0]
            for n, name in enumerate(["现代简约", "北欧", "新中式", "轻奢"])]


def solution(*, products=(), store=None, name: str = "北欧白 U 型厨房", style=None, **kwargs):
    return solution_create(name=name, room=kwargs.pop("room", Room.KITCHEN), price_from=Decimal("28800"),
                           price_to=Decimal("45800"), products=products, store=store, style=style, **kwargs)


def case(*, store, title: str = "徐汇苑 12㎡ 厨房", pictures: int = 1, **kwargs):
    return case_create(store=store, title=title, room=kwargs.pop("room", Room.KITCHEN),
                       community=kwargs.pop("community", "徐汇苑"), area=kwargs.pop("area", Decimal("12")),
                       pictures=[(png(f"c{n}.png"), f"角度{n}") for n in range(pictures)], **kwargs)


def effect_pictures(item: Product, with_images: bool = True):
    return [effect_picture_set(product=item, style=style, image=png(f"{item.sku}-{n}.png") if with_images else None,
                               caption=f"{style.name}效果")
            for n, style in enumerate(styles())]


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Uploaded pictures go to a temporary MEDIA_ROOT (import this fixture into a test module)."""
    settings.MEDIA_ROOT = tmp_path / "media"
