"""Self-tests of the browser harness: axe finds violations, the TOTP helper matches allauth."""

import pytest
from allauth.mfa.totp.internal.auth import validate_totp_code
from playwright.sync_api import Page

from conftest import TOTP_SECRET
from e2e.a11y import assert_accessible, run_axe
from e2e.totp import current_totp

pytestmark = pytest.mark.e2e

BROKEN_PAGE = """<!doctype html><html><head><title>x</title></head><body><main>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><input type="text">
</main></body></html>"""
GOOD_PAGE = """<!doctype html><html lang="de"><head><title>Gut</title></head><body><main>
<h1>Gut</h1><label for="q">Suche</label><input id="q" type="search">
</main></body></html>"""


def test_axe_reports_violations(page: Page) -> None:
    page.set_content(BROKEN_PAGE)
    ids = {violation["id"] for violation in run_axe(page)["violations"]}
    assert {"image-alt", "label", "html-has-lang"} <= ids
    with pytest.raises(AssertionError, match="image-alt"):
        assert_accessible(page)


def test_axe_passes_a_clean_page(page: Page) -> None:
    page.set_content(GOOD_PAGE)
    assert_accessible(page)


def test_totp_helper_matches_allauth() -> None:
    assert validate_totp_code(TOTP_SECRET, current_totp(TOTP_SECRET))
