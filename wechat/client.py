"""wechatpy clients set up the way this project needs them (WECHAT.md, "Known weaknesses").

* ``auto_retry=False``: wechatpy's own retry on 40001/40014/42001 is unbounded; ours
  (``call_with_token_retry``) refetches once and retries once.
* The access token lives in ``token_storage.CacheStorage`` (Django's cache): one token for all
  workers, refreshed under a lock.
* Every HTTP call has a timeout (``WECHAT_HTTP_TIMEOUT``): wechatpy's token fetch and
  ``WeChatOAuth`` pass none, so a ``requests`` adapter mounted on the client's session supplies it.
* The same adapter rewrites ``https://api.weixin.qq.com/`` / ``https://qyapi.weixin.qq.com/`` to
  ``WECHAT_API_BASE`` / ``WECOM_API_BASE`` (the fake server in tests and the demo). Setting
  ``API_BASE_URL`` is not enough: the token URL, OAuth and some API classes hard-code the hosts.
"""

from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from wechatpy import WeChatClient, WeChatOAuth
from wechatpy.client.api.qrcode import WeChatQRCode
from wechatpy.enterprise import WeChatClient as EnterpriseClient
from wechatpy.exceptions import WeChatClientException

from .errors import TOKEN_ERRCODES
from .token_storage import CacheStorage

WECHAT_HOST = "https://api.weixin.qq.com/"
WECOM_HOST = "https://qyapi.weixin.qq.com/"
OAUTH_HOST = "https://open.weixin.qq.com/"  # the consent page a browser is sent to
QRCODE_HOST = "https://mp.weixin.qq.com/"  # where WeChatQRCode.get_url points

T = TypeVar("T")


class RewritingAdapter(HTTPAdapter):
    """Sends ``https://<real host>/...`` to ``<base>...`` and gives every request a timeout."""

    def __init__(self, rewrites: dict[str, str], timeout: float, **kwargs):
        self.rewrites = rewrites
        self.default_timeout = timeout
        super().__init__(**kwargs)

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        for real, base in self.rewrites.items():
            if request.url.startswith(real):
                request.url = base + request.url[len(real):]
                # Proxies were chosen for the real host; a local fake must be reached directly.
                proxies = requests.utils.get_environ_proxies(request.url)
                break
        if timeout is None:
            timeout = self.default_timeout
        return super().send(request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies)


def _base(value: str) -> str:
    return value if value.endswith("/") else value + "/"


def _mount(session: requests.Session, real: str, base: str, timeout: float) -> None:
    rewrites = {} if _base(base) == real else {real: _base(base)}
    session.mount(real, RewritingAdapter(rewrites, timeout))


class _SharedTokenMixin:
    """Reads the token from the shared storage; only one process fetches a new one."""

    session: CacheStorage

    @property
    def access_token(self) -> str:
        return self.session.token(self.access_token_key, self.fetch_access_token)

    def refresh_access_token(self, stale: str | None = None) -> str:
        """Replace ``stale`` (a token WeChat refused) unless another worker already did."""
        return self.session.token(self.access_token_key, self.fetch_access_token, stale=stale)


class OfficialAccountClient(_SharedTokenMixin, WeChatClient):
    pass


class WeComClient(_SharedTokenMixin, EnterpriseClient):
    pass


def make_official_account_client(app_id: str, secret: str, api_base: str, timeout: float,
                                 storage: CacheStorage | None = None) -> OfficialAccountClient:
    """A new client; most code wants ``official_account_client()`` (settings, one per process)."""
    client = OfficialAccountClient(app_id, secret, session=storage or CacheStorage(), timeout=timeout,
                                   auto_retry=False)
    _mount(client._http, WECHAT_HOST, api_base, timeout)
    return client


def make_wecom_client(corp_id: str, secret: str, api_base: str, timeout: float,
                      storage: CacheStorage | None = None) -> WeComClient:
    client = WeComClient(corp_id, secret, session=storage or CacheStorage(), timeout=timeout, auto_retry=False)
    _mount(client._http, WECOM_HOST, api_base, timeout)
    return client


_official_account_client = lru_cache(maxsize=8)(make_official_account_client)
_wecom_client = lru_cache(maxsize=8)(make_wecom_client)


def official_account_client() -> OfficialAccountClient:
    """The official account's client (one per process and configuration; requests' pool is reused)."""
    return _official_account_client(settings.WECHAT_APP_ID, settings.WECHAT_APP_SECRET, settings.WECHAT_API_BASE,
                                    settings.WECHAT_HTTP_TIMEOUT)


def wecom_client() -> WeComClient:
    return _wecom_client(settings.WECOM_CORP_ID, settings.WECOM_SECRET, settings.WECOM_API_BASE,
                         settings.WECHAT_HTTP_TIMEOUT)


def oauth_client(redirect_uri: str, state: str = "", scope: str = "snsapi_base") -> WeChatOAuth:
    """Web OAuth for ``redirect_uri``; ``authorize_url`` points at the fake when the API base does."""
    oauth = WeChatOAuth(settings.WECHAT_APP_ID, settings.WECHAT_APP_SECRET, redirect_uri, scope=scope, state=state)
    base = _base(settings.WECHAT_API_BASE)
    if base != WECHAT_HOST:
        oauth.OAUTH_BASE_URL = base + "connect/"
    _mount(oauth._http, WECHAT_HOST, base, settings.WECHAT_HTTP_TIMEOUT)
    return oauth


def qrcode_image_url(ticket: str | dict) -> str:
    """``WeChatQRCode.get_url`` (a class method on mp.weixin.qq.com), sent to the fake when it is in use."""
    url = WeChatQRCode.get_url(ticket)
    base = _base(settings.WECHAT_API_BASE)
    return base + url[len(QRCODE_HOST):] if base != WECHAT_HOST else url


def call_with_token_retry(client: OfficialAccountClient | WeComClient, fn: Callable[..., T], *args, **kwargs) -> T:
    """Call ``fn(*args, **kwargs)``; if WeChat refuses the token, get a new one once and retry once.

    ``fn`` is a bound API method of ``client`` (``client.message.send_template``) or a callable
    using it. A second refusal is raised to the caller (``errors.classify`` says REFRESH_TOKEN).
    """
    used = client.access_token
    try:
        return fn(*args, **kwargs)
    except WeChatClientException as exc:
        if exc.errcode not in TOKEN_ERRCODES:
            raise
    client.refresh_access_token(stale=used)
    return fn(*args, **kwargs)
