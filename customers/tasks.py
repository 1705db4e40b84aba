"""Celery tasks of the customers app. Tasks take ids, re-fetch, call one service and are harmless
when rerun (house style point 6)."""


# --- Tag rules (CUS-4) ----------------------------------------------------------------------------

from celery import shared_task  # noqa: E402


@shared_task(name="customers.tag_rules_apply_all", time_limit=30 * 60, soft_time_limit=25 * 60)
def tag_rules_apply_all() -> dict:
    """Nightly: every active tag rule adds its tag to new matches and takes it from customers who
    no longer match (set-based; rerunning changes nothing). Scheduled by migration
    ``customers/0007_profile_tag_rules_schedule``."""
    from .rules import tag_rules_apply_all as apply_all

    runs = apply_all()
    return {str(pk): {"added": r.added, "removed": r.removed, "matched": r.matched} for pk, r in runs.items()}


# --- Imports and exports (CUS-10) -----------------------------------------------------------------


# Not retried: a job claims itself (pending → running) before it starts, so a redelivered task
# finds it taken and does nothing; a failed job stays failed with its message for the user.
@shared_task(name="customers.data_job_run", ignore_result=True, time_limit=2 * 3600, soft_time_limit=2 * 3600 - 120)
def data_job_run(job_id: int) -> str | None:
    """Run one import or export job (``customers.data_jobs``); gone or not pending: nothing."""
    from .data_jobs import data_job_execute

    job = data_job_execute(job_id=job_id)
    return job.status if job is not None else None


@shared_task(name="customers.data_jobs_recover", ignore_result=True, time_limit=120, soft_time_limit=100)
def data_jobs_recover() -> dict:
    """Every 10 minutes (migration ``customers/0009_data_jobs_recover_schedule``): fail jobs whose
    worker died, queue again jobs the broker never took."""
    from .data_jobs import data_jobs_recover as recover

    return recover()
