"""Writing letters: template versions, held letters, delivery routes, withdrawal, audit."""

import hashlib

import pytest
from django.core.exceptions import ValidationError

from kc.core.models import AuditLogEntry
from kc.customers.models import BusinessPartner, PostalAddress
from kc.letters import services
from kc.letters.models import Delivery, Letter, LetterEvent, LetterTemplate
from kc.letters.samples import SAMPLES
from kc.letters.tests import pdfcheck
from kc.letters.tests.factories import LetterheadFactory, customer_with_address

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def letterhead() -> None:
    LetterheadFactory()


def write(kind: str = "free_text", actor=None, **partner_fields):  # type: ignore[no-untyped-def]
    partner = customer_with_address(**partner_fields)
    return services.create_letter(kind=kind, partner=partner, values=SAMPLES[kind], actor=actor)


def test_letter_keeps_its_exact_pdf_and_template_version(agent) -> None:  # type: ignore[no-untyped-def]
    letter = write(actor=agent)
    assert letter.status == Letter.Status.READY
    assert letter.number.startswith("B")
    pdf = letter.pdf.read()
    assert hashlib.sha256(pdf).hexdigest() == letter.pdf_sha256
    assert letter.template_version.version == 1
    text = pdfcheck.page_text(pdf)
    assert "Gärtnerstraße 12a" in text and letter.partner.number in text
    assert "Wir melden uns in Kürze" in text
    letter.pdf_sha256 = "0" * 64
    with pytest.raises(ValueError, match="cannot be replaced"):
        letter.save()


def test_new_template_version_applies_to_new_letters_only(admin_user) -> None:  # type: ignore[no-untyped-def]
    old = write()
    template = LetterTemplate.objects.get(kind="free_text")
    version = services.save_template_version(
        template=template,
        subject="Neu: {{ betreff }}",
        body="{{ anrede }}\n\n{{ text }}\n\nIhr Team",
        comment="kürzer",
        actor=admin_user,
    )
    assert version.version == 2
    new = write()
    assert new.template_version == version and new.subject == "Neu: Ihre Anfrage"
    old.refresh_from_db()
    assert old.template_version.version == 1


def test_template_with_unknown_placeholder_is_refused(admin_user) -> None:  # type: ignore[no-untyped-def]
    template = LetterTemplate.objects.get(kind="invoice")
    with pytest.raises(ValidationError) as error:
        services.save_template_version(
            template=template,
            subject="Rechnung {{ rechnungsnumer }}",
            body="{{ anrede }}\n\nBetrag {{ positionen }}",
            comment="",
            actor=admin_user,
        )
    messages = error.value.message_dict
    assert "Unbekannter Platzhalter „{{ rechnungsnumer }}“." in messages["subject"]
    assert "Eine Tabelle muss allein in ihrem Absatz stehen." in messages["body"]
    assert template.versions.count() == 1


def test_post_customer_gets_a_print_delivery_with_postage() -> None:
    letter = write("invoice")
    (delivery,) = letter.deliveries.all()
    assert delivery.channel == Delivery.Channel.POST and delivery.state == Delivery.State.QUEUED
    assert delivery.envelope == "DL" and delivery.postage_class == "standard"
    assert str(delivery.postage) == "0.95"
    kinds = list(letter.events.values_list("kind", flat=True))
    assert kinds == [LetterEvent.Kind.CREATED, LetterEvent.Kind.QUEUED]


def test_email_customer_gets_email_and_legal_paper_also_goes_by_post() -> None:
    normal = write("payment_reminder", preferred_channel=BusinessPartner.Channel.EMAIL)
    assert list(normal.deliveries.values_list("channel", flat=True)) == ["email"]
    legal = write("disconnection_announcement", preferred_channel=BusinessPartner.Channel.EMAIL)
    routes = dict(legal.deliveries.values_list("channel", "required_by_law"))
    assert routes == {"email": False, "post": True}


def test_portal_or_email_without_address_falls_back_to_post() -> None:
    letter = write("free_text", preferred_channel=BusinessPartner.Channel.PORTAL, email="")
    assert list(letter.deliveries.values_list("channel", flat=True)) == ["post"]


def test_address_too_long_holds_the_letter_until_fixed(agent) -> None:  # type: ignore[no-untyped-def]
    letter = write(
        first_name="Maximiliane Alexandra", last_name="von Hohenzollern-Sigmaringen-Württemberg"
    )
    assert letter.status == Letter.Status.HELD
    assert "mm breit" in letter.hold_reason
    assert not letter.pdf and not letter.deliveries.exists()
    assert letter.events.get().kind == LetterEvent.Kind.HELD
    BusinessPartner.objects.filter(pk=letter.partner_id).update(
        first_name="Maxi", last_name="von Hohenzollern"
    )
    letter.partner.refresh_from_db()
    released = services.release_letter(letter=letter, actor=agent)
    assert released.status == Letter.Status.READY and released.pdf
    assert released.deliveries.get().state == Delivery.State.QUEUED
    with pytest.raises(services.LetterError):
        services.release_letter(letter=released, actor=agent)


def test_missing_address_and_missing_value_hold_the_letter() -> None:
    letter = write()
    PostalAddress.objects.filter(partner=letter.partner).delete()
    no_address = services.create_letter(
        kind="free_text", partner=letter.partner, values=SAMPLES["free_text"], actor=None
    )
    assert no_address.status == Letter.Status.HELD and "Anschrift fehlt" in no_address.hold_reason
    partner = customer_with_address()
    no_value = services.create_letter(kind="free_text", partner=partner, values={}, actor=None)
    assert no_value.status == Letter.Status.HELD
    assert "{{ betreff }}" in no_value.hold_reason


def test_no_letterhead_holds_with_a_clear_reason(admin_user) -> None:  # type: ignore[no-untyped-def]
    from kc.letters.models import Letterhead

    partner = customer_with_address()
    Letterhead.objects.all().delete()
    letter = services.create_letter(
        kind="free_text", partner=partner, values=SAMPLES["free_text"], actor=None
    )
    assert letter.status == Letter.Status.HELD and "kein Briefkopf" in letter.hold_reason
    LetterheadFactory()
    assert services.release_letter(letter=letter, actor=admin_user).status == Letter.Status.READY


def test_withdraw_needs_a_reason_and_stops_the_post(agent) -> None:  # type: ignore[no-untyped-def]
    letter = write()
    with pytest.raises(services.LetterError, match="Grund"):
        services.withdraw_letter(letter=letter, reason=" ", actor=agent)
    services.withdraw_letter(letter=letter, reason="Kunde hat angerufen", actor=agent)
    letter.refresh_from_db()
    assert letter.status == Letter.Status.WITHDRAWN
    assert letter.deliveries.get().state == Delivery.State.WITHDRAWN
    assert letter.events.last().detail == "Kunde hat angerufen"  # type: ignore[union-attr]
    with pytest.raises(services.LetterError, match="bereits"):
        services.withdraw_letter(letter=letter, reason="nochmal", actor=agent)


def test_creating_and_downloading_are_audited(agent) -> None:  # type: ignore[no-untyped-def]
    letter = write(actor=agent)
    services.record_download(letter=letter, actor=agent)
    actions = list(
        AuditLogEntry.objects.filter(object_type="letters.letter", object_id=str(letter.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "read"]
