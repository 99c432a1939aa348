"""The Content Security Policy is sent, the pages work under it, and the harness sees breaches."""

import re

from playwright.sync_api import Page, expect

from e2e import conftest as harness
from e2e.a11y import assert_accessible


def test_pages_send_the_policy_and_axe_still_runs(page: Page, base_url: str) -> None:
    response = page.goto(f"{base_url}/accounts/login/")
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert_accessible(page)  # axe is injected around the policy, not through an inline tag


def test_an_inline_script_is_blocked_and_reported(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.evaluate(
        """() => { const s = document.createElement('script');
        s.textContent = 'document.body.dataset.inline = "ran"'; document.body.append(s); }"""
    )
    expect(page.locator("body")).not_to_have_attribute("data-inline", "ran")
    page.wait_for_timeout(200)
    seen = list(harness._CSP_VIOLATIONS)
    harness._CSP_VIOLATIONS.clear()  # expected here; the autouse check must not fail this test
    assert any(re.search(r"inline script", line, re.I) for line in seen), seen
