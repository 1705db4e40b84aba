"""Downloads of a code: PNG, SVG and a printable poster. Signed-in staff, within their scope."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from . import qr_render
from .models import HeadOffice, QRCode


def _code(request, pk) -> QRCode:
    return get_object_or_404(QRCode.objects.visible_to(request.user).select_related("store", "staff"), pk=pk)


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
def qr_png(request, pk):
    code = _code(request, pk)
    return _download(qr_render.png_bytes(qr_render.code_url(code.token)), "image/png", f"qr-{code.token}.png")


@login_required
def qr_svg(request, pk):
    code = _code(request, pk)
    return _download(qr_render.svg_bytes(qr_render.code_url(code.token)), "image/svg+xml", f"qr-{code.token}.svg")


@login_required
def qr_poster(request, pk):
    """A poster to print from the browser: brand, logo, what the code is for, the code itself."""
    code = _code(request, pk)
    return render(request, "stores/qr_poster.html", {"code": code, "office": HeadOffice.current(),
                                                      "url": qr_render.code_url(code.token)})
