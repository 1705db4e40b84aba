"""Admin for privacy (SPEC §4)."""
