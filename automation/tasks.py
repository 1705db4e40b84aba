"""Celery tasks of automation: take ids or nothing, call one service, harmless when rerun.
Scheduled by migration ``automation/0002_builtin_journeys`` (django-celery-beat, hourly)."""

from celery import shared_task


@shared_task(name="automation.journeys_run", ignore_result=True, time_limit=3300, soft_time_limit=3200)
def journeys_run() -> int:
    """Hourly: each active journey whose send hour has come today and that has not finished a run
    today, one after another in this task: a journey then sees the marketing messages the journeys
    before it queued (the contact cap's "on its way"), so two journeys of one hour never both
    message one customer. Returns how many ran."""
    from .models import Journey
    from .services import journey_run as run
    from .services import journeys_due

    due = journeys_due()
    for journey in Journey.objects.filter(pk__in=due).order_by("pk"):
        run(journey=journey)
    return len(due)


@shared_task(name="automation.journey_run", ignore_result=True, time_limit=1800, soft_time_limit=1700)
def journey_run(journey_id: int, at: str | None = None) -> dict | None:
    """One journey's run now, or at the moment ``at`` (ISO 8601; a replay for that day): twice, or at
    the same moment as another, sends nothing twice."""
    from datetime import datetime

    from .models import Journey
    from .services import journey_run as run

    journey = Journey.objects.filter(pk=journey_id).first()
    if journey is None:
        return None
    result = run(journey=journey, now=datetime.fromisoformat(at) if at else None)
    return None if result is None else {"matched": result.matched, "acted": result.acted, "capped": result.capped,
                                        "skipped": result.skipped}
