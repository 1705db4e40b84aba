"""Admin for profile (SPEC §4)."""
