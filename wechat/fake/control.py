"""The fake's own control API under /_fake/: seed users, inject faults, read what was sent."""

import json
from dataclasses import asdict

from .codes import ApiError
from .state import FakeState, Fault, random_id
from .wire import Request, Response

WECOM_PREFIX = "/wecom"


class ControlError(ValueError):
    """A bad /_fake/ request: answered with HTTP 400 (these are our endpoints, not WeChat's)."""


def normalize_path(path: str) -> str:
    return path[len(WECOM_PREFIX):] if path.startswith(WECOM_PREFIX + "/") else path


def _items(data, key: str) -> list:
    """Accept one object, a list of objects, or ``{key: [objects]}``."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and isinstance(data.get(key), list):
        return data[key]
    if isinstance(data, dict):
        return [data]
    raise ControlError(f"expected an object, a list or {{{key!r}: [...]}}")


def _body(req: Request):
    try:
        return json.loads(req.body) if req.body.strip() else {}
    except ValueError as exc:
        raise ControlError(f"invalid JSON: {exc}") from None


def users_post(state: FakeState, req: Request):
    allowed = {"openid", "unionid", "subscribed", "refused_subscribe_message", "blocks_template_messages",
               "subscribe_time", "subscribe_scene", "qr_scene", "qr_scene_str", "language", "ticket"}
    created = []
    for item in _items(_body(req), "users"):
        unknown = set(item) - allowed
        if unknown:
            raise ControlError(f"unknown user fields: {sorted(unknown)}")
        created.append(dict(state.make_user(**item)))
    return {"users": created}


def users_get(state: FakeState, req: Request):
    openid = req.query.get("openid")
    if openid:
        user = state.users.get(openid)
        return {"users": [dict(user)] if user else []}
    return {"users": [dict(u) for u in state.users.values()]}


def external_contacts_post(state: FakeState, req: Request):
    created = []
    for item in _items(_body(req), "contacts"):
        userid, contact_state = item.get("userid"), item.get("state", "")
        if item.get("config_id"):
            way = state.contact_ways.get(item["config_id"])
            if way is None:
                raise ControlError(f"unknown config_id {item['config_id']}")
            userid = userid or (way["user"] or ["zhangsan"])[0]
            contact_state = item.get("state", way.get("state", ""))
        external_userid = item.get("external_userid") or random_id("wm", 32)
        contact = {
            "external_userid": external_userid,
            "unionid": item.get("unionid"),
            "name": item.get("name", "客户"),
            "follow_user": [{"userid": userid or "zhangsan", "remark": "", "description": "",
                             "createtime": int(state.now()), "state": contact_state or "", "add_way": 1}],
        }
        state.external_contacts[external_userid] = contact
        created.append(contact)
    return {"contacts": created}


def faults_post(state: FakeState, req: Request):
    queued = []
    for item in _items(_body(req), "faults"):
        path = item.get("path")
        if not path:
            raise ControlError("a fault needs a path (or '*' for any WeChat path)")
        unknown = set(item) - {"path", "errcode", "errmsg", "status", "delay", "times"}
        if unknown:
            raise ControlError(f"unknown fault fields: {sorted(unknown)}")
        fault = Fault(item.get("errcode"), item.get("errmsg"), item.get("status"), float(item.get("delay") or 0),
                      int(item.get("times") or 1))
        if fault.errcode is None and fault.status is None and not fault.delay:
            raise ControlError("a fault needs errcode, status or delay")
        state.add_fault(path if path == "*" else normalize_path(path), fault)
        queued.append({"path": path, **asdict(fault)})
    return {"queued": queued}


def faults_get(state: FakeState, req: Request):
    return {"faults": {path: [asdict(f) for f in queue] for path, queue in state.faults.items() if queue}}


def faults_clear(state: FakeState, req: Request):
    state.faults.clear()
    return {"ok": True}


def messages_get(state: FakeState, req: Request):
    q = req.query
    limit = int(q["limit"]) if q.get("limit") else None
    return {"messages": state.list_messages(q.get("touser"), q.get("kind"), limit)}


def stats_get(state: FakeState, req: Request):
    return state.stats()


def reset_post(state: FakeState, req: Request):
    state.reset()
    return {"ok": True}


def config_get(state: FakeState, req: Request):
    return asdict(state.config)


def config_post(state: FakeState, req: Request):
    try:
        state.config.update(_body(req))
    except ValueError as exc:
        raise ControlError(str(exc)) from None
    return asdict(state.config)


def clock_post(state: FakeState, req: Request):
    """Move the fake's clock forward (tokens, codes and QR tickets expire; quotas roll over)."""
    state.clock_offset += float(_body(req).get("advance", 0))
    return {"now": state.now(), "offset": state.clock_offset}


def oauth_user_post(state: FakeState, req: Request):
    """Who the next OAuth authorize without an ``openid`` parameter signs in as (null: a new visitor)."""
    openid = _body(req).get("openid")
    if openid and openid not in state.users:
        state.make_user(openid=openid, subscribed=False, subscribe_time=0, subscribe_scene="")
    state.oauth_user = openid
    return {"openid": openid}


def qrcodes_get(state: FakeState, req: Request):
    ticket = req.query.get("ticket")
    rows = [q for t, q in state.qrcodes.items() if not ticket or t == ticket]
    return {"qrcodes": [dict(q) for q in rows]}


ROUTES = {
    ("POST", "/_fake/users"): users_post,
    ("GET", "/_fake/users"): users_get,
    ("POST", "/_fake/external_contacts"): external_contacts_post,
    ("POST", "/_fake/faults"): faults_post,
    ("GET", "/_fake/faults"): faults_get,
    ("POST", "/_fake/faults/clear"): faults_clear,
    ("GET", "/_fake/messages"): messages_get,
    ("GET", "/_fake/stats"): stats_get,
    ("POST", "/_fake/reset"): reset_post,
    ("GET", "/_fake/config"): config_get,
    ("POST", "/_fake/config"): config_post,
    ("POST", "/_fake/clock"): clock_post,
    ("POST", "/_fake/oauth_user"): oauth_user_post,
    ("GET", "/_fake/qrcodes"): qrcodes_get,
}


def handle(state: FakeState, req: Request) -> Response:
    handler = ROUTES.get((req.method, req.path))
    if handler is None:
        return Response.json({"error": f"no such fake control endpoint: {req.method} {req.path}"}, 404)
    try:
        with state.lock:
            return Response.json(handler(state, req))
    except ControlError as exc:
        return Response.json({"error": str(exc)}, 400)
    except ApiError as exc:
        return Response.json({"error": exc.errmsg or f"errcode {exc.errcode}"}, 400)
