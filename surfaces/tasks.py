from celery import shared_task
from django.core.management import call_command


@shared_task(name="surfaces.sessions_clear", time_limit=600)
def sessions_clear():
    """Delete expired sign-in sessions (scheduled daily; harmless to run again)."""
    call_command("clearsessions")
