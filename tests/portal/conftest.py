"""Browser fixtures: Debian's chromium driven by Playwright (never a downloaded browser),
one browser per test module, a fresh context (cookies) per test, on the ``gateway`` fixture."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

SCREENSHOTS_ENV = "PORTAL_SCREENSHOTS_DIR"  # e.g. docs/img: the live flow saves its pages there


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """Module scope, not session: while Playwright's sync API runs, its event loop counts as
    running in this thread, and a later test's asyncio.run() would fail."""
    from playwright.sync_api import expect, sync_playwright

    # A first check imports and builds the GX suites in the gateway (seconds on a busy
    # machine): waits are generous, the assertions are about what the page shows.
    expect.set_options(timeout=30_000)

    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.fail(
            "chromium is not installed, so the portal cannot be tested in a browser: run "
            "`make test-deps` (or `apt-get install -y chromium`) and re-run the tests"
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=binary, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser, gateway) -> Iterator:
    """A page in its own browser context (no cookies) whose relative URLs go to the gateway."""
    context = browser.new_context(
        base_url=gateway.base_url, viewport={"width": 1100, "height": 900}
    )
    context.set_default_timeout(30_000)
    try:
        yield context.new_page()
    finally:
        context.close()
