"""What invitations do when two customers of one person are merged (``customers.merges``): a
running entry that could not move to the survivor (it has its own in a running task) is ended, so
no assistant's to-do shows the merged record; undoing the merge starts it again while its task
still runs."""

from .models import InvitationEntry, InvitationTask


def entries_end_for_merged(merged) -> list[int]:
    pks = list(InvitationEntry.objects.filter(customer=merged, active=True).values_list("pk", flat=True))
    InvitationEntry.objects.filter(pk__in=pks).update(active=False)
    return pks


def entries_restart(pks: list[int]) -> None:
    InvitationEntry.objects.filter(pk__in=pks, task__status=InvitationTask.Status.RUNNING).update(active=True)
