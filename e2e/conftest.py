"""Browser test fixtures: Playwright for Python driving Debian's chromium.

Never `playwright install`: we launch /usr/bin/chromium (apt-get install chromium) through
`executable_path`. `make test-e2e` installs it when missing and we are root; otherwise the
browser tests are skipped.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from conftest import STAFF_PASSWORD, TOTP_SECRET
from e2e.totp import current_totp

CHROMIUM = os.environ.get("KC_CHROMIUM", "/usr/bin/chromium")
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
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-results"
E2E_DIR = Path(__file__).resolve().parent
TIMEOUT_MS = 10_000

expect.set_options(timeout=TIMEOUT_MS)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test under e2e/ is a browser test, marked or not."""
    for item in items:
        if E2E_DIR in item.path.parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    report = yield
    if report.when == "call":
        item.stash[_FAILED] = report.failed
    return report


_FAILED = pytest.StashKey[bool]()


def _chromium_or_skip() -> str:
    if Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    found = shutil.which("chromium")
    if found:
        return found
    if os.geteuid() == 0:
        pytest.fail(
            f"{CHROMIUM} is missing: run `make test-e2e` (installs it) or"
            " `apt-get install -y chromium fonts-dejavu-core`"
        )
    pytest.skip(f"{CHROMIUM} is missing and we are not root to install it")


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    # Playwright's sync API keeps an event loop in this thread; the test's own ORM calls are
    # still synchronous, so Django's async guard is lifted for the browser tests only.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as pw:
            yield pw
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    executable = _chromium_or_skip()
    browser = playwright.chromium.launch(
        executable_path=executable, headless=True, args=CHROMIUM_ARGS, timeout=30_000
    )
    _watch_csp(browser)
    yield browser
    browser.close()


# Content Security Policy violations seen by any page of any context in the current test.
_CSP_VIOLATIONS: list[str] = []


def _watch_csp(browser: Browser) -> None:
    """Every context a test opens (fixture or its own) reports CSP violations to the list."""
    new_context = browser.new_context

    def watched(*args: Any, **kwargs: Any) -> BrowserContext:
        context = new_context(*args, **kwargs)
        context.on("page", _watch_page)
        return context

    browser.new_context = watched  # type: ignore[method-assign]


def _watch_page(page: Page) -> None:
    def seen(text: str) -> None:
        if "Content Security Policy" in text:
            _CSP_VIOLATIONS.append(f"{page.url}: {text}")

    page.on("console", lambda message: seen(message.text))
    page.on("pageerror", lambda error: seen(str(error)))


@pytest.fixture(autouse=True)
def _no_csp_violations() -> Iterator[None]:
    _CSP_VIOLATIONS.clear()
    yield
    assert not _CSP_VIOLATIONS, "Content Security Policy violations:\n" + "\n".join(_CSP_VIOLATIONS)


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(
        locale="de-DE", timezone_id="Europe/Berlin", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    if request.node.stash.get(_FAILED, False):
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        (ARTIFACTS / f"{name}.html").write_text(page.content(), encoding="utf-8")
    close_quietly(context)


def close_quietly(context: BrowserContext) -> None:
    """Stop the pages' polling (htmx timers) and give a request already on its way time to
    finish in the live server, before the test database is flushed under it (SQLite then
    reports "database table is locked" and the next test starts with this one's rows)."""
    for open_page in context.pages:
        open_page.goto("about:blank")
    time.sleep(0.5)
    context.close()


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Login rate limits and allauth's used-TOTP-code marks live in the (process-wide)
    cache; start each browser test without those of the previous one."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def base_url(live_server) -> str:  # type: ignore[no-untyped-def]
    return str(live_server.url)


def log_in(page: Page, base_url: str, username: str, *, check_a11y: bool = True) -> None:
    """Log in through the real pages: password, then the TOTP second factor."""
    from e2e.a11y import assert_accessible

    page.goto(f"{base_url}/accounts/login/")
    if check_a11y:
        assert_accessible(page)
    page.locator("input[name=login]").fill(username)
    password = page.locator("input[name=password]")
    password.fill(STAFF_PASSWORD)
    password.press("Enter")
    code = page.locator("input[name=code]")
    expect(code).to_be_visible()
    if check_a11y:
        assert_accessible(page)
    code.fill(current_totp(TOTP_SECRET))
    code.press("Enter")
    expect(page).not_to_have_url(re.compile(r"/accounts/"))
