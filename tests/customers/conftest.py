import pytest
from django.core import signing

from stores.services import qr_code_for
from wechat.identity import COOKIE, COOKIE_SALT


def as_wechat_user(client, openid: str, unionid: str = "") -> None:
    """Give the test browser the signed identity cookie that OAuth would have left."""
    client.cookies[COOKIE] = signing.get_cookie_signer(salt=COOKIE + COOKIE_SALT).sign(f"{openid}|{unionid}")


@pytest.fixture
def codes(org):
    """Codes of the flagship store A1: the store itself, its Wi-Fi, and two assistants."""
    return {
        "store": qr_code_for(org.store_a1),
        "wifi": qr_code_for(org.store_a1, target_type="wifi"),
        "assistant": qr_code_for(org.assistant),
        "colleague": qr_code_for(org.colleague),
        "other_store": qr_code_for(org.store_b1),
        "other_assistant": qr_code_for(org.other_store_assistant),
    }
