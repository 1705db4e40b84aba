"""The assistant's view of one customer: why they are mine, and their trail (QR-4, CUS-6)."""

import shutil
import subprocess

import pytest

from customers.models import Customer

from .conftest import as_wechat_user


@pytest.fixture
def scanned(client, org, codes):
    as_wechat_user(client, "o-trail")
    client.get(f"/q/{codes['assistant'].token}")
    client.get(f"/q/{codes['wifi'].token}")
    client.cookies.clear()
    return Customer.objects.get(openid="o-trail")


def test_assistant_sees_why_the_customer_is_theirs_and_the_trail(client, org, codes, scanned):
    client.force_login(org.user("assistant"))
    text = client.get(f"/m/customers/{scanned.pk}/").content.decode()
    assert codes["assistant"].label in text and codes["wifi"].label in text  # the trail
    assert "首次扫码" in text  # "first scan", in Chinese


@pytest.mark.parametrize("role", ["colleague", "other_store_assistant", "partner"])
def test_other_staff_get_404_for_someone_elses_customer(client, org, scanned, role):
    client.force_login(getattr(org, role).user)
    assert client.get(f"/m/customers/{scanned.pk}/").status_code == 404


def test_the_manager_sees_their_stores_customer(client, org, scanned):
    client.force_login(org.user("manager"))
    assert client.get(f"/m/customers/{scanned.pk}/").status_code == 200


def test_my_code_shows_the_assistants_own_code(client, org, codes):
    client.force_login(org.user("assistant"))
    text = client.get("/m/my-code/").content.decode()
    assert f"/qrcodes/{codes['assistant'].pk}.png" in text


@pytest.mark.zbar
def test_a_generated_png_decodes_back_to_its_url(client, org, codes, tmp_path, settings):
    client.force_login(org.user("assistant"))
    response = client.get(f"/qrcodes/{codes['assistant'].pk}.png")
    assert response["Content-Type"] == "image/png"
    path = tmp_path / "code.png"
    path.write_bytes(response.content)
    decoded = subprocess.run([shutil.which("zbarimg"), "-q", "--raw", str(path)], capture_output=True, text=True)
    assert decoded.stdout.strip() == f"{settings.PUBLIC_BASE_URL}/q/{codes['assistant'].token}"


def test_code_downloads_follow_the_data_scope(client, org, codes):
    client.force_login(org.user("assistant"))
    assert client.get(f"/qrcodes/{codes['colleague'].pk}.png").status_code == 404
    assert client.get(f"/qrcodes/{codes['assistant'].pk}.svg").status_code == 200
    client.force_login(org.user("manager"))
    assert client.get(f"/qrcodes/{codes['colleague'].pk}/poster/").status_code == 200
    assert client.get(f"/qrcodes/{codes['other_store'].pk}/poster/").status_code == 404
