"""Callback bodies as WeChat and WeCom POST them to our callback URL, signed (and encrypted).

Pure functions: build the event XML, then ``sign_official_account`` or ``sign_wecom`` gives the
body and query parameters of the POST. Posting it is the caller's business (the Django test
client, ``requests``, or a later ``/_fake/simulate`` endpoint).

Signatures (WECHAT.md): plain mode ``signature = sha1(sorted(token, timestamp, nonce))``; safe
mode adds ``msg_signature = sha1(sorted(token, timestamp, nonce, Encrypt))`` over the AES
ciphertext made by ``wechatpy.crypto.WeChatCrypto``. WeCom is always encrypted.
"""

import hashlib
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlencode

DEFAULT_ACCOUNT = "gh_fake0000000"  # the official account's original id (ToUserName)


@dataclass(frozen=True)
class SignedCallback:
    body: bytes
    params: dict

    @property
    def query_string(self) -> str:
        return urlencode(self.params)

    def url(self, callback_url: str) -> str:
        return callback_url + ("&" if "?" in callback_url else "?") + self.query_string


def _cdata(value) -> str:
    # "]]>" cannot appear inside CDATA: split it across two sections.
    return "<![CDATA[" + str(value).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _xml(fields: list[tuple[str, object]]) -> str:
    parts = []
    for name, value in fields:
        text = str(value) if isinstance(value, int) else _cdata(value)
        parts.append(f"<{name}>{text}</{name}>")
    return "<xml>" + "".join(parts) + "</xml>"


def _event(account: str, openid: str, event: str, create_time: int | None, extra: list) -> str:
    return _xml([("ToUserName", account), ("FromUserName", openid),
                 ("CreateTime", int(create_time or time.time())), ("MsgType", "event"), ("Event", event), *extra])


# --- official account events -------------------------------------------------------------------
def subscribe(*, openid: str, scene: str | int | None = None, ticket: str | None = None,
              account: str = DEFAULT_ACCOUNT, create_time: int | None = None) -> str:
    """A new follower; with a scene, one who followed by scanning a parametric QR code."""
    extra = [("EventKey", f"qrscene_{scene}" if scene is not None else "")]
    if ticket:
        extra.append(("Ticket", ticket))
    return _event(account, openid, "subscribe", create_time, extra)


def scan(*, openid: str, scene: str | int, ticket: str, account: str = DEFAULT_ACCOUNT,
         create_time: int | None = None) -> str:
    """An existing follower scanned a parametric QR code (no ``qrscene_`` prefix here)."""
    return _event(account, openid, "SCAN", create_time, [("EventKey", str(scene)), ("Ticket", ticket)])


def unsubscribe(*, openid: str, account: str = DEFAULT_ACCOUNT, create_time: int | None = None) -> str:
    return _event(account, openid, "unsubscribe", create_time, [("EventKey", "")])


def template_send_job_finish(*, openid: str, msgid: int, status: str = "success", account: str = DEFAULT_ACCOUNT,
                             create_time: int | None = None) -> str:
    """Delivery report of a template message: ``success``, ``failed:user block`` or ``failed: system failed``."""
    return _event(account, openid, "TEMPLATESENDJOBFINISH", create_time, [("MsgID", int(msgid)), ("Status", status)])


# --- WeCom events -------------------------------------------------------------------------------
def wecom_external_contact(*, corp_id: str, userid: str, external_userid: str, state: str = "",
                           welcome_code: str | None = None, change_type: str = "add_external_contact",
                           create_time: int | None = None) -> str:
    """A customer added (or changed) a staff member through "contact me"; ``State`` is the channel."""
    extra = [("ChangeType", change_type), ("UserID", userid), ("ExternalUserID", external_userid)]
    if state:
        extra.append(("State", state))
    if welcome_code:
        extra.append(("WelcomeCode", welcome_code))
    return _event(corp_id, "sys", "change_external_contact", create_time, extra)


# --- signing ------------------------------------------------------------------------------------
def _sha1(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def _nonce() -> str:
    return str(secrets.randbelow(9_000_000_000) + 1_000_000_000)


def _encrypt(crypto, xml: str, timestamp: str, nonce: str) -> tuple[str, str]:
    """(Encrypt, msg_signature) as wechatpy's crypto makes them."""
    import xmltodict

    envelope = xmltodict.parse(crypto.encrypt_message(xml, nonce, timestamp))["xml"]
    return envelope["Encrypt"], envelope["MsgSignature"]


def sign_official_account(xml: str, *, token: str, aes_key: str | None = None, app_id: str | None = None,
                          openid: str | None = None, timestamp: str | None = None,
                          nonce: str | None = None) -> SignedCallback:
    """The POST WeChat makes for ``xml``: plain mode, or safe mode (encrypted) when ``aes_key`` is given."""
    timestamp, nonce = timestamp or str(int(time.time())), nonce or _nonce()
    params = {"signature": _sha1(token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}
    if openid:
        params["openid"] = openid
    if not aes_key:
        return SignedCallback(xml.encode(), params)
    from wechatpy.crypto import WeChatCrypto

    if not app_id:
        raise ValueError("safe mode needs the app_id the message is encrypted for")
    encrypt, msg_signature = _encrypt(WeChatCrypto(token, aes_key, app_id), xml, timestamp, nonce)
    account = _field(xml, "ToUserName")
    body = _xml([("ToUserName", account), ("Encrypt", encrypt)])
    params.update(encrypt_type="aes", msg_signature=msg_signature)
    return SignedCallback(body.encode(), params)


def sign_wecom(xml: str, *, token: str, aes_key: str, corp_id: str, agent_id: str | None = None,
               timestamp: str | None = None, nonce: str | None = None) -> SignedCallback:
    """The POST WeCom makes for ``xml`` (WeCom callbacks are always encrypted)."""
    from wechatpy.enterprise.crypto import WeChatCrypto

    timestamp, nonce = timestamp or str(int(time.time())), nonce or _nonce()
    encrypt, msg_signature = _encrypt(WeChatCrypto(token, aes_key, corp_id), xml, timestamp, nonce)
    fields = [("ToUserName", corp_id)]
    if agent_id is not None:
        fields.append(("AgentID", agent_id))
    fields.append(("Encrypt", encrypt))
    return SignedCallback(_xml(fields).encode(), {"msg_signature": msg_signature, "timestamp": timestamp,
                                                   "nonce": nonce})


def url_verification(*, token: str, echostr: str | None = None, timestamp: str | None = None,
                     nonce: str | None = None) -> tuple[dict, str]:
    """The official account's GET handshake: (query parameters, the reply expected: ``echostr``)."""
    timestamp, nonce = timestamp or str(int(time.time())), nonce or _nonce()
    echostr = echostr or str(secrets.randbelow(10**19))
    return {"signature": _sha1(token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce,
            "echostr": echostr}, echostr


def _field(xml: str, name: str) -> str:
    import xmltodict

    return xmltodict.parse(xml)["xml"].get(name) or ""
