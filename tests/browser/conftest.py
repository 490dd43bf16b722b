"""Playwright driving Debian's Chromium (never a downloaded browser), against pytest-django's live server.

Every page a journey visits is checked with axe-core (WCAG 2.0, 2.1 and 2.2, levels A and AA), injected
from the pinned npm package by an init script (which the content security policy does not block, so the
pages are tested with the same policy users get). Any console error, such as a CSP violation, fails
the test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PASSWORD = "a long enough password 1"


@pytest.fixture
def browser(monkeypatch):
    """Chromium for one journey. Playwright's sync API keeps an event loop running in this thread while it is
    open, so Django's guard against ORM calls from async code is lifted until it closes (the journeys' own
    ORM calls, and the live server's database set-up, are ordinary synchronous code). Per journey, not per
    session, so that the rest of the suite runs with the guard in place."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's Chromium is not installed (apt-get install chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` (axe-core is a pinned dev dependency)")
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1200, "height": 900})
    context.add_init_script(path=str(AXE))
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []

    def on_console(message):
        url = (message.location or {}).get("url", "")
        # No icon is served; a page refused or not found is the journey's own assertion. A missing static file,
        # a script error or a CSP violation is not expected anywhere.
        refused_page = message.text.startswith("Failed to load resource") and "/static/" not in url
        expected = url.endswith("/favicon.ico") or refused_page
        if message.type == "error" and not expected:
            errors.append(f"{message.text} ({url})")

    page.on("console", on_console)
    yield page
    context.close()
    assert not errors, f"console errors (a CSP violation?): {errors}"
