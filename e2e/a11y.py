"""Accessibility checks with the vendored axe-core (WCAG 2.0/2.1, levels A and AA)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE_PATH = Path(__file__).parent / "vendor" / "axe.min.js"
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")


@cache
def _axe_source() -> str:
    return AXE_PATH.read_text(encoding="utf-8")


def run_axe(page: Page, *, context: str | None = None) -> dict[str, Any]:
    """Inject axe-core into the page (once) and return axe's results object."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, not an inline <script> tag: the pages' CSP
        # forbids inline script (and e2e/conftest.py fails a test on any CSP violation).
        page.evaluate("() => {\n" + _axe_source() + "\n}")
    options = {"runOnly": {"type": "tag", "values": list(WCAG_TAGS)}, "resultTypes": ["violations"]}
    result: dict[str, Any] = page.evaluate(
        "([context, options]) => window.axe.run(context || document, options)",
        [context, options],
    )
    return result


def format_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact')}): {violation['help']}"
            f" [{violation.get('helpUrl', '')}]"
        )
        for node in violation["nodes"][:5]:
            target = " ".join(str(part) for part in node.get("target", []))
            lines.append(f"    at {target}: {node.get('failureSummary', '').splitlines()[-1:]}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    ... and {len(violation['nodes']) - 5} more elements")
    return "\n".join(lines)


def assert_accessible(page: Page, *, context: str | None = None) -> None:
    """Fail with a readable list when axe finds WCAG 2.1 A/AA violations on the page."""
    violations = run_axe(page, context=context)["violations"]
    if violations:
        raise AssertionError(
            f"axe found {len(violations)} accessibility violation(s) on {page.url}:\n"
            + format_violations(violations)
        )
