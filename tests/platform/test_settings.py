"""Production settings come from the environment and pass Django's deployment checks."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "x" * 20 + "-production-secret-for-the-check-only-0123456789",
    "DATABASE_URL": "postgres://app:secret@db:5432/storelink",
    "REDIS_URL": "redis://redis:6379/0",
    "ALLOWED_HOSTS": "shop.example.com",
    "WECHAT_MODE": "real",
    "WECHAT_APP_ID": "wx123",
    "WECHAT_APP_SECRET": "secret",
    "WECHAT_TOKEN": "token",
}


def manage(*args, env):
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV and k != "DEBUG"}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env},
                          capture_output=True, text=True, timeout=120)


def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_sqlite():
    result = manage("check", env={**PRODUCTION_ENV, "DATABASE_URL": "sqlite:///tmp.db"})
    assert result.returncode != 0
    assert "PostgreSQL" in result.stderr


def test_embedded_default_needs_no_configuration():
    from django.conf import settings

    # The test run itself uses the embedded default unless CI points it at PostgreSQL.
    assert settings.WECHAT_MODE == "fake"
    assert settings.CELERY_TASK_ALWAYS_EAGER is True
