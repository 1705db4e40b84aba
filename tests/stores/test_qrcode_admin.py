"""Head office asks for WeChat parametric codes from the admin; they are made after commit."""

from stores.models import QRCode
from stores.services import qr_code_for


def test_admin_action_makes_wechat_codes(client, org, wechat_settings, fake, django_capture_on_commit_callbacks):
    codes = [qr_code_for(org.store_a1), qr_code_for(org.assistant)]
    client.force_login(org.user("hq"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/stores/qrcode/", {
            "action": "make_wechat_codes", "_selected_action": [c.pk for c in codes]})
    assert response.status_code == 302
    assert QRCode.objects.filter(pk__in=[c.pk for c in codes], wechat_ticket="").count() == 0


def test_hq_sets_the_tags_a_code_gives_in_its_admin_page(client, org):
    from customers.models import Tag

    code = qr_code_for(org.store_a1)
    Tag.objects.create(name="社区团购")
    client.force_login(org.user("hq"))
    page = client.get(f"/admin/stores/qrcode/{code.pk}/change/")
    assert page.status_code == 200
    assert "扫码自动打的标签" in page.content.decode()
