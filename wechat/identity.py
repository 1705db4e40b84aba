"""Who is scanning: the WeChat identity of the person behind a request (QR-3, WX-2).

Inside WeChat, an H5 page learns the visitor's openid through OAuth ``snsapi_base`` (a silent
redirect through WeChat). We keep it in a signed cookie so later scans need no redirect. In fake
mode every browser goes through the fake WeChat server's OAuth, so the demo and the tests run
the same code path as production.
"""

import secrets
from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

COOKIE = "wxid"
COOKIE_SALT = "wechat.identity"
STATE_PREFIX = "wechat:oauth:state:"
STATE_TTL_SECONDS = 600
COOKIE_MAX_AGE = 365 * 24 * 3600
# Where the fake phone asks the fake WeChat server to sign in as a chosen test user.
FAKE_USER_COOKIE = "fake_wechat_openid"


@dataclass(frozen=True)
class Identity:
    """A WeChat person as WeChat told us (OAuth or an event)."""

    openid: str
    unionid: str | None = None


def request_identity(request: HttpRequest) -> Identity | None:
    if not hasattr(request, "_wechat_identity"):  # the signature is checked once a request
        value = request.get_signed_cookie(COOKIE, default=None, salt=COOKIE_SALT)
        openid, _, unionid = (value or "").partition("|")
        request._wechat_identity = Identity(openid=openid, unionid=unionid or None) if openid else None
    return request._wechat_identity


def remember_identity(response: HttpResponse, identity: Identity) -> None:
    response.set_signed_cookie(
        COOKIE, f"{identity.openid}|{identity.unionid or ''}", salt=COOKIE_SALT, max_age=COOKIE_MAX_AGE,
        httponly=True, samesite="Lax", secure=not settings.DEBUG and settings.PUBLIC_BASE_URL.startswith("https"),
    )


def is_wechat_browser(request: HttpRequest) -> bool:
    return "MicroMessenger" in request.headers.get("User-Agent", "")


def needs_oauth(request: HttpRequest) -> bool:
    """Whether to send this visitor through OAuth before showing the page."""
    if request_identity(request) is not None:
        return False
    return settings.WECHAT_MODE == "fake" or is_wechat_browser(request)


def oauth_authorize_url(request: HttpRequest, next_url: str) -> str:
    """The OAuth ``snsapi_base`` URL that comes back to our callback and then to ``next_url``."""
    from .client import oauth_client

    # WeChat allows a state of at most 128 characters of [a-zA-Z0-9]: keep the page server-side.
    state = secrets.token_hex(16)
    cache.set(STATE_PREFIX + state, next_url, STATE_TTL_SECONDS)
    callback = settings.PUBLIC_BASE_URL + reverse("wechat:oauth_callback")
    url = oauth_client(redirect_uri=callback, state=state).authorize_url  # the fake's, in fake mode
    if settings.WECHAT_MODE == "fake":
        chosen = request.COOKIES.get(FAKE_USER_COOKIE)
        if chosen:
            # Before the "#wechat_redirect" fragment, which browsers never send.
            base, hash_, fragment = url.partition("#")
            url = f"{base}&openid={quote(chosen)}{hash_}{fragment}"
    return url


def next_url_from_state(state: str) -> str | None:
    """The page to return to, if the state is one we issued in the last ten minutes (used once)."""
    if not state or len(state) > 64 or not state.isalnum():
        return None
    next_url = cache.get(STATE_PREFIX + state)
    if next_url is None:
        return None
    cache.delete(STATE_PREFIX + state)
    return next_url if isinstance(next_url, str) and next_url.startswith("/") and not next_url.startswith("//") else None


def identity_from_code(code: str) -> Identity:
    """Exchange an OAuth code for the visitor's identity (wechatpy, over HTTP)."""
    from .client import oauth_client

    client = oauth_client(redirect_uri=settings.PUBLIC_BASE_URL + reverse("wechat:oauth_callback"), state="")
    data = client.fetch_access_token(code)
    return Identity(openid=data["openid"], unionid=data.get("unionid") or None)
