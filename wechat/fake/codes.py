"""Error codes and messages the fake answers with, worded as WeChat and WeCom word them.

WeChat appends `` rid: <id>`` to every errmsg; the fake does too, so code that parses errmsg
instead of errcode breaks here as it would in production.
"""

# Official account (api.weixin.qq.com).
MP_MESSAGES = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40003: "invalid openid",
    40013: "invalid appid",
    40014: "invalid access_token",
    40029: "invalid code",
    40037: "invalid template_id",
    40097: "invalid args",
    40125: "invalid appsecret",
    40163: "code been used",
    41001: "access_token missing",
    42001: "access_token expired",
    43004: "require subscribe",
    43101: "user refuse to accept the msg",
    43117: "user receive msg too frequently",
    44002: "empty post data",
    45009: "reach max api daily quota limit",
    45011: "api minute-quota reach limit  mustslower  retry next minute",
    47001: "data format error",
}

# WeCom (qyapi.weixin.qq.com). WeCom words the same numbers differently in places (40001 is
# "invalid secret" there) and has its own 41xxx family for customer contact.
WECOM_MESSAGES = {
    -1: "system busy",
    40001: "invalid secret",
    40013: "invalid corpid",
    40014: "invalid access_token",
    40058: "invalid parameter",
    40096: "invalid external userid",
    41001: "access_token missing",
    41037: "missing contact way type",
    41038: "missing contact way scene",
    41039: "invalid contact way type",
    41040: "invalid contact way scene",
    41043: "missing contact way config_id",
    41044: "invalid contact way config_id",
    41046: "missing msgid",
    41047: "invalid msgid",
    41048: "no external contact to send",
    42001: "access_token expired",
    44004: "empty content",
    45009: "api freq out of limit",
    45033: "api concurrent out of limit",
    47001: "data format error",
}

MP, WECOM = "mp", "wecom"


def errmsg(realm: str, code: int) -> str:
    table = WECOM_MESSAGES if realm == WECOM else MP_MESSAGES
    return table.get(code) or MP_MESSAGES.get(code) or "error"


class ApiError(Exception):
    """Raised by a handler: the fake answers HTTP 200 with ``{"errcode", "errmsg"}``, as WeChat does."""

    def __init__(self, errcode: int, errmsg: str | None = None):
        super().__init__(errcode, errmsg)
        self.errcode = errcode
        self.errmsg = errmsg
