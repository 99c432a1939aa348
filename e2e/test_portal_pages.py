"""The customer portal in the browser (issue 8 point 7): every portal page through axe-core in
a desktop and a phone viewport (and no sideways scrolling on the phone), form errors that are
announced, and the core flows without JavaScript. The keyboard-only walkthrough is in
test_portal_keyboard.py.

The walk over the logged-in pages is built from the URL resolver, so a page added to the
portal namespace is checked the day it lands. An id kwarg this file does not know fails the
walk until IDS says where the customer's own object of that kind is."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.tokens import default_token_generator
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import Browser, BrowserContext, Page, expect

from e2e.a11y import assert_accessible
from e2e.conftest import TIMEOUT_MS
from e2e.totp import current_totp
from kc.appointments.models import Booking
from kc.appointments.tests.factories import future_booking
from kc.billing import invoices
from kc.billing.models import Invoice, TariffOffer
from kc.cases import portal_messages
from kc.cases.models import Case
from kc.cases.tests.factories import QueueFactory
from kc.core.models import User
from kc.core.numbers import ensure_base_ranges
from kc.customers.models import BusinessPartner, ContractAccount
from kc.disconnection import chain
from kc.funding.models import FundingApplication, FundingCategory
from kc.funding.tests import factories as funding_factories
from kc.letters import services as letter_services
from kc.letters.models import Letter
from kc.payments import ledger
from kc.payments.models import Creditor, SepaMandate
from kc.payments.tests.factories import creditor
from kc.portal.tests.factories import PASSWORD, customer, invoiced_account, portal_login
from kc.supply.models import Contract, Register

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@dataclass(frozen=True)
class Viewport:
    name: str
    width: int
    height: int
    mobile: bool


DESKTOP = Viewport("desktop", 1280, 900, mobile=False)
PHONE = Viewport("phone", 390, 844, mobile=True)
VIEWPORTS = [pytest.param(DESKTOP, id="desktop"), pytest.param(PHONE, id="phone")]


# --- the customer and the log-in helper --------------------------------------------------


@dataclass
class Customer:
    partner: BusinessPartner
    user: User
    account: ContractAccount
    contract: Contract
    register: Register
    invoice: Invoice
    letter: Letter
    case: Case
    mandate: SepaMandate
    totp_secret: str | None = None


def reference_data() -> None:
    """What the migrations seed and a transactional test's flush removes: number ranges,
    letter templates, and a default queue for pages that open cases."""
    ensure_base_ranges()
    invoices.ensure_number_range()
    letter_services.ensure_number_ranges()
    letter_services.ensure_default_templates()
    ledger.ensure_number_range()
    chain.ensure_number_ranges()
    QueueFactory(is_default=True)


def build_customer(*, totp: bool = False, **partner_fields: object) -> Customer:
    """A customer with data on every page: an invoiced account with a power contract, its
    meter, the invoice letter, a portal message answered by an agent, an active mandate."""
    partner = customer(**partner_fields)
    account, contract, invoice = invoiced_account(partner)
    user = portal_login(partner)
    agent = User.objects.create_user(username=f"agent-{partner.number}", password=PASSWORD)
    case = portal_messages.message_from_portal(
        partner=partner, actor=user, subject="Frage zur Rechnung", text="Warum so viel?"
    )
    portal_messages.reply_to_portal(case=case, text="Ihr Verbrauch ist gestiegen.", actor=agent)
    mandate = SepaMandate.objects.create(
        account=account,
        creditor=Creditor.objects.first() or creditor(),
        reference=f"KC-{account.number}-001",
        iban=account.iban,
        bic=account.bic,
        account_holder=account.account_holder,
        signed_on=datetime.date(2025, 1, 10),
        origin=SepaMandate.Origin.PAPER,
    )
    if totp:
        TOTP.activate(user, TOTP_SECRET)
    letter = Letter.objects.get(partner=partner, number=invoice.letter_number)
    assert letter.pdf, "the invoice letter has no PDF: is there a letterhead?"
    return Customer(
        partner=partner,
        user=user,
        account=account,
        contract=contract,
        register=Register.objects.get(meter__market_location=contract.market_location),
        invoice=invoice,
        letter=letter,
        case=case,
        mandate=mandate,
        totp_secret=TOTP_SECRET if totp else None,
    )


def portal_log_in(page: Page, base_url: str, who: Customer, *, check_a11y: bool = False) -> None:
    """Log a customer in through the real login page, and the code page when they have TOTP."""
    page.goto(f"{base_url}{reverse('portal:login')}")
    if check_a11y:
        assert_accessible(page)
    page.get_by_label("E-Mail-Adresse").fill(who.user.email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden", exact=True).click()
    if who.totp_secret is not None:
        expect(page).to_have_url(re.compile(r"/portal/anmelden/code/"))
        if check_a11y:
            assert_accessible(page)
        page.get_by_label("Bestätigungscode").fill(current_totp(who.totp_secret))
        page.get_by_role("button", name="Bestätigen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Willkommen")


def new_context(browser: Browser, viewport: Viewport, *, javascript: bool = True) -> BrowserContext:
    context = browser.new_context(
        locale="de-DE",
        timezone_id="Europe/Berlin",
        viewport={"width": viewport.width, "height": viewport.height},
        is_mobile=viewport.mobile,
        has_touch=viewport.mobile,
        java_script_enabled=javascript,
        accept_downloads=True,
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context


@pytest.fixture
def viewport_page(browser: Browser, viewport: Viewport) -> Iterator[Page]:
    """A page in the test's viewport (`viewport` is parametrized by the test)."""
    context = new_context(browser, viewport)
    yield context.new_page()
    context.close()


# --- walking the resolver ----------------------------------------------------------------

# Which object each id kwarg of a portal URL names, and where the customer's own one is.
IDS: dict[str, Callable[[Customer], int]] = {
    "contract_id": lambda c: c.contract.pk,
    "account_id": lambda c: c.account.pk,
    "register_id": lambda c: c.register.pk,
    "case_id": lambda c: c.case.pk,
    "mandate_id": lambda c: c.mandate.pk,
    "invoice_id": lambda c: c.invoice.pk,
    "letter_id": lambda c: c.letter.pk,
    "offer_id": lambda c: tariff_offer(c).pk,
    "booking_id": lambda c: consultation_booking(c).pk,
    "application_id": lambda c: funding_application(c).pk,
}


def funding_application(who: Customer) -> FundingApplication:
    """A funding application of the customer (made when a page needs one)."""
    found = FundingApplication.objects.filter(partner=who.partner).first()
    if found is not None:
        return found
    category = FundingCategory.objects.filter(key="heat_pump").first()
    return funding_factories.apply(who.contract, category or funding_factories.category())


def consultation_booking(who: Customer) -> Booking:
    """A coming consultation appointment of the customer (booked when a page needs one)."""
    return Booking.objects.filter(partner=who.partner).first() or future_booking(who.partner)


def tariff_offer(who: Customer) -> TariffOffer:
    """An open tariff offer for the customer's contract (made when a page needs one)."""
    offer = TariffOffer.objects.filter(contract=who.contract).first()
    return offer or TariffOffer.objects.create(
        partner=who.partner,
        contract=who.contract,
        tariff=who.contract.tariff,
        consumption=Decimal("3500"),
        annual_gross=Decimal("1150.00"),
        valid_until=timezone.localdate() + datetime.timedelta(days=28),
    )


# Pages whose string kwargs are one-time tokens: visited logged out with real tokens.
TOKEN_PAGES = {"verify", "reset_confirm"}


def portal_patterns() -> Iterator[tuple[str, URLPattern]]:
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == "portal":
            for pattern in entry.url_patterns:
                assert isinstance(pattern, URLPattern)
                yield str(pattern.name), pattern


def customer_urls(who: Customer) -> list[str]:
    """Every portal URL filled with this customer's own ids (token pages left out)."""
    urls = []
    for name, pattern in portal_patterns():
        keys = list(pattern.pattern.regex.groupindex)
        if name in TOKEN_PAGES:
            continue
        unknown = [key for key in keys if key not in IDS]
        assert not unknown, f"portal:{name} has id kwargs {unknown}: add them to IDS"
        urls.append(reverse(f"portal:{name}", kwargs={key: IDS[key](who) for key in keys}))
    return urls


OVERFLOW_JS = """() => {
  const root = document.documentElement;
  if (root.scrollWidth <= root.clientWidth + 1) return null;
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const outer = el.parentElement && wide.includes(el.parentElement);
    if (outer || el.getBoundingClientRect().right <= root.clientWidth + 1) continue;
    wide.push(el);
  }
  const classes = (el) => typeof el.className === 'string' && el.className.trim()
    ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + classes(el)
    + ' (right edge ' + Math.round(el.getBoundingClientRect().right) + 'px)';
  return {
    scroll: root.scrollWidth, client: root.clientWidth, wide: wide.slice(0, 6).map(describe)
  };
}"""


@dataclass
class Walk:
    viewport: Viewport
    problems: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def check(self, page: Page, base_url: str, url: str, *, expect_status: int = 200) -> None:
        """Open `url` (following redirects); HTML pages go through axe and the overflow check,
        non-HTML answers (the PDFs) must be 200. Problems are collected with their URL."""
        probe = page.request.get(f"{base_url}{url}", fail_on_status_code=False)
        if probe.status == 405:  # POST only (log-out); its button is on every page
            return
        content_type = probe.headers.get("content-type", "")
        if not content_type.startswith("text/html"):
            if probe.status != 200:
                self.problems.append(f"{url}: HTTP {probe.status} ({content_type})")
            self.files.append(url)
            return
        response = page.goto(f"{base_url}{url}")
        status = response.status if response is not None else 0
        if status != expect_status:
            self.problems.append(f"{url}: HTTP {status}, expected {expect_status}")
            if status >= 500:
                return
        landed = page.url.removeprefix(base_url)
        self.checked.append(url)
        self.inspect(page, url if landed == url else f"{url} (-> {landed})")

    def inspect(self, page: Page, label: str) -> None:
        """axe and the overflow check on the page as it is now."""
        try:
            assert_accessible(page)
        except AssertionError as error:
            self.problems.append(f"{label} [{self.viewport.name}]: {error}")
        overflow: dict[str, Any] | None = page.evaluate(OVERFLOW_JS)
        if overflow is not None:
            self.problems.append(
                f"{label} [{self.viewport.name}]: scrolls sideways, {overflow['scroll']}px content"
                f" in {overflow['client']}px: {', '.join(overflow['wide'])}"
            )

    def assert_clean(self) -> None:
        assert not self.problems, (
            f"{len(self.problems)} problem(s) on the portal pages in the {self.viewport.name}"
            " viewport:\n" + "\n".join(self.problems)
        )


# --- every page --------------------------------------------------------------------------


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_every_portal_page_passes_axe_and_fits_the_screen(
    viewport_page: Page, viewport: Viewport, base_url: str
) -> None:
    page = viewport_page
    reference_data()
    me = build_customer(last_name="Seitenprüfer")
    walk = Walk(viewport)
    portal_log_in(page, base_url, me)

    for url in customer_urls(me):
        walk.check(page, base_url, url)

    assert reverse("portal:documents") in walk.checked
    assert reverse("portal:invoice_pdf", args=[me.invoice.pk]) in walk.files
    assert len(walk.checked) >= 8, walk.checked
    walk.assert_clean()


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_public_portal_pages_pass_axe_and_fit_the_screen(
    viewport_page: Page, viewport: Viewport, base_url: str
) -> None:
    """Logged out: every portal page that does not send the visitor to the login (login,
    sign-up, code letter, reset, ...), the token pages with good and spoilt tokens, and the
    pages that answer a submitted form."""
    page = viewport_page
    reference_data()
    me = build_customer(last_name="Öffentlich")
    walk = Walk(viewport)
    login = reverse("portal:login")

    public = []
    for name, pattern in portal_patterns():
        if pattern.pattern.regex.groupindex:
            continue
        url = reverse(f"portal:{name}")
        probe = page.request.get(f"{base_url}{url}", max_redirects=0, fail_on_status_code=False)
        if probe.status in (301, 302) and probe.headers["location"].startswith(login):
            continue  # a customer page
        public.append(url)
        walk.check(page, base_url, url)
    for name in ("login", "signup", "code_letter", "reset"):
        assert reverse(f"portal:{name}") in public, (name, public)

    uid = urlsafe_base64_encode(force_bytes(me.user.pk))
    token = default_token_generator.make_token(me.user)
    walk.check(page, base_url, reverse("portal:reset_confirm", args=[uid, token]))
    walk.check(
        page, base_url, reverse("portal:reset_confirm", args=[uid, "x-y"]), expect_status=400
    )
    walk.check(page, base_url, reverse("portal:verify", args=["verdorben"]), expect_status=400)

    page.goto(f"{base_url}{reverse('portal:reset')}")
    page.get_by_label("E-Mail-Adresse").fill(me.user.email)
    page.get_by_role("button", name="Link anfordern").click()
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Passwort vergessen")
    walk.inspect(page, "reset sent")

    page.goto(f"{base_url}{reverse('portal:code_letter')}")
    page.get_by_label("Kundennummer").fill(me.partner.number)
    page.get_by_label("Postleitzahl").fill("42651")
    page.get_by_role("button", name="Code anfordern").click()
    expect(page.get_by_role("button", name="Code anfordern")).to_have_count(0)
    walk.inspect(page, "code letter sent")

    page.goto(f"{base_url}{reverse('portal:login')}")  # an unverified login gets a new link
    unverified = portal_login(customer(last_name="Unbestätigt"), verified=False)
    page.get_by_label("E-Mail-Adresse").fill(unverified.email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden", exact=True).click()
    expect(page.get_by_role("button", name="Anmelden", exact=True)).to_have_count(0)
    walk.inspect(page, "verification pending")

    walk.assert_clean()


# --- form errors -------------------------------------------------------------------------


def test_form_errors_are_announced(page: Page, base_url: str) -> None:
    reference_data()
    me = build_customer(totp=True, last_name="Fehlerfall")

    # The sign-up form sent empty: a whole-form alert, and each field says what is wrong.
    page.goto(f"{base_url}{reverse('portal:signup')}")
    page.get_by_role("button", name="Zugang anlegen").click()
    expect(page).to_have_title(re.compile(r"^Fehler"))
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Bitte geben Sie Vertragskonto und Rechnungsbetrag an")
    required = re.compile(r"erforderlich")
    for label in (
        re.compile(r"^Kundennummer"),
        re.compile(r"^E-Mail-Adresse"),
        re.compile(r"^Passwort:?$"),
        re.compile(r"^Passwort wiederholen"),
    ):
        field_ = page.get_by_label(label)
        expect(field_).to_have_attribute("aria-invalid", "true")
        expect(field_).to_have_accessible_description(required)
    customer_number = page.get_by_role("textbox", name=re.compile(r"^Kundennummer"))
    expect(customer_number).to_have_accessible_description(required)
    # A field without an error is not marked invalid, and keeps its hint.
    account = page.get_by_role("textbox", name=re.compile(r"^Vertragskontonummer"))
    expect(account).not_to_have_attribute("aria-invalid", "true")
    expect(account).to_have_accessible_description(re.compile(r"oben rechts"))
    assert_accessible(page)

    # A wrong password: one alert that names neither which part was wrong.
    page.goto(f"{base_url}{reverse('portal:login')}")
    page.get_by_label("E-Mail-Adresse").fill(me.user.email)
    page.get_by_label("Passwort").fill("falsch-falsch-falsch")
    page.get_by_role("button", name="Anmelden", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text(
        re.compile(r"E-Mail-Adresse oder Passwort stimmen nicht")
    )
    expect(page).to_have_title(re.compile(r"^Fehler"))
    expect(page.get_by_role("textbox", name=re.compile(r"^E-Mail-Adresse"))).to_have_value(
        me.user.email
    )
    assert_accessible(page)

    # The second factor mistyped: the code field itself is invalid and says why.
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden", exact=True).click()
    code = page.get_by_role("textbox", name=re.compile(r"^Bestätigungscode"))
    assert_accessible(page)
    code.fill("000000")
    page.get_by_role("button", name="Bestätigen").click()
    expect(code).to_have_attribute("aria-invalid", "true")
    expect(code).to_have_accessible_description(re.compile(r"Der Code stimmt nicht"))
    assert_accessible(page)


# --- without JavaScript ------------------------------------------------------------------


def portal_url(name: str, **kwargs: object) -> str:
    """The URL of a portal page; a test of a page that is not built yet is skipped."""
    try:
        return reverse(f"portal:{name}", kwargs=kwargs or None)
    except NoReverseMatch:
        pytest.skip(f"page not built yet: portal:{name}")


@pytest.fixture
def no_js_page(browser: Browser) -> Iterator[Page]:
    context = new_context(browser, PHONE, javascript=False)
    yield context.new_page()
    context.close()


def test_log_in_read_and_log_out_without_javascript(no_js_page: Page, base_url: str) -> None:
    page = no_js_page
    reference_data()
    me = build_customer(totp=True, last_name="Ohneskript")
    portal_log_in(page, base_url, me)
    expect(page.get_by_text(me.contract.number)).to_be_visible()

    page.get_by_role("link", name="Rechnungen und Briefe").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rechnungen und Briefe")
    link = page.get_by_role("link", name=re.compile(rf"PDF herunterladen {me.invoice.number}"))
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    page.get_by_role("button", name="Abmelden").click()
    expect(page.get_by_role("status")).to_contain_text("Sie sind abgemeldet")
    page.goto(f"{base_url}{reverse('portal:home')}")
    expect(page).to_have_url(re.compile(r"/portal/anmelden/"))


def test_send_a_message_without_javascript(no_js_page: Page, base_url: str) -> None:
    page = no_js_page
    url = portal_url("message_new")
    reference_data()
    me = build_customer(last_name="Briefschreiber")
    portal_log_in(page, base_url, me)
    page.goto(f"{base_url}{url}")

    page.get_by_role("button", name="Nachricht senden").click()  # empty first
    expect(page.get_by_role("textbox", name=re.compile(r"^Betreff"))).to_have_attribute(
        "aria-invalid", "true"
    )
    page.get_by_label("Thema").select_option(label="Abschlag")
    page.get_by_role("textbox", name=re.compile(r"^Betreff")).fill("Abschlag senken")
    page.get_by_role("textbox", name=re.compile(r"^Ihre Nachricht")).fill(
        "Wir sind jetzt nur noch zu zweit."
    )
    page.get_by_role("button", name="Nachricht senden").click()

    expect(page.get_by_role("status")).to_contain_text("Ihre Nachricht ist bei uns eingegangen")
    case = Case.objects.filter(partner=me.partner).exclude(pk=me.case.pk).get()
    assert case.subject.endswith("Abschlag senken")
    expect(page).to_have_url(re.compile(rf"/postfach/{case.pk}/$"))
    expect(page.get_by_text("Wir sind jetzt nur noch zu zweit.")).to_be_visible()
