"""Defects found in review of the API, each pinned by a test."""

import pytest
from django.test import Client
from django.utils import timezone

from kc.api.tests.conftest import Bearer
from kc.customers.tests.factories import BusinessPartnerFactory
from kc.letters import services as letter_services
from kc.letters.samples import SAMPLES
from kc.letters.tests.factories import LetterheadFactory, customer_with_address

pytestmark = pytest.mark.django_db


def test_the_customer_search_leaves_restricted_customers_out(
    client: Client, bearer: Bearer
) -> None:
    shown = BusinessPartnerFactory(last_name="Meyer")
    restricted = BusinessPartnerFactory(last_name="Meyer", processing_restricted_at=timezone.now())
    headers = bearer("customers")
    found = client.get("/api/v1/kunden/", {"q": "meyer"}, headers=headers).json()
    assert [c["number"] for c in found["items"]] == [shown.number] and found["count"] == 1
    everyone = client.get("/api/v1/kunden/", headers=headers).json()
    assert restricted.number not in [c["number"] for c in everyone["items"]]
    one = client.get(f"/api/v1/kunden/{restricted.number}", headers=headers).json()
    assert one["processing_restricted"] is True


def test_a_letter_whose_pdf_the_archive_lost_is_a_404_not_a_500(
    client: Client, bearer: Bearer
) -> None:
    LetterheadFactory()
    letter = letter_services.create_letter(
        kind="free_text", partner=customer_with_address(), values=SAMPLES["free_text"], actor=None
    )
    letter.pdf.storage.delete(letter.pdf.name or "")
    response = client.get(f"/api/v1/briefe/{letter.number}/pdf", headers=bearer("letters"))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "pdf_missing"
