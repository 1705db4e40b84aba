"""The fake's memory: accounts, tokens, users, QR tickets, messages, faults and counters.

Everything lives in one ``FakeState`` guarded by one lock. The request dispatcher holds the lock
while a handler runs (handlers do no I/O, so that is microseconds) and never while it sleeps for
an injected delay or writes to the socket.
"""

import base64
import copy
import itertools
import secrets
import threading
import time
from collections import Counter, defaultdict, deque
from dataclasses import asdict, dataclass, field, fields

from .codes import MP, ApiError
from .reporter import Reporter

SHANGHAI_OFFSET = 8 * 3600  # China has no daylight saving: UTC+8 all year


@dataclass
class Config:
    """Knobs of the fake; every field can be passed to ``FakeWeChat.start`` or POSTed to /_fake/config."""

    app_id: str = "wx-fake-app-id"
    app_secret: str = "fake-secret"
    corp_id: str = "ww-fake-corp"
    corp_secret: str = "fake-wecom-secret"
    token_ttl: int = 7200
    # After a new /cgi-bin/token fetch the previous token keeps working this long (WeChat: 5 min).
    token_overlap: int = 300
    token_daily_limit: int = 2000
    ticket_ttl: int = 7200
    oauth_code_ttl: int = 300
    # Users made by the OAuth authorize page (or /_fake/users without "unionid") get a unionid,
    # as on an account bound to an open-platform account.
    auto_unionid: bool = True
    # Known template ids; empty means "any non-empty id is a template".
    template_ids: list = field(default_factory=list)
    # WeCom add_msg_template calls allowed per Shanghai day; beyond it WeCom answers 45009.
    wecom_msg_template_daily_quota: int = 10000
    # Group messages one external contact can receive per Shanghai day (None: no limit). Over it,
    # the send result reports status 3 ("already received another group message").
    wecom_customer_daily_limit: int | None = None
    # Delivery reports: after each template message sent, POST a signed TEMPLATESENDJOBFINISH to
    # this URL (our /wechat/callback/) from a background thread. Empty: no reports.
    callback_url: str = ""
    callback_token: str = ""  # the account's Token (our WECHAT_TOKEN)
    callback_aes_key: str = ""  # safe mode (encrypted for app_id) when set (our WECHAT_AES_KEY)

    def update(self, values: dict) -> None:
        known = {f.name for f in fields(self)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown config keys: {sorted(unknown)}")
        for key, value in values.items():
            setattr(self, key, value)


@dataclass
class Fault:
    errcode: int | None = None
    errmsg: str | None = None
    status: int | None = None
    delay: float = 0.0
    times: int = 1


@dataclass
class Token:
    realm: str
    owner: str  # appid or corpid
    expires_at: float
    superseded_at: float | None = None


def random_id(prefix: str, length: int) -> str:
    """An id shaped like WeChat's: a fixed prefix and URL-safe characters, ``length`` in all."""
    body = secrets.token_urlsafe(length).replace("-", "A").replace("_", "z")
    return (prefix + body)[:length]


class FakeState:
    def __init__(self, config: Config | None = None):
        self.lock = threading.Lock()
        self.initial_config = asdict(config or Config())
        self.generation = 0  # bumped by reset(): a request delayed across a reset is dropped
        self.reporter = Reporter(self)  # outlives resets; drops reports of an older generation
        self.reset()

    def reset(self) -> None:
        """Forget everything and go back to the configuration the fake was started with."""
        self.generation += 1
        self.reporter.reset_counts()
        self.config = Config(**copy.deepcopy(self.initial_config))
        self.clock_offset = 0.0
        self.tokens: dict[str, Token] = {}
        self.current_token: dict[tuple, str] = {}  # (realm, owner, kind) -> token
        self.token_fetches: Counter = Counter()  # (day, owner) -> count
        self.stable_token_fetches: Counter = Counter()
        self.jsapi_tickets: dict[tuple, tuple[str, float]] = {}
        self.users: dict[str, dict] = {}
        self.oauth_user: str | None = None
        self.oauth_codes: dict[str, dict] = {}
        self.oauth_tokens: dict[str, dict] = {}
        self.qrcodes: dict[str, dict] = {}
        self.permanent_tickets: dict[tuple, str] = {}
        self.messages: list[dict] = []
        self.messages_by_user: dict[str, list[dict]] = defaultdict(list)
        self.msgids = itertools.count(3_000_000_001)
        self.contact_ways: dict[str, dict] = {}
        self.external_contacts: dict[str, dict] = {}
        self.group_msgs: dict[str, dict] = {}
        self.wecom_quota_used: Counter = Counter()  # day -> add_msg_template calls
        self.wecom_received: Counter = Counter()  # (day, external_userid) -> group messages
        self.faults: dict[str, deque[Fault]] = {}
        self.calls: Counter = Counter()
        self.rids = itertools.count(1)

    # --- time -------------------------------------------------------------------------------
    def now(self) -> float:
        return time.time() + self.clock_offset

    def day(self, now: float | None = None) -> str:
        """The Shanghai calendar day, which is when WeChat's daily quotas reset."""
        return time.strftime("%Y-%m-%d", time.gmtime((self.now() if now is None else now) + SHANGHAI_OFFSET))

    def rid(self) -> str:
        return f"{int(self.now()):08x}-{next(self.rids):08x}-fake"

    # --- faults -----------------------------------------------------------------------------
    def add_fault(self, path: str, fault: Fault) -> None:
        self.faults.setdefault(path, deque()).append(fault)

    def take_fault(self, path: str) -> Fault | None:
        queue = self.faults.get(path) or self.faults.get("*")
        if not queue:
            return None
        fault = queue[0]
        fault.times -= 1
        if fault.times <= 0:
            queue.popleft()
        return fault

    # --- tokens -----------------------------------------------------------------------------
    def issue_token(self, realm: str, owner: str, kind: str = "token", *, reuse: bool = False) -> tuple[str, int]:
        """Return (token, seconds left). A fresh token supersedes the previous one of the same kind.

        ``reuse``: hand back the current token while it is valid (WeCom's gettoken and the
        non-forced stable_token behave that way; the official account's /cgi-bin/token does not).
        """
        now = self.now()
        key = (realm, owner, kind)
        current = self.current_token.get(key)
        if reuse and current:
            info = self.tokens[current]
            if info.expires_at > now:
                return current, int(info.expires_at - now)
        token = base64.urlsafe_b64encode(secrets.token_bytes(48)).decode().rstrip("=")
        self.tokens[token] = Token(realm, owner, now + self.config.token_ttl)
        if current:
            self.tokens[current].superseded_at = now
        self.current_token[key] = token
        return token, self.config.token_ttl

    def check_token(self, realm: str, token: str | None) -> Token:
        if not token:
            raise ApiError(41001)
        info = self.tokens.get(token)
        invalid = 40001 if realm == MP else 40014
        if info is None or info.realm != realm:
            raise ApiError(invalid)
        now = self.now()
        if info.superseded_at is not None and now > info.superseded_at + self.config.token_overlap:
            raise ApiError(invalid)
        if now >= info.expires_at:
            raise ApiError(42001)
        return info

    # --- users ------------------------------------------------------------------------------
    def make_user(self, **values) -> dict:
        openid = values.get("openid") or random_id("o", 28)
        user = self.users.get(openid) or {
            "openid": openid,
            "unionid": random_id("o", 28) if self.config.auto_unionid else None,
            "subscribed": True,
            "refused_subscribe_message": False,
            # Blocked the account's template messages: sends succeed, the delivery report says
            # "failed:user block".
            "blocks_template_messages": False,
            "subscribe_time": int(self.now()),
            "subscribe_scene": "ADD_SCENE_SEARCH",
            "qr_scene": 0,
            "qr_scene_str": "",
            "language": "zh_CN",
        }
        ticket = values.pop("ticket", None)
        if ticket:
            qrcode = self.qrcodes.get(ticket)
            if qrcode is None:
                raise ApiError(40097, f"unknown ticket {ticket}")
            user.update(subscribe_scene="ADD_SCENE_QR_CODE", qr_scene=qrcode["scene_id"],
                        qr_scene_str=qrcode["scene_str"])
        for key in ("unionid", "subscribed", "refused_subscribe_message", "blocks_template_messages",
                    "subscribe_time", "subscribe_scene", "qr_scene", "qr_scene_str", "language"):
            if key in values:
                user[key] = values[key]
        self.users[openid] = user
        return user

    def user(self, openid: str | None) -> dict:
        user = self.users.get(openid or "")
        if user is None:
            raise ApiError(40003)
        return user

    # --- messages ---------------------------------------------------------------------------
    def record_message(self, kind: str, touser: str, **values) -> dict:
        message = {"kind": kind, "touser": touser, "time": self.now(), **values}
        self.messages.append(message)
        self.messages_by_user[touser].append(message)
        return message

    def list_messages(self, touser: str | None = None, kind: str | None = None, limit: int | None = None) -> list:
        source = self.messages_by_user.get(touser, []) if touser else self.messages
        found = []
        for message in reversed(source):
            if kind and message["kind"] != kind:
                continue
            found.append(message)
            if limit and len(found) >= limit:
                break
        return found

    def stats(self) -> dict:
        by_day: dict[str, dict] = defaultdict(dict)
        totals: Counter = Counter()
        for (day, owner), count in self.token_fetches.items():
            by_day[day][owner] = count
            totals[owner] += count
        return {
            "calls": dict(self.calls),
            "token_fetches": dict(totals),
            "token_fetches_by_day": dict(by_day),
            "token_fetches_today": {o: c for (d, o), c in self.token_fetches.items() if d == self.day()},
            "stable_token_fetches": {o: c for (_, o), c in self.stable_token_fetches.items()},
            "messages": len(self.messages),
            "users": len(self.users),
            "reports": dict(self.reporter.counts),
        }
