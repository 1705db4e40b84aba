"""The customers app's admin, one module per concern (registration happens on import)."""

from . import core, data, identity, orders, privacy, profile, radar  # noqa: F401
