"""The invitations admin, one module per concern."""

from . import segments, tasks  # noqa: F401
