"""The fake itself, over plain HTTP: WeChat's token rules, validation, and the /_fake/ control API.

These tests need no Django: the fake must run without it (``python -m wechat.fake``).
"""

import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
APP = {"grant_type": "client_credential", "appid": "wx-fake-app-id", "secret": "fake-secret"}


@pytest.fixture
def http(fake):
    with requests.Session() as session:
        yield lambda method, path, **kw: session.request(method, fake.url + path.lstrip("/"), timeout=5, **kw).json()


def token(http):
    return http("GET", "cgi-bin/token", params=APP)["access_token"]


@pytest.mark.parametrize(("appid", "secret", "errcode"), [("wx-other", "fake-secret", 40013),
                                                          ("wx-fake-app-id", "wrong", 40125)])
def test_token_with_wrong_credentials(http, appid, secret, errcode):
    answer = http("GET", "cgi-bin/token", params={**APP, "appid": appid, "secret": secret})

    assert answer["errcode"] == errcode and " rid: " in answer["errmsg"]


def test_token_shape_and_daily_count(http, fake):
    answer = http("GET", "cgi-bin/token", params=APP)

    assert set(answer) == {"access_token", "expires_in"} and answer["expires_in"] == 7200
    assert http("GET", "_fake/stats")["token_fetches_today"] == {"wx-fake-app-id": 1}


def test_token_daily_limit_is_45009(http, fake):
    fake.configure(token_daily_limit=2)
    token(http), token(http)

    assert http("GET", "cgi-bin/token", params=APP)["errcode"] == 45009
    fake.advance_clock(24 * 3600)  # the next Shanghai day
    assert "access_token" in http("GET", "cgi-bin/token", params=APP)


def test_unknown_superseded_and_expired_tokens(http, fake):
    fake.add_user(openid="o-a")
    first = token(http)
    second = token(http)

    def info(access_token):
        return http("GET", "cgi-bin/user/info", params={"access_token": access_token, "openid": "o-a"})

    assert info("nonsense")["errcode"] == 40001
    assert info("")["errcode"] == 41001
    assert info(first)["openid"] == "o-a"  # inside the overlap
    fake.advance_clock(301)
    assert info(first)["errcode"] == 40001
    assert info(second)["openid"] == "o-a"
    fake.advance_clock(7200)
    assert info(second)["errcode"] == 42001


def test_stable_token_returns_the_current_token_unless_forced(http):
    body = {**APP, "force_refresh": False}
    first = http("POST", "cgi-bin/stable_token", json=body)
    again = http("POST", "cgi-bin/stable_token", json=body)
    forced = http("POST", "cgi-bin/stable_token", json={**body, "force_refresh": True})

    assert again["access_token"] == first["access_token"]
    assert forced["access_token"] != first["access_token"]
    assert http("POST", "cgi-bin/stable_token", json={**body, "secret": "x"})["errcode"] == 40125


def test_wecom_token_is_reused_while_valid(http):
    params = {"corpid": "ww-fake-corp", "corpsecret": "fake-wecom-secret"}
    first = http("GET", "wecom/cgi-bin/gettoken", params=params)

    assert first["errcode"] == 0
    assert http("GET", "cgi-bin/gettoken", params=params)["access_token"] == first["access_token"]
    assert http("GET", "cgi-bin/gettoken", params={**params, "corpsecret": "x"})["errcode"] == 40001


@pytest.mark.parametrize(("body", "errcode"), [
    ({"action_name": "QR_NOPE", "action_info": {"scene": {"scene_id": 1}}}, 40097),
    ({"action_name": "QR_LIMIT_SCENE", "action_info": {"scene": {"scene_id": 100_001}}}, 40097),
    ({"action_name": "QR_SCENE", "action_info": {"scene": {"scene_id": 0}}}, 40097),
    ({"action_name": "QR_STR_SCENE", "action_info": {"scene": {}}}, 40097),
])
def test_qrcode_validation(http, body, errcode):
    answer = http("POST", "cgi-bin/qrcode/create", params={"access_token": token(http)}, json=body)

    assert answer["errcode"] == errcode


def test_permanent_qrcode_for_the_same_scene_is_the_same_ticket(http):
    params = {"access_token": token(http)}
    body = {"action_name": "QR_LIMIT_STR_SCENE", "action_info": {"scene": {"scene_str": "store:1"}}}

    first = http("POST", "cgi-bin/qrcode/create", params=params, json=body)
    second = http("POST", "cgi-bin/qrcode/create", params=params, json=body)

    assert first == second and "expire_seconds" not in first


def test_temporary_qrcode_defaults_to_60_seconds(http):
    body = {"action_name": "QR_SCENE", "action_info": {"scene": {"scene_id": 7}}}

    answer = http("POST", "cgi-bin/qrcode/create", params={"access_token": token(http)}, json=body)

    assert answer["expire_seconds"] == 60


def test_template_send_validation(http, fake):
    fake.add_user(openid="o-a")
    params = {"access_token": token(http)}

    def send(**body):
        return http("POST", "cgi-bin/message/template/send", params=params, json=body)["errcode"]

    assert send(touser="o-nobody", template_id="t") == 40003
    assert send(touser="o-a", template_id="") == 40037
    assert send(touser="o-a", template_id="t", data="not a dict") == 47001
    assert requests.post(fake.url + "cgi-bin/message/template/send", params=params, data=b"{oops",
                         timeout=5).json()["errcode"] == 47001
    fake.configure(template_ids=["t-known"])
    assert send(touser="o-a", template_id="t") == 40037
    assert send(touser="o-a", template_id="t-known") == 0


def test_control_api_users_messages_stats_reset(http, fake):
    (user,) = http("POST", "_fake/users", json={"users": [{"openid": "o-x", "unionid": None}]})["users"]
    assert user["subscribed"] is True and user["unionid"] is None
    assert http("POST", "_fake/users", json={"bogus": 1}) == {"error": "unknown user fields: ['bogus']"}

    params = {"access_token": token(http)}
    for n in range(3):
        http("POST", "cgi-bin/message/template/send", params=params,
             json={"touser": "o-x", "template_id": f"t{n}", "data": {}})
    messages = http("GET", "_fake/messages", params={"touser": "o-x"})["messages"]
    assert [m["template_id"] for m in messages] == ["t2", "t1", "t0"]  # newest first
    assert http("GET", "_fake/messages", params={"touser": "o-x", "limit": 1})["messages"][0]["template_id"] == "t2"
    assert http("GET", "_fake/stats")["calls"]["/cgi-bin/message/template/send"] == 3

    assert http("POST", "_fake/reset") == {"ok": True}
    assert http("GET", "_fake/stats")["calls"] == {}
    assert http("GET", "_fake/users")["users"] == []


def test_faults_are_queued_per_path_and_consumed(http, fake):
    fake.add_user(openid="o-a")
    params = {"access_token": token(http)}
    queued = http("POST", "_fake/faults", json={"faults": [
        {"path": "/cgi-bin/message/template/send", "errcode": 45011, "times": 2},
        {"path": "/cgi-bin/message/template/send", "errcode": -1},
    ]})["queued"]
    assert len(queued) == 2
    assert http("GET", "_fake/faults")["faults"]["/cgi-bin/message/template/send"][0]["times"] == 2

    codes = [http("POST", "cgi-bin/message/template/send", params=params,
                  json={"touser": "o-a", "template_id": "t"})["errcode"] for _ in range(4)]

    assert codes == [45011, 45011, -1, 0]
    assert http("POST", "_fake/faults", json={"path": "/x"})["error"].startswith("a fault needs")


def test_wildcard_fault_and_http_status(fake):
    fake.add_fault("*", status=503)

    response = requests.get(fake.url + "cgi-bin/token", params=APP, timeout=5)

    assert response.status_code == 503


def test_unknown_path_is_a_loud_404(fake):
    response = requests.get(fake.url + "cgi-bin/nothing-here", timeout=5)

    assert response.status_code == 404 and "does not serve" in response.text


def test_oauth_user_can_be_preset(http, fake):
    http("POST", "_fake/oauth_user", json={"openid": "o-preset"})

    redirect = requests.get(fake.url + "connect/oauth2/authorize", allow_redirects=False, timeout=5, params={
        "appid": "wx-fake-app-id", "redirect_uri": "https://x.example/cb", "response_type": "code",
        "scope": "snsapi_base", "state": "s"})
    code = redirect.headers["Location"].split("code=")[1].split("&")[0]
    answer = http("GET", "sns/oauth2/access_token", params={"appid": "wx-fake-app-id", "secret": "fake-secret",
                                                             "code": code, "grant_type": "authorization_code"})

    assert answer["openid"] == "o-preset"


def test_oauth_code_expires(http, fake):
    redirect = requests.get(fake.url + "connect/oauth2/authorize", allow_redirects=False, timeout=5, params={
        "appid": "wx-fake-app-id", "redirect_uri": "https://x.example/cb", "response_type": "code",
        "scope": "snsapi_base"})
    code = redirect.headers["Location"].split("code=")[1].split("&")[0]
    fake.advance_clock(301)

    answer = http("GET", "sns/oauth2/access_token", params={"appid": "wx-fake-app-id", "secret": "fake-secret",
                                                             "code": code, "grant_type": "authorization_code"})

    assert answer["errcode"] == 40029


def test_keep_alive_serves_hundreds_of_sends_a_second(http, fake):
    """A guard, not the benchmark: one write per response keeps delayed ACKs (40 ms each) away."""
    fake.add_user(openid="o-a")
    params = {"access_token": token(http)}
    started = time.perf_counter()
    for _ in range(300):
        http("POST", "cgi-bin/message/template/send", params=params, json={"touser": "o-a", "template_id": "t"})
    elapsed = time.perf_counter() - started

    assert len(fake.messages("o-a")) == 300
    assert elapsed < 3, f"300 sends took {elapsed:.2f}s"


def test_runs_as_a_module_without_django(tmp_path):
    script = (
        "import sys, threading, urllib.request, json\n"
        "from wechat.fake.__main__ import main\n"
        "threading.Thread(target=main, args=(['--port', '0'],), daemon=True).start()\n"
        "import time; time.sleep(0.5)\n"
        "print('django' in ' '.join(sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=30,
                            env={"PATH": "/usr/bin:/bin"})

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "False"
    assert "Fake WeChat listening on http://127.0.0.1:" in result.stdout
