"""Celery for real: a worker on Redis runs a task; the embedded default's scheduler runs jobs.

Both start separate processes that share the test database, so they need PostgreSQL (an
in-memory SQLite test database is private to this process).
"""

import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from celery import Celery
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from ..conftest import REDIS_URL

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def shared_database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def spawn(args, **extra_env):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": shared_database_url(),
           **extra_env}
    return subprocess.Popen([sys.executable, "-m", "celery", "-A", "config", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def stop(process) -> str:
    process.terminate()
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output


def expired_session() -> str:
    key = uuid.uuid4().hex
    Session.objects.create(session_key=key, session_data="", expire_date=timezone.now() - timedelta(days=1))
    return key


def wait_until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    return False


@pytest.mark.redis
def test_a_worker_on_redis_runs_a_queued_task():
    key = expired_session()
    queue = f"test-{uuid.uuid4().hex[:8]}"  # private queue: no other worker can take the task
    worker = spawn(["worker", "-P", "solo", "-Q", queue, "--without-gossip", "--without-mingle",
                    "--without-heartbeat", "-l", "INFO"], REDIS_URL=REDIS_URL, CELERY_TASK_ALWAYS_EAGER="0")
    try:
        # A separate app that only publishes; it must not become the current app of this process.
        sender = Celery(broker=REDIS_URL, set_as_current=False)
        sender.send_task("surfaces.sessions_clear", queue=queue)
        done = wait_until(lambda: not Session.objects.filter(session_key=key).exists(), 45)
    finally:
        log = stop(worker)
    assert done, f"the worker did not run the task:\n{log[-3000:]}"
    assert "surfaces.sessions_clear" in log


def test_embedded_default_runs_scheduled_jobs_without_a_broker():
    """No Redis: the scheduler process runs due jobs itself (tasks run in process)."""
    key = expired_session()
    every_second, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(name="test: clear sessions", task="surfaces.sessions_clear", interval=every_second)
    beat = spawn(["beat", "-l", "INFO", "-s", "/dev/null"], CELERY_TASK_ALWAYS_EAGER="1", REDIS_URL="")
    try:
        done = wait_until(lambda: not Session.objects.filter(session_key=key).exists(), 45)
    finally:
        log = stop(beat)
    assert done, f"the scheduler did not run the job:\n{log[-3000:]}"
    assert PeriodicTask.objects.get(name="test: clear sessions").total_run_count >= 1
