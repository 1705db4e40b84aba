import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """The demo draws pictures into MEDIA_ROOT: keep the test run's out of the working tree."""
    settings.MEDIA_ROOT = tmp_path / "media"
