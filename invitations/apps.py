from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvitationsConfig(AppConfig):
    name = "invitations"
    verbose_name = _("Customer invitation")

    def ready(self):
        from customers.merges import merge_participant_register

        from .merges import entries_end_for_merged, entries_restart

        merge_participant_register("invitations", entries_end_for_merged, entries_restart)
