"""WeCom endpoints (qyapi.weixin.qq.com): token and customer contact ("contact me", group messages)."""

import secrets

from .codes import WECOM, ApiError
from .state import FakeState, random_id
from .wire import Request

MAX_STATE = 30  # "contact me" state: at most 30 characters
MAX_REMARK = 30


def gettoken(state: FakeState, req: Request):
    q = req.query
    if q.get("corpid") != state.config.corp_id:
        raise ApiError(40013)
    if q.get("corpsecret") != state.config.corp_secret:
        raise ApiError(40001)
    key = (state.day(), q["corpid"])
    if state.token_fetches[key] >= state.config.token_daily_limit:
        raise ApiError(45009)
    state.token_fetches[key] += 1
    # WeCom hands back the same token while it is valid (repeated fetches do not invalidate it).
    access_token, expires_in = state.issue_token(WECOM, q["corpid"], reuse=True)
    return {"errcode": 0, "errmsg": "ok", "access_token": access_token, "expires_in": expires_in}


def _contact_way_fields(data: dict, creating: bool) -> dict:
    way = {}
    if creating:
        if "type" not in data:
            raise ApiError(41037)
        if data["type"] not in (1, 2):
            raise ApiError(41039)
        if "scene" not in data:
            raise ApiError(41038)
        if data["scene"] not in (1, 2):
            raise ApiError(41040)
        users = data.get("user") or []
        if data["type"] == 1 and len(users) != 1:
            raise ApiError(40058, "type 1 needs exactly one user")
        way.update(type=data["type"], scene=data["scene"])
    state_value = data.get("state")
    if state_value is not None and (not isinstance(state_value, str) or len(state_value) > MAX_STATE):
        raise ApiError(40058, "invalid state, at most 30 characters")
    remark = data.get("remark")
    if remark is not None and len(str(remark)) > MAX_REMARK:
        raise ApiError(40058, "invalid remark, at most 30 characters")
    for key in ("style", "remark", "skip_verify", "state", "user", "party"):
        if key in data:
            way[key] = data[key]
    return way


def add_contact_way(state: FakeState, req: Request):
    data = req.json()
    way = {"skip_verify": True, "state": "", "user": [], "party": [], "remark": "",
           **_contact_way_fields(data, creating=True)}
    config_id = secrets.token_hex(16)
    way["config_id"] = config_id
    result = {"errcode": 0, "errmsg": "ok", "config_id": config_id}
    if way["scene"] == 2:
        way["qr_code"] = "https://wework.qpic.cn/wwpic/" + random_id("", 40) + "/0"
        result["qr_code"] = way["qr_code"]
    state.contact_ways[config_id] = way
    return result


def _contact_way(state: FakeState, data: dict) -> dict:
    if not data.get("config_id"):
        raise ApiError(41043)
    way = state.contact_ways.get(data["config_id"])
    if way is None:
        raise ApiError(41044)
    return way


def get_contact_way(state: FakeState, req: Request):
    return {"errcode": 0, "errmsg": "ok", "contact_way": dict(_contact_way(state, req.json()))}


def update_contact_way(state: FakeState, req: Request):
    data = req.json()
    way = _contact_way(state, data)
    way.update(_contact_way_fields(data, creating=False))
    return {"errcode": 0, "errmsg": "ok"}


def del_contact_way(state: FakeState, req: Request):
    data = req.json()
    _contact_way(state, data)
    del state.contact_ways[data["config_id"]]
    return {"errcode": 0, "errmsg": "ok"}


def get_external_contact(state: FakeState, req: Request):
    contact = state.external_contacts.get(req.query.get("external_userid", ""))
    if contact is None:
        raise ApiError(40096)
    external = {"external_userid": contact["external_userid"], "name": contact["name"], "type": 1,
                "avatar": "", "gender": 0}
    if contact["unionid"]:
        external["unionid"] = contact["unionid"]
    return {"errcode": 0, "errmsg": "ok", "external_contact": external,
            "follow_user": [dict(f) for f in contact["follow_user"]]}


def add_msg_template(state: FakeState, req: Request):
    data = req.json()
    if not (data.get("text") or {}).get("content") and not data.get("attachments") and not any(
        data.get(k) for k in ("image", "link", "miniprogram")
    ):
        raise ApiError(44004)
    external_ids = data.get("external_userid") or []
    sender = data.get("sender")
    if not external_ids and not sender:
        raise ApiError(41048)
    day = state.day()
    if state.wecom_quota_used[day] >= state.config.wecom_msg_template_daily_quota:
        raise ApiError(45009)
    if external_ids:
        recipients = [e for e in external_ids if e in state.external_contacts]
        fail_list = [e for e in external_ids if e not in state.external_contacts]
    else:  # no list: every customer of the sender
        recipients = [e for e, c in state.external_contacts.items()
                      if any(f["userid"] == sender for f in c["follow_user"])]
        fail_list = []
    if not recipients:
        raise ApiError(41048)
    state.wecom_quota_used[day] += 1
    msgid = "msg" + random_id("", 26)
    now, limit = int(state.now()), state.config.wecom_customer_daily_limit
    detail = []
    for external_userid in recipients:
        contact = state.external_contacts[external_userid]
        userid = sender or contact["follow_user"][0]["userid"]
        status = 1
        if limit is not None and state.wecom_received[(day, external_userid)] >= limit:
            status = 3  # already received another group message today
        else:
            state.wecom_received[(day, external_userid)] += 1
            state.record_message("wecom", external_userid, msgid=msgid, sender=userid, text=data.get("text"),
                                 attachments=data.get("attachments"))
        detail.append({"external_userid": external_userid, "chat_id": "", "userid": userid, "status": status,
                       "send_time": now if status == 1 else 0})
    state.group_msgs[msgid] = {"msgid": msgid, "sender": sender, "detail": detail}
    return {"errcode": 0, "errmsg": "ok", "fail_list": fail_list, "msgid": msgid}


def _group_msg(state: FakeState, data: dict) -> dict:
    if not data.get("msgid"):
        raise ApiError(41046)
    msg = state.group_msgs.get(data["msgid"])
    if msg is None:
        raise ApiError(41047)
    return msg


def get_group_msg_result(state: FakeState, req: Request):
    """The older result call, the one wechatpy 1.8.18's ``get_group_msg_result`` makes."""
    msg = _group_msg(state, req.json())
    return {"errcode": 0, "errmsg": "ok", "check_status": 1, "detail_list": [dict(d) for d in msg["detail"]]}


def get_groupmsg_send_result(state: FakeState, req: Request):
    """The current result call (msgid + userid, paged); wechatpy 1.8.18 has no method for it."""
    data = req.json()
    msg = _group_msg(state, data)
    rows = [dict(d) for d in msg["detail"] if not data.get("userid") or d["userid"] == data["userid"]]
    return {"errcode": 0, "errmsg": "ok", "next_cursor": "", "send_list": rows}


ROUTES = {
    ("GET", "/cgi-bin/gettoken"): (None, gettoken),
    ("POST", "/cgi-bin/externalcontact/add_contact_way"): (WECOM, add_contact_way),
    ("POST", "/cgi-bin/externalcontact/get_contact_way"): (WECOM, get_contact_way),
    ("POST", "/cgi-bin/externalcontact/update_contact_way"): (WECOM, update_contact_way),
    ("POST", "/cgi-bin/externalcontact/del_contact_way"): (WECOM, del_contact_way),
    ("GET", "/cgi-bin/externalcontact/get"): (WECOM, get_external_contact),
    ("POST", "/cgi-bin/externalcontact/add_msg_template"): (WECOM, add_msg_template),
    ("POST", "/cgi-bin/externalcontact/get_group_msg_result"): (WECOM, get_group_msg_result),
    ("POST", "/cgi-bin/externalcontact/get_groupmsg_send_result"): (WECOM, get_groupmsg_send_result),
}
