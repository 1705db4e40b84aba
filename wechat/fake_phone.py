"""The fake phone (QR-8): in fake mode, scan codes as a WeChat user in any browser and read what
the product sent that user. Pages talk to the fake WeChat server exactly as a phone would."""

import secrets

import requests
from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from stores.models import HeadOffice, QRCode

from .identity import COOKIE, FAKE_USER_COOKIE, request_identity


def _fake_only(view):
    def wrapped(request, *args, **kwargs):
        if settings.WECHAT_MODE != "fake":
            raise Http404("the fake phone exists only in fake WeChat mode")
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    return wrapped


def _current_openid(request) -> str:
    identity = request_identity(request)
    return request.COOKIES.get(FAKE_USER_COOKIE) or (identity.openid if identity else "")


@_fake_only
def phone(request):
    codes = (QRCode.objects.filter(is_active=True).select_related("store", "staff")
             .order_by("store__code", "target_type", "label"))
    return render(request, "wechat/fake_phone.html", {
        "office": HeadOffice.current(), "codes": codes, "openid": _current_openid(request),
        "start": request.GET.get("open", ""),
    })


@_fake_only
@require_POST
def switch_user(request):
    """Become another WeChat user (or a brand-new one): the next scan signs in as them."""
    openid = request.POST.get("openid", "").strip()[:64] or f"o-fake-{secrets.token_hex(6)}"
    response = redirect("wechat:fake_phone")
    response.set_cookie(FAKE_USER_COOKIE, openid, samesite="Lax")
    response.delete_cookie(COOKIE)
    return response


@_fake_only
def inbox(request):
    """What WeChat delivered to the current user (from the fake server), newest first."""
    openid = _current_openid(request)
    messages, error = [], ""
    if openid:
        try:
            reply = requests.get(settings.WECHAT_API_BASE + "_fake/messages", params={"touser": openid},
                                 timeout=settings.WECHAT_HTTP_TIMEOUT)
            reply.raise_for_status()
            payload = reply.json()
            messages = payload.get("messages", payload) if isinstance(payload, dict) else payload
        except (requests.RequestException, ValueError) as exc:
            error = str(exc)
    return render(request, "wechat/partials/inbox.html", {"messages": messages, "error": error, "openid": openid})
