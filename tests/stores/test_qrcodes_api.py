"""GET /api/v1/qrcodes/: every code's token, URL and WeChat scene, in the caller's scope."""

import pytest
from rest_framework.test import APIClient

from stores.models import QRCode
from stores.services import qr_code_for


@pytest.fixture
def all_codes(org):
    return [qr_code_for(org.store_a1), qr_code_for(org.store_a1, target_type="wifi"), qr_code_for(org.assistant),
            qr_code_for(org.colleague), qr_code_for(org.store_b1)]


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_list_filters_by_target_type_and_shows_token_url_scene(org, all_codes, settings):
    rows = api(org.user("hq")).get("/api/v1/qrcodes/", {"target_type": "wifi"}).json()["results"]
    assert len(rows) == 1
    row = rows[0]
    code = QRCode.objects.get(target_type="wifi")
    assert row["token"] == code.token
    assert row["url"] == f"{settings.PUBLIC_BASE_URL}/q/{code.token}"
    assert row["scene"] == f"qr:{code.token}" and len(row["scene"]) <= 64
    assert row["png"].endswith(f"/qrcodes/{code.pk}.png")


@pytest.mark.parametrize("role, expected", [
    ("hq", 5), ("supervisor", 4), ("manager", 4), ("assistant", 1), ("partner", 0), ("outsider", 0),
])
def test_list_is_scoped(org, all_codes, role, expected):
    rows = api(org.user(role)).get("/api/v1/qrcodes/").json()["results"]
    assert len(rows) == expected
    assert {r["id"] for r in rows} == set(QRCode.objects.visible_to(org.user(role)).values_list("id", flat=True))


def test_unknown_target_type_is_a_clear_400(org, all_codes):
    response = api(org.user("hq")).get("/api/v1/qrcodes/", {"target_type": "spaceship"})
    assert response.status_code == 400
    assert "target_type" in response.json()
