"""Shared fixtures: a small organisation with one user of every role, and service markers.

Tests marked ``postgres``, ``redis`` or ``browser`` need those services. Without them they are
skipped *with a reason* (``make test`` on a bare machine); with ``REQUIRE_SERVICES=1`` (CI) a
missing service fails the test instead, and the run fails if no test of a marker ran at all.
"""

import os
import shutil
from dataclasses import dataclass

import pytest
from django.db import connection
from django.utils import translation

from stores.models import Role
from wechat.fake import FakeWeChat

from .factories import (
    CustomerFactory,
    OrderFactory,
    PartnerFactory,
    RegionFactory,
    StaffFactory,
    StoreFactory,
    UserFactory,
)

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
SERVICE_MARKERS = ("postgres", "redis", "browser", "zbar")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
_ran = {marker: 0 for marker in SERVICE_MARKERS}


def _redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping())
    except Exception:  # noqa: BLE001
        return False


def _missing(marker: str) -> str | None:
    if marker == "postgres" and connection.vendor != "postgresql":
        return "needs PostgreSQL (set DATABASE_URL=postgres://...)"
    if marker == "redis" and not _redis_up():
        return f"needs Redis at {REDIS_URL}"
    if marker == "browser":
        if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
            return f"needs Chromium at {CHROMIUM} (apt-get install chromium)"
        try:
            import playwright  # noqa: F401
        except ImportError:
            return "needs the playwright Python package"
    if marker == "zbar" and not shutil.which("zbarimg"):
        return "needs zbarimg to decode QR codes (apt-get install zbar-tools)"
    return None


def pytest_runtest_setup(item):
    for marker in SERVICE_MARKERS:
        if item.get_closest_marker(marker) is None:
            continue
        reason = _missing(marker)
        if reason:
            if REQUIRE_SERVICES:
                pytest.fail(f"REQUIRE_SERVICES=1 but this test {reason}", pytrace=False)
            pytest.skip(reason)


def pytest_runtest_logreport(report):
    if report.when == "call" and report.passed:
        for marker in SERVICE_MARKERS:
            if marker in report.keywords:
                _ran[marker] += 1


def pytest_sessionfinish(session, exitstatus):
    if REQUIRE_SERVICES and exitstatus == 0 and not session.config.option.collectonly:
        if session.config.option.keyword or session.config.option.markexpr:
            return  # a selection was asked for; the full-run guarantee does not apply
        idle = [m for m, count in _ran.items() if count == 0]
        if idle:
            session.config.pluginmanager.get_plugin("terminalreporter").write_line(
                f"REQUIRE_SERVICES=1 but no passing test ran for: {', '.join(idle)}", red=True
            )
            session.exitstatus = 1


@pytest.fixture(autouse=True)
def _fresh_code_cache():
    """Codes are cached per process by token; every test starts without that memory."""
    from customers.scans import code_cache_clear

    code_cache_clear()
    yield
    code_cache_clear()


@pytest.fixture
def in_english():
    """Run the test in English, so exception messages can be matched against the source strings.

    Service functions raise translated messages (the project defaults to Simplified Chinese);
    tests that check *which* error was raised match the English msgid instead of the catalogue.
    """
    with translation.override("en"):
        yield


@dataclass
class Org:
    """Two regions; region A has stores A1 and A2, region B has B1. One user per role."""

    region_a: object
    region_b: object
    store_a1: object
    store_a2: object
    store_b1: object
    hq: object
    supervisor: object
    manager: object
    assistant: object
    colleague: object
    other_store_assistant: object
    partner: object
    outsider: object

    def user(self, role: str):
        return getattr(self, role).user if role != "outsider" else self.outsider


@pytest.fixture
def org(db):
    region_a, region_b = RegionFactory(name="华东区"), RegionFactory(name="华北区")
    store_a1 = StoreFactory(region=region_a, name="徐汇店")
    store_a2 = StoreFactory(region=region_a, name="杭州店")
    store_b1 = StoreFactory(region=region_b, name="北京店")
    hq = StaffFactory(role=Role.HQ_OPERATOR, store=None, user__username="t-hq", user__is_staff=True)
    supervisor = StaffFactory(role=Role.REGION_SUPERVISOR, store=None, region=region_a, user__username="t-sup")
    manager = StaffFactory(role=Role.STORE_MANAGER, store=store_a1, user__username="t-mgr")
    assistant = StaffFactory(role=Role.ASSISTANT, store=store_a1, user__username="t-asst")
    colleague = StaffFactory(role=Role.ASSISTANT, store=store_a1, user__username="t-colleague")
    other = StaffFactory(role=Role.ASSISTANT, store=store_a2, user__username="t-other")
    StaffFactory(role=Role.ASSISTANT, store=store_b1, user__username="t-north")
    partner = PartnerFactory(store=store_a1, user=UserFactory(username="t-partner"))
    outsider = UserFactory(username="t-outsider")
    for owner in (assistant, assistant, colleague, other):
        customer = CustomerFactory(store=owner.store, owner_assistant=owner)
        OrderFactory(customer=customer)
    north = CustomerFactory(store=store_b1, owner_assistant=None)
    OrderFactory(customer=north)
    return Org(region_a, region_b, store_a1, store_a2, store_b1, hq, supervisor, manager, assistant, colleague,
               other, partner, outsider)


ROLES = ["hq", "supervisor", "manager", "assistant", "partner", "outsider"]


# --- Fake WeChat on a real localhost port; one server a session, reset for every test --------


@pytest.fixture(scope="session")
def fake_server():
    server = FakeWeChat.start(port=0)
    yield server
    server.stop()


@pytest.fixture
def fake(fake_server):
    fake_server.reset()
    yield fake_server
    fake_server.reset()


@pytest.fixture
def wechat_settings(settings, fake, db):
    """Official account and WeCom both at the fake (WeCom under its /wecom/ prefix)."""
    settings.WECHAT_API_BASE = fake.url
    settings.WECOM_API_BASE = fake.url + "wecom/"
    settings.WECHAT_HTTP_TIMEOUT = 2.0
    config = fake.state.config
    settings.WECHAT_APP_ID, settings.WECHAT_APP_SECRET = config.app_id, config.app_secret
    settings.WECOM_CORP_ID, settings.WECOM_SECRET = config.corp_id, config.corp_secret
    return settings
