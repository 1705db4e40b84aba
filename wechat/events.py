"""What the product does with official-account events. Business work is in the apps' services."""

import logging

from django.db import transaction
from wechatpy.replies import TextReply

from customers.scans import code_by_token, customer_for_identity, scan_record
from customers.models import Customer, ScanEvent
from stores.models import QRCode

from .identity import Identity

log = logging.getLogger(__name__)


def handle(message):
    """Returns a passive reply (or None). Unknown or uninteresting messages are acknowledged."""
    kind = message.event if message.type == "event" else message.type
    identity = Identity(openid=message.source)
    if kind in ("subscribe_scan", "scan"):
        return _scanned(message, identity, followed=(kind == "subscribe_scan"))
    if kind == "templatesendjobfinish":
        from .outbox import message_delivery_reported

        message_delivery_reported(openid=message.source, msgid=message.id, status=message.status or "")
    elif kind == "subscribe":
        _set_following(identity, True)
    elif kind == "unsubscribe":
        _set_following(identity, False)
    return None


def _scanned(message, identity: Identity, *, followed: bool):
    scene = str(message.scene_id or "")
    token = QRCode.token_from_scene(scene)
    code = code_by_token(token) if token else None
    with transaction.atomic():
        if followed:
            _set_following(identity, True)
        if code is None or not code.is_active:
            log.info("scan of unknown or inactive scene", extra={"scene": scene[:64]})
            return None
        scan_record(code=code, identity=identity,
                    channel=ScanEvent.Channel.SUBSCRIBE if followed else ScanEvent.Channel.SCAN)
    if code.welcome_message:
        return TextReply(content=code.welcome_message, message=message)
    return None


def _set_following(identity: Identity, following: bool) -> None:
    customer, _ = customer_for_identity(identity, source=Customer.Source.WECHAT)
    if customer.wechat_subscribed != following:
        Customer.objects.filter(pk=customer.pk).update(wechat_subscribed=following)
