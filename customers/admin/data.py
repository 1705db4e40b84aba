"""Admin for data (SPEC §4)."""
