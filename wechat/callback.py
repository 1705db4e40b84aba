"""The official account's callback (WX-1): verify, decrypt, parse; hand events to a handler.

WeChat signs every request with the account's token; safe mode also encrypts the body. We check
the signature in constant time, refuse stale timestamps (replays), and drop re-deliveries of an
event we already handled (WeChat retries three times when we are slow).
"""

import hashlib
import hmac
import time

from django.conf import settings
from django.core.cache import cache
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException

MAX_SKEW_SECONDS = 300
MAX_BODY_BYTES = 64 * 1024


class CallbackRejected(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


def _signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def verify(params, token: str | None = None) -> None:
    token = token or settings.WECHAT_TOKEN
    signature, timestamp, nonce = params.get("signature", ""), params.get("timestamp", ""), params.get("nonce", "")
    if not (signature and timestamp.isdigit() and nonce) or len(nonce) > 64 or len(signature) > 64:
        raise CallbackRejected(400, "missing or malformed signature parameters")
    if not hmac.compare_digest(_signature(token, timestamp, nonce), signature):
        raise CallbackRejected(403, "bad signature")
    if abs(time.time() - int(timestamp)) > MAX_SKEW_SECONDS:
        raise CallbackRejected(403, "stale timestamp (replayed request?)")


def read_message(params, body: bytes):
    """The parsed message of a verified POST, decrypting safe-mode bodies."""
    if len(body) > MAX_BODY_BYTES:
        raise CallbackRejected(413, "body too large")
    try:
        xml = body.decode("utf-8") if body else ""
    except UnicodeDecodeError as exc:
        raise CallbackRejected(400, "body is not UTF-8") from exc
    if params.get("encrypt_type") == "aes":
        if not settings.WECHAT_AES_KEY:
            raise CallbackRejected(400, "encrypted message but no WECHAT_AES_KEY configured")
        crypto = WeChatCrypto(settings.WECHAT_TOKEN, settings.WECHAT_AES_KEY, settings.WECHAT_APP_ID)
        try:
            xml = crypto.decrypt_message(xml, params.get("msg_signature", ""), params["timestamp"], params["nonce"])
        except (InvalidSignatureException, Exception) as exc:  # noqa: BLE001 - any decrypt failure is a bad request
            raise CallbackRejected(403 if isinstance(exc, InvalidSignatureException) else 400,
                                   "cannot decrypt message") from exc
    try:
        message = parse_message(xml)
    except Exception as exc:  # noqa: BLE001 - garbage XML
        raise CallbackRejected(400, "malformed XML") from exc
    if not getattr(message, "source", None):
        raise CallbackRejected(400, "message without sender")
    return message


def event_key(message) -> str:
    """What makes an official-account event unique: WeChat re-delivers the same one when slow."""
    # A delivery report also carries its MsgID: two reports in one second are two reports.
    return "|".join(str(part) for part in (
        "wechat", message.source, message.create_time, message.type, getattr(message, "event", ""),
        getattr(message, "id", "")))


def wecom_event_key(event: dict) -> str:
    return "|".join(["wecom", *(event.get(f, "") for f in ("ChangeType", "UserID", "ExternalUserID", "CreateTime"))])


def claim(key: str) -> bool:
    """False for a re-delivery of an event we already took; dedupe lasts ten minutes."""
    return cache.add("callback:" + hashlib.sha1(key.encode()).hexdigest(), 1, 600)


def release(key: str) -> None:
    """Handling failed: let the sender's next retry be processed."""
    cache.delete("callback:" + hashlib.sha1(key.encode()).hexdigest())


def encrypt_reply(xml: str, params) -> str:
    crypto = WeChatCrypto(settings.WECHAT_TOKEN, settings.WECHAT_AES_KEY, settings.WECHAT_APP_ID)
    return crypto.encrypt_message(xml, params.get("nonce", ""), params.get("timestamp"))


def wecom_crypto():
    from wechatpy.enterprise.crypto import WeChatCrypto as WeComCrypto

    if not settings.WECOM_AES_KEY:
        raise CallbackRejected(400, "WECOM_AES_KEY is not configured")
    return WeComCrypto(settings.WECOM_TOKEN, settings.WECOM_AES_KEY, settings.WECOM_CORP_ID)


def _wecom_params(params) -> tuple[str, str, str]:
    signature, timestamp, nonce = params.get("msg_signature", ""), params.get("timestamp", ""), params.get("nonce", "")
    if not (signature and timestamp.isdigit() and nonce) or len(signature) > 64 or len(nonce) > 64:
        raise CallbackRejected(400, "missing or malformed signature parameters")
    if abs(time.time() - int(timestamp)) > MAX_SKEW_SECONDS:
        raise CallbackRejected(403, "stale timestamp (replayed request?)")
    return signature, timestamp, nonce


def wecom_echo(params) -> str:
    """WeCom's URL check: verify and decrypt ``echostr``."""
    signature, timestamp, nonce = _wecom_params(params)
    try:
        return wecom_crypto().check_signature(signature, timestamp, nonce, params.get("echostr", ""))
    except CallbackRejected:
        raise
    except Exception as exc:  # noqa: BLE001 - bad signature or garbage
        raise CallbackRejected(403, "bad signature") from exc


def wecom_read_event(params, body: bytes) -> dict:
    """The decrypted event of a WeCom callback POST, as a flat dict of its XML fields."""
    import xmltodict

    signature, timestamp, nonce = _wecom_params(params)
    if len(body) > MAX_BODY_BYTES:
        raise CallbackRejected(413, "body too large")
    try:
        xml = wecom_crypto().decrypt_message(body.decode("utf-8"), signature, timestamp, nonce)
    except InvalidSignatureException as exc:
        raise CallbackRejected(403, "bad signature") from exc
    except CallbackRejected:
        raise
    except Exception as exc:  # noqa: BLE001
        raise CallbackRejected(400, "cannot decrypt message") from exc
    try:
        event = xmltodict.parse(xml).get("xml") or {}
    except Exception as exc:  # noqa: BLE001
        raise CallbackRejected(400, "malformed XML") from exc
    return {key: (value if isinstance(value, str) else "") for key, value in event.items()}
