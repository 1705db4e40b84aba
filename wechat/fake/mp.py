"""Official account endpoints (api.weixin.qq.com) and web OAuth (open.weixin.qq.com/connect)."""

import base64
import secrets
from urllib.parse import urlencode, urlsplit

from .codes import MP, ApiError
from .state import FakeState, random_id
from .wire import Request, Response

TEMPORARY = {"QR_SCENE", "QR_STR_SCENE"}
PERMANENT = {"QR_LIMIT_SCENE", "QR_LIMIT_STR_SCENE"}
MAX_EXPIRE_SECONDS = 2_592_000  # 30 days
DEFAULT_EXPIRE_SECONDS = 60
MAX_PERMANENT_SCENE_ID = 100_000
# A 1×1 PNG: what /cgi-bin/showqrcode serves for a known ticket (the image itself is not the point).
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def _check_app(state: FakeState, appid, secret) -> None:
    if appid != state.config.app_id:
        raise ApiError(40013)
    if secret != state.config.app_secret:
        raise ApiError(40125)


def _count_fetch(state: FakeState, owner: str) -> None:
    key = (state.day(), owner)
    if state.token_fetches[key] >= state.config.token_daily_limit:
        raise ApiError(45009)
    state.token_fetches[key] += 1


def token(state: FakeState, req: Request):
    q = req.query
    if q.get("grant_type") != "client_credential":
        raise ApiError(40002, "invalid grant_type")
    _check_app(state, q.get("appid"), q.get("secret"))
    _count_fetch(state, q["appid"])
    access_token, expires_in = state.issue_token(MP, q["appid"])
    return {"access_token": access_token, "expires_in": expires_in}


def stable_token(state: FakeState, req: Request):
    data = req.json()
    if data.get("grant_type") != "client_credential":
        raise ApiError(40002, "invalid grant_type")
    _check_app(state, data.get("appid"), data.get("secret"))
    state.stable_token_fetches[(state.day(), data["appid"])] += 1
    force = data.get("force_refresh") in (True, "true", 1)
    access_token, expires_in = state.issue_token(MP, data["appid"], "stable", reuse=not force)
    return {"access_token": access_token, "expires_in": expires_in}


def _positive_int(value, upper: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= upper:
        raise ApiError(40097)
    return value


def qrcode_create(state: FakeState, req: Request):
    data = req.json()
    action = data.get("action_name")
    if action not in TEMPORARY | PERMANENT:
        raise ApiError(40097, "invalid action_name")
    scene = (data.get("action_info") or {}).get("scene") or {}
    scene_id, scene_str = 0, ""
    if action.endswith("STR_SCENE"):
        scene_str = scene.get("scene_str")
        if not isinstance(scene_str, str) or not 1 <= len(scene_str) <= 64:
            raise ApiError(40097, "invalid scene_str")
    else:
        scene_id = _positive_int(scene.get("scene_id"), MAX_PERMANENT_SCENE_ID if action in PERMANENT else 2**32 - 1)

    if action in PERMANENT and (action, scene_id, scene_str) in state.permanent_tickets:
        qrcode = state.qrcodes[state.permanent_tickets[(action, scene_id, scene_str)]]
        return {"ticket": qrcode["ticket"], "url": qrcode["url"]}

    ticket = "gQ" + base64.b64encode(secrets.token_bytes(45)).decode()
    qrcode = {"ticket": ticket, "action_name": action, "scene_id": scene_id, "scene_str": scene_str,
              "url": "http://weixin.qq.com/q/" + random_id("02", 24), "expires_at": None}
    if action in TEMPORARY:
        expire = data.get("expire_seconds", DEFAULT_EXPIRE_SECONDS)
        expire = min(_positive_int(expire, 2**31), MAX_EXPIRE_SECONDS)  # WeChat caps, it does not refuse
        qrcode["expires_at"] = state.now() + expire
        state.qrcodes[ticket] = qrcode
        return {"ticket": ticket, "expire_seconds": expire, "url": qrcode["url"]}
    state.qrcodes[ticket] = qrcode
    state.permanent_tickets[(action, scene_id, scene_str)] = ticket
    return {"ticket": ticket, "url": qrcode["url"]}


def showqrcode(state: FakeState, req: Request):
    qrcode = state.qrcodes.get(req.query.get("ticket", ""))
    if qrcode is None or (qrcode["expires_at"] and qrcode["expires_at"] < state.now()):
        return Response.text("ticket not found", 404)
    return Response(200, PNG, "image/png")


def user_info(state: FakeState, req: Request):
    user = state.user(req.query.get("openid"))
    info = {"subscribe": 1 if user["subscribed"] else 0, "openid": user["openid"]}
    if user["subscribed"]:
        # Since 2021 WeChat no longer returns nickname, avatar, gender or location here.
        info.update(language=user["language"], subscribe_time=user["subscribe_time"], remark="", groupid=0,
                    tagid_list=[], subscribe_scene=user["subscribe_scene"], qr_scene=user["qr_scene"],
                    qr_scene_str=user["qr_scene_str"])
    if user["unionid"]:
        info["unionid"] = user["unionid"]
    return info


def _template_id(state: FakeState, data: dict) -> str:
    template_id = data.get("template_id")
    if not template_id or not isinstance(template_id, str):
        raise ApiError(40037)
    if state.config.template_ids and template_id not in state.config.template_ids:
        raise ApiError(40037)
    return template_id


def template_send(state: FakeState, req: Request):
    data = req.json()
    user = state.user(data.get("touser"))
    template_id = _template_id(state, data)
    if not isinstance(data.get("data", {}), dict):
        raise ApiError(47001)
    if not user["subscribed"]:
        raise ApiError(43004)
    msgid = next(state.msgids)
    status = "failed:user block" if user.get("blocks_template_messages") else "success"
    state.record_message("template", user["openid"], msgid=msgid, template_id=template_id, data=data.get("data"),
                         url=data.get("url"), miniprogram=data.get("miniprogram"), status=status)
    if state.config.callback_url:
        state.reporter.submit(openid=user["openid"], msgid=msgid, status=status)  # posted by another thread
    return {"errcode": 0, "errmsg": "ok", "msgid": msgid}


def subscribe_send(state: FakeState, req: Request):
    data = req.json()
    user = state.user(data.get("touser"))
    template_id = _template_id(state, data)
    if user["refused_subscribe_message"]:
        raise ApiError(43101)
    state.record_message("subscribe", user["openid"], msgid=next(state.msgids), template_id=template_id,
                         data=data.get("data"), page=data.get("page"), url=data.get("url"),
                         miniprogram=data.get("miniprogram"))
    return {"errcode": 0, "errmsg": "ok"}


def getticket(state: FakeState, req: Request):
    kind = req.query.get("type", "jsapi")
    if kind not in ("jsapi", "wx_card"):
        raise ApiError(40097, "invalid type")
    now = state.now()
    key = (state.config.app_id, kind)
    ticket, expires_at = state.jsapi_tickets.get(key, ("", 0.0))
    if expires_at <= now:
        ticket, expires_at = random_id("kgt8ON7yVITDhtdwci0qe", 86), now + state.config.ticket_ttl
        state.jsapi_tickets[key] = (ticket, expires_at)
    return {"errcode": 0, "errmsg": "ok", "ticket": ticket, "expires_in": int(expires_at - now)}


# --- web OAuth ---------------------------------------------------------------------------------
def oauth_authorize(state: FakeState, req: Request):
    """WeChat's consent page, answered at once for the chosen fake user with a redirect back.

    The user is the ``openid`` query parameter if present (made on first sight), else the one set
    with /_fake/oauth_user, else a new visitor who does not follow the account.
    """
    q = req.query
    redirect_uri = q.get("redirect_uri", "")
    if q.get("appid") != state.config.app_id:
        return Response.text("appid is invalid (errcode 10016)", 400)
    if urlsplit(redirect_uri).scheme not in ("http", "https"):
        return Response.text("redirect_uri is invalid (errcode 10003)", 400)
    if q.get("response_type") != "code" or q.get("scope") not in ("snsapi_base", "snsapi_userinfo"):
        return Response.text("scope or response_type is invalid (errcode 10005)", 400)
    openid = q.get("openid") or state.oauth_user
    if openid and openid in state.users:
        user = state.users[openid]
    else:
        user = state.make_user(openid=openid, subscribed=False, subscribe_time=0, subscribe_scene="")
    code = random_id("0", 32)
    state.oauth_codes[code] = {"openid": user["openid"], "scope": q["scope"], "expires_at": state.now() +
                               state.config.oauth_code_ttl, "used": False}
    separator = "&" if "?" in redirect_uri else "?"
    return Response.redirect(redirect_uri + separator + urlencode({"code": code, "state": q.get("state", "")}))


def oauth_access_token(state: FakeState, req: Request):
    q = req.query
    _check_app(state, q.get("appid"), q.get("secret"))
    if q.get("grant_type") != "authorization_code":
        raise ApiError(40002, "invalid grant_type")
    grant = state.oauth_codes.get(q.get("code", ""))
    if grant is None or grant["expires_at"] < state.now():
        raise ApiError(40029)
    if grant["used"]:
        raise ApiError(40163)
    grant["used"] = True
    user = state.users[grant["openid"]]
    access_token, refresh_token = random_id("", 88), random_id("", 88)
    state.oauth_tokens[access_token] = {"openid": user["openid"], "expires_at": state.now() + 7200}
    result = {"access_token": access_token, "expires_in": 7200, "refresh_token": refresh_token,
              "openid": user["openid"], "scope": grant["scope"]}
    if user["unionid"]:
        result["unionid"] = user["unionid"]
    return result


ROUTES = {
    ("GET", "/cgi-bin/token"): (None, token),
    ("POST", "/cgi-bin/stable_token"): (None, stable_token),
    ("POST", "/cgi-bin/qrcode/create"): (MP, qrcode_create),
    ("GET", "/cgi-bin/showqrcode"): (None, showqrcode),
    ("GET", "/cgi-bin/user/info"): (MP, user_info),
    ("POST", "/cgi-bin/message/template/send"): (MP, template_send),
    # wechatpy 1.8.18's send_subscribe_message posts to bizsend; /subscribe/send is the other name.
    ("POST", "/cgi-bin/message/subscribe/bizsend"): (MP, subscribe_send),
    ("POST", "/cgi-bin/message/subscribe/send"): (MP, subscribe_send),
    ("GET", "/cgi-bin/ticket/getticket"): (MP, getticket),
    ("GET", "/connect/oauth2/authorize"): (None, oauth_authorize),
    ("GET", "/sns/oauth2/access_token"): (None, oauth_access_token),
}
