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


# --- Group send through WeCom (INV-6) ---------------------------------------------------------------
# No countdowns: a send or a result check waiting for its time waits in its ``GroupSend`` row
# (``next_attempt_at``) and the dispatcher hands it over when due, so Redis' visibility timeout
# never re-delivers a wait and a task lost with the broker loses nothing. Every step is claimed
# on the row first: a duplicate or redelivered task does nothing (see ``invitations.group_send``).


# One send (an API call, two with a refused token, and a token fetch) and one result check (the
# same): six HTTP timeouts at most, well inside these limits and the sending lease (10 min).
@shared_task(name="invitations.group_send_step", ignore_result=True, time_limit=120, soft_time_limit=90)
def group_send_step(group_send_id: int) -> str | None:
    """Make the row's WeCom group message if it is due, then check its result if that is due
    (at once after sending: WeCom may know it already)."""
    from .group_send import group_send_check, group_send_deliver

    sent = group_send_deliver(group_send_id=group_send_id)
    checked = group_send_check(group_send_id=group_send_id)
    return checked or sent


@shared_task(name="invitations.group_sends_dispatch_due", ignore_result=True, time_limit=300,
             soft_time_limit=280)
def group_sends_dispatch_due() -> int:
    """Every minute (registered by migration ``invitations/0006_group_send_schedule``): sends whose
    worker vanished end as uncertain, due sends, retries and result checks go to workers."""
    from .group_send import group_sends_dispatch_due as dispatch_due

    return dispatch_due()
