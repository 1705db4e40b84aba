"""JS-SDK configuration for H5 pages (WX-2): lets a page inside WeChat set its share card."""

import secrets
import time
from urllib.parse import urlsplit

from django.conf import settings

from .client import call_with_token_retry, official_account_client


class ForeignUrl(ValueError):
    """The page to sign is not one of ours."""


def jssdk_config(page_url: str) -> dict:
    """``wx.config`` values for ``page_url`` (without its #fragment, as WeChat signs it)."""
    page_url = page_url.split("#", 1)[0]
    ours = urlsplit(settings.PUBLIC_BASE_URL)
    asked = urlsplit(page_url)
    if (asked.scheme, asked.netloc) != (ours.scheme, ours.netloc) or len(page_url) > 1000:
        raise ForeignUrl(page_url[:100])
    client = official_account_client()
    ticket = call_with_token_retry(client, client.jsapi.get_jsapi_ticket)  # cached in the shared storage
    nonce, timestamp = secrets.token_hex(8), int(time.time())
    return {
        "appId": settings.WECHAT_APP_ID,
        "timestamp": timestamp,
        "nonceStr": nonce,
        "signature": client.jsapi.get_jsapi_signature(nonce, ticket, timestamp, page_url),
        "jsApiList": ["updateAppMessageShareData", "updateTimelineShareData"],
    }
