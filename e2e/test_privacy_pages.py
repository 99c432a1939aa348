"""GDPR pages in the browser: the team lead registers an erasure request, checks the identity,
looks at the erasure preview (blocked by a running contract) and the per-customer audit; every
page through axe."""

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from conftest import make_staff
from e2e.a11y import assert_accessible
from e2e.conftest import log_in
from kc.cases.tests.factories import QueueFactory
from kc.core import roles
from kc.core.models import NumberRange
from kc.letters.models import Letter
from kc.letters.tests.factories import LetterheadFactory
from kc.payments import ledger
from kc.portal.tests.factories import customer
from kc.privacy import services
from kc.privacy.models import PrivacyRequest
from kc.privacy.tests.factories import full_customer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
CONFIRM_LIFT = (
    "Der Kunde wird mit einem Brief über die Aufhebung unterrichtet (Art. 18 Abs. 3 DSGVO)."
)


def test_request_list_detail_and_erasure_preview(page: Page, base_url: str) -> None:
    QueueFactory(is_default=True)
    # transaction=True tests flush the tables, including the number ranges of the migrations.
    for key, prefix in (("case", "V"), ("letter", "B"), ("invoice", "R")):
        NumberRange.objects.get_or_create(
            key=key,
            defaults={"prefix": prefix, "next_value": 1, "max_value": 99_999_999, "width": 8},
        )
    ledger.ensure_number_range()
    lead = make_staff("lead", roles.TEAM_LEAD)
    customer = full_customer("Delta", "DE89370400440532013000", lead)
    number = customer.partner.number

    log_in(page, base_url, "lead", check_a11y=False)
    page.get_by_role("link", name="Datenschutz").click()
    expect(page.get_by_role("heading", name="Datenschutzanfragen")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Anfrage erfassen").click()
    page.get_by_label("Kundennummer").fill(number)
    page.get_by_label("Art der Anfrage").select_option("erasure")
    page.get_by_label("Eingegangen über").select_option("letter")
    assert_accessible(page)
    page.get_by_role("button", name="Erfassen").click()
    expect(page.get_by_role("heading", name="Löschung (Art. 17 DSGVO)")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Wie wurde die Identität geprüft?").select_option("id_document")
    page.get_by_label("Ich habe die Identität der anfragenden Person geprüft.").check()
    page.get_by_role("button", name="Prüfung festhalten").click()
    expect(page.get_by_text("geprüft von lead")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Vorschau der Löschung und Einschränkung").click()
    expect(
        page.get_by_role("heading", name="Was einer vollständigen Löschung entgegensteht")
    ).to_be_visible()
    expect(page.get_by_text("Laufender Vertrag", exact=False).first).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Ich habe die Vorschau geprüft: so löschen und einschränken.").check()
    page.get_by_role("button", name="Löschen und einschränken").click()
    expect(page.get_by_role("heading", name="Was die Löschung getan hat")).to_be_visible()
    assert PrivacyRequest.objects.get().state == PrivacyRequest.State.COMPLETED
    assert_accessible(page)

    page.get_by_role("link", name="Wer hat was gesehen").click()
    expect(
        page.get_by_role(
            "heading", name=f"Wer hat was gesehen: VornameDelta NachnameDelta ({number})"
        )
    ).to_be_visible()
    assert_accessible(page)


def test_lifting_a_restriction_from_the_request_page(page: Page, base_url: str) -> None:
    """Art. 18 (3): the team lead lifts a restriction the customer asked for; the letter is
    written first and the page says who lifted it, when and why."""
    QueueFactory(is_default=True)
    for key, prefix in (("case", "V"), ("letter", "B")):
        NumberRange.objects.get_or_create(
            key=key,
            defaults={"prefix": prefix, "next_value": 1, "max_value": 99_999_999, "width": 8},
        )
    LetterheadFactory()
    lead = make_staff("lead", roles.TEAM_LEAD)
    request = services.register_request(
        partner=customer(last_name="Quist"), kind="restriction", channel="email", actor=lead
    )
    services.check_identity(request=request, method="callback", note="", actor=lead)
    services.erase(request=request, actor=lead, today=timezone.localdate())

    log_in(page, base_url, "lead", check_a11y=False)
    page.goto(f"{base_url}{reverse('privacy:request_detail', args=[request.pk])}")
    expect(page.get_by_role("heading", name="Einschränkung aufheben")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Brief erstellen und Einschränkung aufheben").click()
    expect(page.get_by_role("alert").first).to_be_visible()  # reason and confirmation missing
    assert_accessible(page)
    page.get_by_label("Grund der Aufhebung (steht im Brief an den Kunden)").fill(
        "Die Richtigkeit der Zählerstände ist geprüft."
    )
    page.get_by_label(CONFIRM_LIFT).check()
    page.get_by_role("button", name="Brief erstellen und Einschränkung aufheben").click()
    expect(page.get_by_text("Einschränkung aufgehoben", exact=True)).to_be_visible()
    expect(page.get_by_text("Die Richtigkeit der Zählerstände ist geprüft.")).to_be_visible()
    assert_accessible(page)
    assert Letter.objects.filter(partner_id=request.partner_id).count() == 1
