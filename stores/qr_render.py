"""Pictures of codes: PNG and SVG from the ``qrcode`` package (QR-1)."""

import io

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.urls import reverse


def code_url(token: str) -> str:
    """The absolute URL a printed code carries."""
    return settings.PUBLIC_BASE_URL + reverse("scan", args=[token])


def _make(url: str, **kwargs) -> qrcode.QRCode:
    # Level M survives a crease or a smudge on a poster and keeps the code small.
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2, **kwargs)
    code.add_data(url)
    code.make(fit=True)
    return code


def png_bytes(url: str, box_size: int = 10) -> bytes:
    buffer = io.BytesIO()
    _make(url, box_size=box_size).make_image().save(buffer, format="PNG")
    return buffer.getvalue()


def svg_bytes(url: str) -> bytes:
    buffer = io.BytesIO()
    _make(url, image_factory=qrcode.image.svg.SvgPathImage).make_image().save(buffer)
    return buffer.getvalue()
