import os
import shutil

import pytest
from django.db import connections

from ..conftest import CHROMIUM

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ARTIFACTS = os.environ.get("TEST_ARTIFACTS", "test-artifacts")
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": "zh-CN"}


@pytest.fixture
def browser(monkeypatch):
    # Playwright's sync API runs an event loop; Django must allow ORM calls from this thread.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    yield page
    context.close()
    # ORM calls made while Playwright runs get their own connection (it switches greenlets, and
    # with them the context Django keys connections on); close it before the database goes.
    connections.close_all()


SHOTS = os.environ.get("TEST_SHOTS", "")  # also put the pictures here (for a person to look at)


def screenshot(page, name: str) -> None:
    os.makedirs(ARTIFACTS, exist_ok=True)
    path = os.path.join(ARTIFACTS, f"{name}.png")
    page.screenshot(path=path, full_page=True)
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        shutil.copy(path, SHOTS)


def fits_the_phone(page) -> bool:
    """Nothing wider than the phone: no sideways scrolling."""
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]
