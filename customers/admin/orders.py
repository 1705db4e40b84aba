"""Admin for orders (SPEC §4)."""
