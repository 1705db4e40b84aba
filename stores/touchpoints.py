"""Where a code leads (QR-3 "show the target page"): one page per target type.

Apps register the H5 page of their own target types in ``AppConfig.ready()`` so that this
floor needs no import of the apps above it.
"""

from collections.abc import Callable

from .models import QRCode

_pages: dict[str, Callable[[QRCode], str]] = {}


def register_target_page(target_type: str, page_url: Callable[[QRCode], str]) -> None:
    _pages[target_type] = page_url


def target_page_url(code: QRCode) -> str | None:
    page_url = _pages.get(code.target_type)
    return page_url(code) if page_url else None
