"""What the messaging outbox does with a failed WeChat/WeCom call: ``classify(exc) -> Verdict``.

* RETRY_LATER: the message is fine, WeChat is busy or rationing — send again later
  (``retry_at`` when WeChat says when: after the next Shanghai midnight for the daily quota,
  after a minute for per-minute limits; otherwise the outbox's own backoff).
* REFRESH_TOKEN: the token was refused even after ``client.call_with_token_retry``'s one
  refresh; treat as retry-later with a fresh token (and alert if it persists).
* NEVER_RETRY: the same request will fail again (the user does not follow, refused, bad openid,
  bad template, other client errors). Unknown codes fall here too, so nothing retries forever;
  the verdict's ``reason`` is ``"unclassified"`` so they stand out in the outbox.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

import requests
from wechatpy.exceptions import WeChatClientException, WeChatOAuthException

from .token_storage import TokenRefreshTimeout

SHANGHAI = ZoneInfo("Asia/Shanghai")

TOKEN_ERRCODES = frozenset({40001, 40014, 42001})


class Action(StrEnum):
    RETRY_LATER = "retry_later"
    REFRESH_TOKEN = "refresh_token"
    NEVER_RETRY = "never_retry"


@dataclass(frozen=True)
class Verdict:
    action: Action
    reason: str
    errcode: int | None = None
    retry_at: datetime | None = None  # aware; None: the outbox chooses its backoff

    @property
    def retryable(self) -> bool:
        return self.action is not Action.NEVER_RETRY


# errcode -> (action, reason, seconds to wait or "midnight" or None)
_RULES: dict[int, tuple[Action, str, object]] = {
    -1: (Action.RETRY_LATER, "system_busy", None),
    45009: (Action.RETRY_LATER, "daily_quota", "midnight"),
    45011: (Action.RETRY_LATER, "minute_quota", 60),
    45033: (Action.RETRY_LATER, "concurrency_limit", None),  # WeCom
    43117: (Action.RETRY_LATER, "too_frequent_for_user", 60),
    40001: (Action.REFRESH_TOKEN, "token_invalid", None),
    40014: (Action.REFRESH_TOKEN, "token_invalid", None),
    42001: (Action.REFRESH_TOKEN, "token_expired", None),
    43004: (Action.NEVER_RETRY, "not_following", None),
    43101: (Action.NEVER_RETRY, "refused", None),
    40003: (Action.NEVER_RETRY, "invalid_openid", None),
    40037: (Action.NEVER_RETRY, "invalid_template", None),
}


def next_shanghai_midnight(now: datetime) -> datetime:
    local = now.astimezone(SHANGHAI)
    return datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), tzinfo=SHANGHAI)


def classify(exc: BaseException, *, now: datetime | None = None) -> Verdict:
    """Classify an exception from a wechatpy call (or from ``requests`` beneath it)."""
    from django.utils import timezone  # at call time: keeps this module importable without settings

    now = now or timezone.now()
    if isinstance(exc, (WeChatClientException, WeChatOAuthException)):
        if exc.errcode is None:  # HTTP-level failure wrapped by wechatpy: judge by the status
            return _http_verdict(getattr(exc.response, "status_code", None))
        errcode = int(exc.errcode)
        action, reason, wait = _RULES.get(errcode, (None, None, None))
        if action is None:
            if 40000 <= errcode < 50000:
                return Verdict(Action.NEVER_RETRY, "client_error", errcode)
            return Verdict(Action.NEVER_RETRY, "unclassified", errcode)
        if wait == "midnight":
            retry_at = next_shanghai_midnight(now)
        elif wait:
            retry_at = now + timedelta(seconds=wait)
        else:
            retry_at = None
        return Verdict(action, reason, errcode, retry_at)
    if isinstance(exc, requests.Timeout):
        return Verdict(Action.RETRY_LATER, "timeout")
    if isinstance(exc, requests.ConnectionError):
        return Verdict(Action.RETRY_LATER, "connection_error")
    if isinstance(exc, requests.HTTPError):
        return _http_verdict(getattr(exc.response, "status_code", None))
    if isinstance(exc, requests.RequestException):
        return Verdict(Action.RETRY_LATER, "transport_error")
    if isinstance(exc, TokenRefreshTimeout):
        return Verdict(Action.RETRY_LATER, "token_refresh_timeout")
    return Verdict(Action.NEVER_RETRY, "unexpected_error")


def _http_verdict(status: int | None) -> Verdict:
    if status is None:
        return Verdict(Action.RETRY_LATER, "transport_error")
    if status >= 500 or status == 429:
        return Verdict(Action.RETRY_LATER, f"http_{status}")
    return Verdict(Action.NEVER_RETRY, f"http_{status}")
