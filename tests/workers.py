"""Real Celery workers for the tests that are about tasks: a ``celery worker`` process against the
test database and Redis, and this process publishing to a queue only that worker reads."""

import os
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection

from .conftest import REDIS_URL

ROOT = Path(__file__).resolve().parents[1]
HTTP_TIMEOUT = 1.5


def wait_until(condition, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return bool(condition())


class Worker:
    """``celery worker`` on a private queue, with the settings a deployment would give it."""

    def __init__(self, fake, queue: str, *args: str, http_timeout: float = HTTP_TIMEOUT, **env):
        s = connection.settings_dict
        self.log = tempfile.NamedTemporaryFile("w+", prefix="outbox-worker-", suffix=".log", delete=False)
        environment = {
            **os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}",
            "REDIS_URL": REDIS_URL, "CELERY_TASK_ALWAYS_EAGER": "0", "WECHAT_MODE": "fake",
            "WECHAT_API_BASE": fake.url, "WECOM_API_BASE": fake.url + "wecom/",
            "WECHAT_APP_ID": fake.state.config.app_id, "WECHAT_APP_SECRET": fake.state.config.app_secret,
            "WECHAT_HTTP_TIMEOUT": str(http_timeout), **env,
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue, "--without-gossip",
             "--without-mingle", "--without-heartbeat", "-l", "INFO", *args],
            cwd=ROOT, env=environment, stdout=self.log, stderr=subprocess.STDOUT, text=True)
        assert wait_until(lambda: "ready." in self.output() or self.process.poll() is not None, 60), self.output()
        assert self.process.poll() is None, f"the worker did not start:\n{self.output()}"

    def output(self) -> str:
        return Path(self.log.name).read_text()

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        output = self.output()
        os.unlink(self.log.name)
        return output


@pytest.fixture
def redis_clean():
    """No token, quota pause or rate counter of an earlier test in the worker's cache (Redis)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(match="*wechat*"):
        client.delete(key)
    yield client
    for key in client.scan_iter(match="*wechat*"):
        client.delete(key)


@contextmanager
def publishing_to(queue: str, *prefixes: str, broker_url: str = REDIS_URL):
    """Tasks whose names start with ``prefixes`` (``"wechat."``) go to Redis (``broker_url``) on
    ``queue`` instead of running in process; the app's settings come back afterwards."""
    from config.celery import app

    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url", "task_routes")}

    def use(**conf):
        app.conf.update(conf)
        app._pool = None
        app.amqp._producer_pool = None
        app.amqp.flush_routes()
        app.amqp.__dict__.pop("router", None)

    use(task_always_eager=False, broker_url=broker_url,
        task_routes={f"{prefix}*": {"queue": queue} for prefix in prefixes})
    try:
        yield queue
    finally:
        use(**saved)
