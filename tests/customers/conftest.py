import pytest

from stores.services import qr_code_for
from tests.identity import as_wechat_user  # noqa: F401 (the customers tests import it from here)


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
