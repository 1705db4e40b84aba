"""Test settings: the base settings with a fast password hasher and quiet logs."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}

# Tests run tasks in process unless a test starts a real worker (those set this to 0 for it).
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)  # noqa: F405

# Job files of a test run go to a temporary folder, never into the working tree's var/private.
PRIVATE_MEDIA_ROOT = Path(env.str(  # noqa: F405
    "PRIVATE_MEDIA_ROOT", default=str(Path(tempfile.gettempdir()) / "storelink-test-private")))
