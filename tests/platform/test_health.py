import json
import os
import subprocess
import sys
from pathlib import Path

from django.test import override_settings

ROOT = Path(__file__).resolve().parents[2]


def test_healthz_answers_without_touching_anything(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_is_ok_when_database_and_broker_answer(client, db):
    response = client.get("/readyz")
    assert response.status_code == 200, response.content


def test_readyz_reports_an_unreachable_broker_with_503(client, db):
    from config.celery import app

    # Port 9 (discard) has nothing listening here: a real refused connection, not a mock.
    with override_settings(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL="redis://127.0.0.1:9/0"):
        original, app.conf.broker_url = app.conf.broker_url, "redis://127.0.0.1:9/0"
        try:
            response = client.get("/readyz")
        finally:
            app.conf.broker_url = original
    assert response.status_code == 503
    assert "broker unreachable" in response.json()["problems"][0]


def test_readyz_reports_an_unreachable_database_with_503():
    """A real refused connection: a process configured with a database nobody listens for."""
    script = (
        "import django, json; django.setup(); from django.test import Client; "
        "r = Client().get('/readyz'); print(r.status_code, json.dumps(r.json()))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test",
           "DATABASE_URL": "postgres://nobody@127.0.0.1:9/none"}
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60)
    status, body = result.stdout.strip().split(" ", 1)
    assert status == "503", result.stderr
    assert "database unreachable" in json.loads(body)["problems"][0]
