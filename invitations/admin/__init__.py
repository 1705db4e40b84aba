"""The invitations admin, one module per concern."""

from . import daily, segments, tasks  # noqa: F401
