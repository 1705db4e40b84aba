"""A fake WeChat (official account + WeCom) on localhost, for tests, the demo and benchmarks.

It answers WeChat's and WeCom's HTTP APIs as they do (JSON, ``errcode``/``errmsg``, HTTP 200 on
errors) so that ``wechatpy`` talks to it unchanged once its hosts are rewritten
(``wechat.client`` does that when ``WECHAT_API_BASE``/``WECOM_API_BASE`` point here).

Standard library only and no Django: ``python -m wechat.fake --port 9100`` runs it alone, and
``FakeWeChat.start(port=0)`` runs it in a test. ``events`` (which uses wechatpy) builds signed
callback bodies; it is not imported here.

WeChat paths (official account): ``GET /cgi-bin/token``, ``POST /cgi-bin/stable_token``,
``POST /cgi-bin/qrcode/create``, ``GET /cgi-bin/showqrcode``, ``GET /cgi-bin/user/info``,
``POST /cgi-bin/message/template/send``, ``POST /cgi-bin/message/subscribe/bizsend`` (and
``/subscribe/send``), ``GET /cgi-bin/ticket/getticket``, ``GET /connect/oauth2/authorize``,
``GET /sns/oauth2/access_token``.
WeCom paths (at the root or under ``/wecom/``): ``GET /cgi-bin/gettoken``, and under
``/cgi-bin/externalcontact/``: ``add_contact_way``, ``get_contact_way``, ``update_contact_way``,
``del_contact_way``, ``get``, ``add_msg_template``, ``get_group_msg_result``,
``get_groupmsg_send_result``.

Control (ours, answered with HTTP 400 on a bad request):
``POST /_fake/users`` (openid, unionid, subscribed, refused_subscribe_message, ticket, ...),
``GET /_fake/users``, ``POST /_fake/external_contacts`` (config_id or userid/state, unionid),
``POST /_fake/faults`` ``{"path", "errcode"|"status"|"delay", "errmsg", "times"}`` (``"*"`` for any
path; faults on a path are used in order, each for ``times`` calls), ``GET /_fake/faults``,
``POST /_fake/faults/clear``, ``GET /_fake/messages?touser=&kind=&limit=`` (newest first),
``GET /_fake/stats``, ``POST /_fake/reset``, ``GET|POST /_fake/config``,
``POST /_fake/clock {"advance": seconds}``, ``POST /_fake/oauth_user {"openid"}``,
``GET /_fake/qrcodes?ticket=``.

Delivery reports: with ``callback_url`` and ``callback_token`` configured (``/_fake/config``,
``configure()``, ``--callback-url``/``--callback-token``; ``callback_aes_key`` for safe mode), every
template message sent is followed by a signed TEMPLATESENDJOBFINISH POSTed there from a
background thread (``reporter``): ``success``, or ``failed:user block`` for a user made with
``blocks_template_messages``. ``GET /_fake/stats`` counts them under ``reports``.
"""

from .server import FakeWeChat
from .state import Config

__all__ = ["Config", "FakeWeChat"]
