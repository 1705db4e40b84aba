class InvitationError(Exception):
    """A refused invitation action; the message (gettext) is shown to the user as it is."""

    def __init__(self, message, *, customers: list[int] | None = None):
        super().__init__(message)
        # The customers the refusal is about (e.g. already inviting, owner outside the store).
        self.customers = customers or []
