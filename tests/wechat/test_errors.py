"""Error codes and transport failures → what the outbox does."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import requests
from wechatpy.exceptions import APILimitedException, WeChatClientException

from wechat.errors import Action, classify, next_shanghai_midnight
from wechat.token_storage import TokenRefreshTimeout

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 1, 15, 30, tzinfo=ZoneInfo("UTC"))  # 23:30 in Shanghai


@pytest.mark.parametrize(("errcode", "action", "reason"), [
    (45009, Action.RETRY_LATER, "daily_quota"),
    (45011, Action.RETRY_LATER, "minute_quota"),
    (43117, Action.RETRY_LATER, "too_frequent_for_user"),
    (-1, Action.RETRY_LATER, "system_busy"),
    (45033, Action.RETRY_LATER, "concurrency_limit"),
    (40001, Action.REFRESH_TOKEN, "token_invalid"),
    (40014, Action.REFRESH_TOKEN, "token_invalid"),
    (42001, Action.REFRESH_TOKEN, "token_expired"),
    (43004, Action.NEVER_RETRY, "not_following"),
    (43101, Action.NEVER_RETRY, "refused"),
    (40003, Action.NEVER_RETRY, "invalid_openid"),
    (40037, Action.NEVER_RETRY, "invalid_template"),
    (40058, Action.NEVER_RETRY, "client_error"),
    (47001, Action.NEVER_RETRY, "client_error"),
    (60011, Action.NEVER_RETRY, "unclassified"),
])
def test_errcodes(errcode, action, reason):
    verdict = classify(WeChatClientException(errcode, "msg"), now=NOW)

    assert (verdict.action, verdict.reason, verdict.errcode) == (action, reason, errcode)


def test_daily_quota_waits_for_the_next_shanghai_midnight_not_utc():
    verdict = classify(APILimitedException(45009, "reach max api daily quota limit"), now=NOW)

    assert verdict.retry_at == datetime(2026, 3, 2, 0, 0, tzinfo=SHANGHAI)
    assert (verdict.retry_at - NOW).total_seconds() == 30 * 60


def test_minute_quota_waits_a_minute():
    assert (classify(WeChatClientException(45011, ""), now=NOW).retry_at - NOW).total_seconds() == 60


def test_next_midnight_just_after_midnight_is_the_next_day():
    just_after = datetime(2026, 3, 2, 0, 0, 1, tzinfo=SHANGHAI)

    assert next_shanghai_midnight(just_after) == datetime(2026, 3, 3, tzinfo=SHANGHAI)


def _http_error(status):
    response = requests.Response()
    response.status_code = status
    return response


@pytest.mark.parametrize(("exc", "action", "reason"), [
    (requests.ReadTimeout(), Action.RETRY_LATER, "timeout"),
    (requests.ConnectTimeout(), Action.RETRY_LATER, "timeout"),
    (requests.ConnectionError(), Action.RETRY_LATER, "connection_error"),
    (requests.HTTPError(response=_http_error(503)), Action.RETRY_LATER, "http_503"),
    (WeChatClientException(None, None, response=_http_error(500)), Action.RETRY_LATER, "http_500"),
    (WeChatClientException(None, None, response=_http_error(404)), Action.NEVER_RETRY, "http_404"),
    (WeChatClientException(None, None, response=_http_error(429)), Action.RETRY_LATER, "http_429"),
    (TokenRefreshTimeout(), Action.RETRY_LATER, "token_refresh_timeout"),
    (ValueError("a bug"), Action.NEVER_RETRY, "unexpected_error"),
])
def test_transport_failures(exc, action, reason):
    verdict = classify(exc, now=NOW)

    assert (verdict.action, verdict.reason) == (action, reason)
    assert verdict.retryable is (action is not Action.NEVER_RETRY)
