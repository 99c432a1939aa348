"""The navigation counts unread answers in the portal mailbox."""

import pytest
from django.test import Client

from kc.cases import services as case_services
from kc.cases.models import Message
from kc.cases.tests.factories import QueueFactory
from kc.customers.models import BusinessPartner

pytestmark = pytest.mark.django_db


def test_unread_answers_show_in_the_navigation(
    customer_client: Client, partner: BusinessPartner
) -> None:
    QueueFactory(is_default=True)
    case = case_services.open_case(subject="Frage", channel="portal", partner=partner, actor=None)
    case_services.add_message(case, Message.Kind.PORTAL_IN, None, body_text="Frage")
    assert "neue Antwort" not in customer_client.get("/portal/").content.decode()
    case_services.add_message(case, Message.Kind.PORTAL_OUT, None, body_text="Antwort")
    assert "1 neue Antwort" in customer_client.get("/portal/").content.decode()
    customer_client.get(f"/portal/postfach/{case.pk}/")  # opening marks it read
    assert "neue Antwort" not in customer_client.get("/portal/").content.decode()


def test_a_letter_whose_pdf_is_lost_answers_404(customer_client: Client, partner) -> None:  # type: ignore[no-untyped-def]
    from kc.letters.models import Letter
    from kc.portal.tests.factories import invoiced_account

    _account, _contract, invoice = invoiced_account(partner)
    letter = Letter.objects.get(number=invoice.letter_number)
    letter.pdf.storage.delete(str(letter.pdf.name))
    response = customer_client.get(f"/portal/rechnungen/{invoice.pk}/pdf/")
    assert response.status_code == 404


def test_an_internal_case_stays_off_the_overview(
    customer_client: Client, partner: BusinessPartner
) -> None:
    QueueFactory(is_default=True)
    case_services.open_case(
        subject="Intern: Sperrprüfung", channel="phone", partner=partner, actor=None
    )
    asked = case_services.open_case(
        subject="Frage zum Abschlag", channel="portal", partner=partner, actor=None
    )
    case_services.add_message(asked, Message.Kind.PORTAL_IN, None, body_text="Frage")
    page = customer_client.get("/portal/").content.decode()
    assert "Frage zum Abschlag" in page and "Sperrprüfung" not in page
