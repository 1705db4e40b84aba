"""WeChat's own parametric codes (带参数二维码, QR-1) for our touchpoints.

A WeChat code with ``scene_str = "qr:<token>"`` makes the scanner follow the official account
(or open it, if they already follow); WeChat then calls back with ``subscribe``/``SCAN`` and the
scene, which goes through the same scan path as ``/q/<token>``. We make permanent codes (printed
posters live for years) and only on request: an account may have at most 100,000 of them.
"""

from django.db import transaction

from stores.models import QRCode

from .client import call_with_token_retry, official_account_client, qrcode_image_url


def wechat_scene_code_make(*, code: QRCode) -> str:
    """Make (once) the WeChat parametric code of ``code``; returns its image URL."""
    if not code.wechat_ticket:
        client = official_account_client()
        result = call_with_token_retry(client, client.qrcode.create, {
            "action_name": "QR_LIMIT_STR_SCENE",
            "action_info": {"scene": {"scene_str": code.scene}},
        })
        with transaction.atomic():
            QRCode.objects.filter(pk=code.pk, wechat_ticket="").update(wechat_ticket=result["ticket"])
        code.refresh_from_db(fields=["wechat_ticket"])
    return qrcode_image_url(code.wechat_ticket)


def wechat_scene_code_url(code: QRCode) -> str | None:
    """The image URL of the code's WeChat parametric code, if one was made."""
    return qrcode_image_url(code.wechat_ticket) if code.wechat_ticket else None
