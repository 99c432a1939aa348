"""A keyboard-only walk through the customer portal (issue 8 point 7): Tab, Shift+Tab, Enter
and typing, never the mouse. On every page the skip link is the first stop and takes focus to
the main content; every stop shows where the focus is."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TypedDict

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from e2e.a11y import assert_accessible
from e2e.test_portal_pages import build_customer, reference_data
from e2e.totp import current_totp
from kc.portal.tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MAX_STOPS = 80


class Focus(TypedDict):
    tag: str
    id: str
    name: str
    href: str
    visible: bool
    style: str


FOCUS_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) {
    return {tag: 'body', id: '', name: '', href: '', visible: false, style: 'nothing focused'};
  }
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow !== 'none' && style.boxShadow !== '';
  const label = el.labels && el.labels.length ? el.labels[0].textContent : '';
  const name = (el.getAttribute('aria-label') || label || el.textContent || el.value || '');
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id,
    name: name.replace(/\\s+/g, ' ').trim(),
    href: el.getAttribute('href') || '',
    visible: outline || shadow,
    style: `outline ${style.outlineStyle} ${style.outlineWidth}, box-shadow ${style.boxShadow}`,
  };
}"""


def focus(page: Page) -> Focus:
    info: Focus = page.evaluate(FOCUS_JS)
    return info


def press(page: Page, key: str) -> Focus:
    """Press a key that moves the focus, and insist the focus can be seen where it lands."""
    page.keyboard.press(key)
    info = focus(page)
    assert info["visible"], f"focus not visible after {key} on {page.url}: {info}"
    return info


def tab_to(page: Page, matches: Callable[[Focus], bool], *, back: bool = False) -> Focus:
    """Tab (or Shift+Tab) until the focused element matches; every stop must show focus."""
    stops = []
    for _ in range(MAX_STOPS):
        info = press(page, "Shift+Tab" if back else "Tab")
        if matches(info):
            return info
        stops.append(f"{info['tag']} {info['name'][:40]!r}")
    raise AssertionError(f"not reached by keyboard on {page.url}; stops: {stops}")


def named(pattern: str) -> Callable[[Focus], bool]:
    return lambda info: re.search(pattern, info["name"]) is not None


def skip_to_main(page: Page) -> None:
    """The first Tab on a fresh page lands on the skip link; Enter moves focus to main."""
    first = press(page, "Tab")
    assert first["href"] == "#main", f"the first stop on {page.url} is not the skip link: {first}"
    assert first["name"] == "Zum Inhalt springen"
    page.keyboard.press("Enter")
    assert focus(page)["id"] == "main", f"the skip link left focus on {focus(page)}"


def test_keyboard_only_walk_through_the_portal(page: Page, base_url: str) -> None:
    reference_data()
    me = build_customer(totp=True, last_name="Tastatur")
    assert me.totp_secret is not None

    # Login: skip link, then the form, sent with Enter.
    page.goto(f"{base_url}{reverse('portal:login')}")
    skip_to_main(page)
    assert press(page, "Tab")["name"].startswith("E-Mail-Adresse")
    page.keyboard.type(me.user.email)
    assert press(page, "Tab")["name"].startswith("Passwort")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")

    # The second factor, the same way.
    expect(page).to_have_url(re.compile(r"/portal/anmelden/code/"))
    skip_to_main(page)
    assert press(page, "Tab")["name"].startswith("Bestätigungscode")
    page.keyboard.type(current_totp(me.totp_secret))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Willkommen")

    # Overview -> "Rechnungen und Briefe" in the portal navigation.
    skip_to_main(page)
    tab_to(page, named(r"^Rechnungen und Briefe$"), back=True)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Rechnungen und Briefe")
    expect(page.get_by_role("link", name="Rechnungen und Briefe")).to_have_attribute(
        "aria-current", "page"
    )

    # An invoice PDF, by keyboard: a download that is a PDF.
    skip_to_main(page)
    tab_to(page, named(rf"^PDF herunterladen {re.escape(me.invoice.number)}$"))
    with page.expect_download() as download_info:
        page.keyboard.press("Enter")
    download = download_info.value
    assert download.suggested_filename == f"{me.letter.number}.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF-")

    # Back up into the navigation: the security page.
    tab_to(page, named(r"^Anmeldung und Sicherheit$"), back=True)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmeldung und Sicherheit")
    expect(page.get_by_role("cell", name="Angemeldet").first).to_be_visible()
    assert_accessible(page)

    # Log out with the button in the header.
    skip_to_main(page)
    tab_to(page, named(r"^Abmelden$"), back=True)
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Sie sind abgemeldet")
    expect(page).to_have_url(re.compile(r"/portal/anmelden/$"))
    skip_to_main(page)  # and the login page starts with the skip link again
