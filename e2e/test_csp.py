"""The Content Security Policy is sent, the pages work under it, and the harness sees breaches."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from conftest import make_staff
from e2e import conftest as harness
from e2e.a11y import assert_accessible
from e2e.conftest import log_in
from kc.cases.tests.factories import CaseFactory, QueueFactory
from kc.core import roles


def test_pages_send_the_policy_and_axe_still_runs(page: Page, base_url: str) -> None:
    response = page.goto(f"{base_url}/accounts/login/")
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert_accessible(page)  # axe is injected around the policy, not through an inline tag


def test_an_inline_script_is_blocked_and_reported(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    # The browser posts the violation to the policy's report-uri, and the server takes it.
    with page.expect_response(lambda r: r.url.endswith("/csp-report")) as report:
        page.evaluate(
            """() => { const s = document.createElement('script');
            s.textContent = 'document.body.dataset.inline = "ran"'; document.body.append(s); }"""
        )
    assert report.value.status == 204
    assert "script-src" in (report.value.request.post_data or "")
    expect(page.locator("body")).not_to_have_attribute("data-inline", "ran")
    page.wait_for_timeout(200)
    seen = list(harness._CSP_VIOLATIONS)
    harness._CSP_VIOLATIONS.clear()  # expected here; the autouse check must not fail this test
    assert any(re.search(r"inline script", line, re.I) for line in seen), seen


@pytest.mark.django_db(transaction=True)
def test_presence_poll_still_says_when_the_agent_is_typing(page: Page, base_url: str) -> None:
    """The "composing" flag comes from kc.js now (it was an eval'd hx-vals expression)."""
    make_staff("agent", roles.AGENT)
    case = CaseFactory(queue=QueueFactory(), subject="Zählerstand")
    log_in(page, base_url, "agent", check_a11y=False)
    page.goto(f"{base_url}{reverse('cases:detail', args=[case.number])}")
    page.locator("#id_text").fill("Ich schreibe gerade.")
    presence = reverse("cases:presence", args=[case.number])
    with page.expect_request(lambda r: r.method == "POST" and r.url.endswith(presence)) as poll:
        page.evaluate(
            "() => { const p = document.getElementById('presence');"
            " htmx.ajax('POST', p.getAttribute('hx-post'), {source: p, target: p}); }"
        )
    assert "composing=1" in (poll.value.post_data or "")
