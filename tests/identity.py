"""The signed WeChat identity cookie OAuth leaves (``wechat.identity``), for tests that act as a
customer: on Django's test client, or on a Playwright page against the live server."""

from django.core import signing

from wechat.identity import COOKIE, COOKIE_SALT


def identity_cookie(openid: str, unionid: str = "") -> str:
    return signing.get_cookie_signer(salt=COOKIE + COOKIE_SALT).sign(f"{openid}|{unionid}")


def as_wechat_user(client, openid: str, unionid: str = "") -> None:
    """Give the test client the cookie OAuth would have left."""
    client.cookies[COOKIE] = identity_cookie(openid, unionid)


def as_wechat_user_on(page, live_server, openid: str) -> None:
    """The same for a browser page of the live server."""
    page.context.add_cookies([{"name": COOKIE, "value": identity_cookie(openid), "url": live_server.url}])
