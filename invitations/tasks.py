"""Celery tasks of the invitations app. Tasks take ids, re-fetch, call one service and are harmless
when rerun (house style point 6)."""

from celery import shared_task


# --- Segments (INV-2) ------------------------------------------------------------------------------


@shared_task(name="invitations.segments_compute", time_limit=30 * 60, soft_time_limit=25 * 60)
def segments_compute() -> dict:
    """Nightly: every custom segment head office offers is recomputed into its members (set-based;
    rerunning gives the same members). Scheduled by migration ``invitations/0002_default_segments``."""
    from .segments import custom_segments_compute

    return custom_segments_compute()
