"""The funding program in the portal: categories with amounts and conditions, the application
with its check before submission, documents, a double submit, and one's own applications."""

import datetime
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kc.cases.models import Case, CaseType
from kc.cases.tests.factories import QueueFactory
from kc.core import clamd, uploads
from kc.funding.models import FundingApplication, FundingCategory
from kc.funding.tests.factories import apply, category, jpeg, supplied_contract
from kc.portal.tests.factories import portal_login
from kc.supply.models import Contract

pytestmark = pytest.mark.django_db
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


@pytest.fixture(autouse=True)
def _clean_scans(monkeypatch: pytest.MonkeyPatch) -> None:
    QueueFactory(is_default=True)
    monkeypatch.setattr(
        clamd, "scan_configured", lambda data, *, timeout=None: clamd.ScanOutcome("clean")
    )


@pytest.fixture
def heat_pump() -> FundingCategory:
    return category()


@pytest.fixture
def contract() -> Contract:
    return supplied_contract()


@pytest.fixture
def client_of(client: Client, contract: Contract) -> Client:
    client.force_login(portal_login(contract.account.partner))
    return client


def token(client: Client) -> str:
    html = client.get(reverse("portal:funding_apply")).content.decode()
    found = re.search(r'name="form_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def form_data(contract: Contract, cat: FundingCategory, **extra: Any) -> dict[str, Any]:
    return {
        "category": cat.pk,
        "contract": contract.pk,
        "item": "Wärmepumpe WP 8",
        "purchase_price": "3.456,78",
        "commissioned_on": (timezone.localdate() - datetime.timedelta(days=3)).isoformat(),
        "payout_way": "credit",
        "invoice": SimpleUploadedFile("rechnung.jpg", jpeg("white"), "image/jpeg"),
        "commissioning": SimpleUploadedFile("protokoll.jpg", jpeg(), "image/jpeg"),
        "action": "submit",
        **extra,
    }


def test_the_overview_shows_categories_with_amounts_and_only_own_applications(
    client_of: Client, contract: Contract, heat_pump: FundingCategory
) -> None:
    mine = apply(contract, heat_pump)
    other = apply(supplied_contract(), heat_pump)
    html = client_of.get(reverse("portal:funding")).content.decode()
    assert "Klingen Plus: Wärmepumpe" in html
    assert "10 % des Kaufpreises, höchstens 500,00 €" in html
    assert "12 Wochen nach Inbetriebnahme" in html
    assert mine.number in html and other.number not in html


def test_the_check_shows_every_failing_reason_before_anything_is_sent(
    client_of: Client, contract: Contract, heat_pump: FundingCategory
) -> None:
    contract.account.mandates.update(status="revoked")
    late = (timezone.localdate() - datetime.timedelta(weeks=13)).isoformat()
    data = form_data(
        contract, heat_pump, action="check", commissioned_on=late, invoice="", commissioning=""
    )
    response = client_of.post(reverse("portal:funding_apply"), data | {"form_token": "x" * 20})
    assert response.status_code == 200
    html = response.content.decode()
    assert "kein SEPA-Lastschriftmandat" in html and "12 Wochen" in html
    assert not FundingApplication.objects.exists()


def test_the_check_names_the_amount(
    client_of: Client, contract: Contract, heat_pump: FundingCategory
) -> None:
    data = form_data(contract, heat_pump, action="check", invoice="", commissioning="")
    response = client_of.post(reverse("portal:funding_apply"), data | {"form_token": "x" * 20})
    html = response.content.decode()
    assert "Voraussichtliche Förderung: 345,68 €" in html


def test_an_application_is_sent_once_with_its_documents(
    client_of: Client, contract: Contract, heat_pump: FundingCategory
) -> None:
    data = form_data(contract, heat_pump) | {"form_token": token(client_of)}
    response = client_of.post(reverse("portal:funding_apply"), data)
    assert response.status_code == 302
    application = FundingApplication.objects.get()
    assert response["Location"] == reverse(
        "portal:funding_application", kwargs={"application_id": application.pk}
    )
    assert str(application.requested_amount) == "345.68"
    assert sorted(application.documents.values_list("kind", flat=True)) == [
        "commissioning",
        "invoice",
    ]
    case = Case.objects.get(partner=contract.account.partner)
    assert case.case_type == CaseType.FUNDING and application.number in case.subject
    page = client_of.get(response["Location"]).content.decode()
    assert application.number in page and "eingegangen" in page

    again = form_data(contract, heat_pump) | {"form_token": data["form_token"]}
    assert client_of.post(reverse("portal:funding_apply"), again).status_code == 302
    assert FundingApplication.objects.count() == 1


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"invoice": SimpleUploadedFile("r.jpg", HTML, "image/jpeg")}, "Dateityp nicht erlaubt"),
        ({"invoice": ""}, "erforderlich"),
        (
            {
                "invoice": SimpleUploadedFile(
                    "r.pdf", b"0" * (uploads.DEFAULT_MAX_BYTES + 1), "application/pdf"
                )
            },
            "Datei zu groß",
        ),
        ({"commissioned_on": "2099-01-01"}, "in der Zukunft"),
        ({"purchase_price": "-5"}, "größer oder gleich 0"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(
    client_of: Client,
    contract: Contract,
    heat_pump: FundingCategory,
    extra: dict[str, Any],
    message: str,
) -> None:
    data = form_data(contract, heat_pump, **extra) | {"form_token": token(client_of)}
    response = client_of.post(reverse("portal:funding_apply"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not FundingApplication.objects.exists()


def test_a_second_application_in_the_period_is_refused_with_the_reason(
    client_of: Client, contract: Contract, heat_pump: FundingCategory
) -> None:
    first = apply(contract, heat_pump)
    data = form_data(contract, heat_pump) | {"form_token": token(client_of)}
    response = client_of.post(reverse("portal:funding_apply"), data)
    assert response.status_code == 400
    assert first.number in response.content.decode()
    assert FundingApplication.objects.count() == 1


def test_another_customers_contract_cannot_be_used(
    client_of: Client, heat_pump: FundingCategory
) -> None:
    other = supplied_contract()
    data = form_data(other, heat_pump) | {"form_token": token(client_of)}
    assert client_of.post(reverse("portal:funding_apply"), data).status_code == 400
    assert not FundingApplication.objects.exists()


def test_an_open_application_can_be_withdrawn(
    client_of: Client, contract: Contract, heat_pump: FundingCategory
) -> None:
    application = apply(contract, heat_pump)
    url = reverse("portal:funding_application", kwargs={"application_id": application.pk})
    assert "Antrag zurückziehen" in client_of.get(url).content.decode()
    assert client_of.post(url).status_code == 302
    application.refresh_from_db()
    assert application.status == FundingApplication.Status.WITHDRAWN
    assert "Antrag zurückziehen" not in client_of.get(url).content.decode()


def test_a_declared_200_mb_upload_is_refused_before_it_is_read(
    client_of: Client, contract: Contract, heat_pump: FundingCategory
) -> None:
    """The request-size ceiling (kc.core.middleware) answers before the form reads a byte."""
    response = client_of.post(
        reverse("portal:funding_apply"),
        form_data(contract, heat_pump),
        CONTENT_LENGTH=str(200 * uploads.MiB),
    )
    assert response.status_code == 413
    assert not FundingApplication.objects.exists()
