"""Liveness (/healthz) and readiness (/readyz) for load balancers and orchestrators."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request):
    """The process is alive and serving requests. Touches nothing else on purpose."""
    return JsonResponse({"status": "ok"})


def _check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"; the reason is reported
        return f"database unreachable: {exc.__class__.__name__}: {exc}".strip()
    return None


def _check_broker() -> str | None:
    url = settings.CELERY_BROKER_URL
    if settings.CELERY_TASK_ALWAYS_EAGER and url.startswith("memory://"):
        return None  # embedded default: tasks run in process, there is no broker to reach
    try:
        from config.celery import app

        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            if conn.transport_cls in ("redis", "rediss"):
                conn.default_channel.client.ping()
    except Exception as exc:  # noqa: BLE001
        return f"broker unreachable: {exc.__class__.__name__}: {exc}".strip()
    return None


@never_cache
def readyz(request):
    """Ready to take traffic: the database and the Celery broker answer. 503 with reasons if not."""
    problems = [p for p in (_check_database(), _check_broker()) if p]
    if problems:
        return JsonResponse({"status": "unavailable", "problems": problems}, status=503)
    return JsonResponse({"status": "ok"})
