"""The read endpoints: pagination, content, and an audit row per object shown, with the
token's name as the actor."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from kc.api.tests.conftest import Bearer
from kc.cases.models import Message
from kc.cases.tests.factories import CaseFactory
from kc.core.models import AuditLogEntry
from kc.customers.tests.factories import BusinessPartnerFactory, ContractAccountFactory
from kc.letters import services as letter_services
from kc.letters.samples import SAMPLES
from kc.letters.tests.factories import LetterheadFactory, customer_with_address
from kc.payments.tests.factories import receivable
from kc.supply.models import MeterReading
from kc.supply.tests.factories import ContractFactory, MeterReadingFactory, RegisterFactory

pytestmark = pytest.mark.django_db
D = datetime.date


def audit_rows(actor: str, object_type: str) -> list[AuditLogEntry]:
    return list(
        AuditLogEntry.objects.filter(actor_name=f"API-Token {actor}", object_type=object_type)
    )


def test_customers_come_in_pages_that_neither_overlap_nor_skip(
    client: Client, bearer: Bearer
) -> None:
    partners = [BusinessPartnerFactory(last_name="Meyer") for _ in range(5)]
    headers = bearer("customers", name="Stadtwerk-App")
    first = client.get("/api/v1/kunden/", {"q": "meyer", "limit": "2"}, headers=headers).json()
    assert first["count"] == 5 and first["next_offset"] == 2 and len(first["items"]) == 2
    numbers = [c["number"] for c in first["items"]]
    offset = first["next_offset"]
    while offset is not None:
        page = client.get(
            "/api/v1/kunden/", {"q": "meyer", "limit": 2, "offset": offset}, headers=headers
        ).json()
        numbers += [c["number"] for c in page["items"]]
        offset = page["next_offset"]
    assert numbers == sorted(p.number for p in partners)
    rows = audit_rows("Stadtwerk-App", "customers.businesspartner")
    assert sorted(r.partner_id for r in rows if r.partner_id) == sorted(p.pk for p in partners)
    assert {r.action for r in rows} == {"read"} and all(r.actor is not None for r in rows)


def test_a_customer_with_accounts_and_contracts(client: Client, bearer: Bearer) -> None:
    contract = ContractFactory()
    account, partner = contract.account, contract.account.partner
    headers = bearer("customers", name="CRM")
    one = client.get(f"/api/v1/kunden/{partner.number}", headers=headers).json()
    assert one["number"] == partner.number and one["display_name"] == partner.display_name
    accounts = client.get(f"/api/v1/kunden/{partner.number}/vertragskonten", headers=headers)
    assert [a["number"] for a in accounts.json()["items"]] == [account.number]
    assert accounts.json()["items"][0]["masked_iban"].startswith("DE89 ****")
    contracts = client.get(f"/api/v1/vertragskonten/{account.number}/vertraege", headers=headers)
    item = contracts.json()["items"][0]
    assert item["number"] == contract.number
    assert item["market_location"] == contract.market_location.malo_id
    assert {r.partner_id for r in audit_rows("CRM", "supply.contract")} == {partner.pk}
    assert len(audit_rows("CRM", "customers.contractaccount")) == 1


def test_a_meter_and_its_readings(client: Client, bearer: Bearer) -> None:
    contract = ContractFactory()
    register = RegisterFactory(meter__market_location=contract.market_location)
    MeterReadingFactory(register=register, read_on=D(2025, 1, 1), value=Decimal("10000"))
    MeterReadingFactory(register=register, read_on=D(2026, 1, 1), value=Decimal("12000"))
    headers = bearer("readings", name="Ableser")
    meter = client.get(f"/api/v1/zaehler/{register.meter.number}", headers=headers).json()
    assert meter["registers"][0]["obis_code"] == "1-0:1.8.0"
    listed = client.get(
        f"/api/v1/zaehler/{register.meter.number}/zaehlerstaende", headers=headers
    ).json()
    assert [r["value"] for r in listed["items"]] == ["12000.000", "10000.000"]
    rows = audit_rows("Ableser", "supply.meterreading")
    assert len(rows) == 2 and {r.partner_id for r in rows} == {contract.account.partner_id}


def test_a_reported_reading_goes_through_the_plausibility_check(
    client: Client, bearer: Bearer
) -> None:
    contract = ContractFactory(start_date=D(2024, 1, 1))
    register = RegisterFactory(meter__market_location=contract.market_location)
    MeterReadingFactory(register=register, read_on=D(2025, 1, 1), value=Decimal("10000"))
    MeterReadingFactory(register=register, read_on=D(2026, 1, 1), value=Decimal("12000"))
    url = f"/api/v1/zaehler/{register.meter.number}/zaehlerstaende"
    today = timezone.localdate().isoformat()
    reader_only = bearer("readings")
    refused = client.post(
        url,
        {"read_on": today, "value": "13500"},
        content_type="application/json",
        headers=reader_only,
    )
    assert refused.status_code == 403
    headers = bearer("readings", "readings:write", name="Kunden-App")
    far_off = {"read_on": today, "value": "99000"}
    asked = client.post(url, far_off, content_type="application/json", headers=headers)
    assert asked.status_code == 409 and asked.json()["error"]["code"] == "needs_confirmation"
    assert MeterReading.objects.filter(register=register).count() == 2  # nothing stored
    confirmed = client.post(
        url, far_off | {"confirmed": True}, content_type="application/json", headers=headers
    )
    assert confirmed.status_code == 201 and confirmed.json()["needs_review"] is True
    stored = MeterReading.objects.get(pk=confirmed.json()["id"])
    assert stored.source == MeterReading.Source.CUSTOMER
    created = AuditLogEntry.objects.get(
        object_type="supply.meterreading", object_id=str(stored.pk), action="create"
    )
    assert created.actor is not None and created.actor.last_name == "Kunden-App"
    lower = client.post(
        url,
        {"read_on": today, "value": "100"},
        content_type="application/json",
        headers=headers,
    )
    assert lower.status_code in (409, 422) and lower.json()["error"]["message"]


def test_cases_list_detail_and_a_note(client: Client, bearer: Bearer) -> None:
    partner = BusinessPartnerFactory()
    case = CaseFactory(partner=partner)
    CaseFactory()  # another customer's case
    reader = bearer("cases", name="Leitstelle")
    listed = client.get("/api/v1/vorgaenge/", {"kunde": partner.number}, headers=reader)
    assert [c["number"] for c in listed.json()["items"]] == [case.number]
    url = f"/api/v1/vorgaenge/{case.number}/notizen"
    note = {"text": "Rückruf durch den Netzbetreiber erfolgt."}
    assert (
        client.post(url, note, content_type="application/json", headers=reader).status_code == 403
    )
    writer = bearer("cases", "cases:write", name="Netz")
    added = client.post(url, note, content_type="application/json", headers=writer)
    assert added.status_code == 201 and added.json()["kind"] == "note"
    message = Message.objects.get(pk=added.json()["id"])
    assert message.author is not None and message.author.last_name == "Netz"
    empty = client.post(url, {"text": "   "}, content_type="application/json", headers=writer)
    assert empty.status_code == 422 and empty.json()["error"]["details"]["text"]
    detail = client.get(f"/api/v1/vorgaenge/{case.number}", headers=reader).json()
    assert detail["messages"][-1]["text"] == note["text"]
    assert len(audit_rows("Leitstelle", "cases.case")) == 2  # the list and the detail


def test_letters_and_the_audited_pdf(client: Client, bearer: Bearer) -> None:
    LetterheadFactory()
    partner = customer_with_address()
    letter = letter_services.create_letter(
        kind="free_text", partner=partner, values=SAMPLES["free_text"], actor=None
    )
    headers = bearer("letters", name="Archiv")
    listed = client.get("/api/v1/briefe/", {"kunde": partner.number}, headers=headers).json()
    assert [item["number"] for item in listed["items"]] == [letter.number]
    pdf = client.get(f"/api/v1/briefe/{letter.number}/pdf", headers=headers)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.getvalue().startswith(b"%PDF")
    downloads = [r for r in audit_rows("Archiv", "letters.letter") if r.changes]
    assert len(downloads) == 1 and downloads[0].partner_id == partner.pk


def test_balance_and_open_items(client: Client, bearer: Bearer) -> None:
    account = ContractAccountFactory()
    receivable(account, "45.50", due_on=D(2026, 1, 15))
    receivable(account, "50.00", due_on=D(2099, 1, 15))
    headers = bearer("payments", name="Inkasso")
    balance = client.get(f"/api/v1/vertragskonten/{account.number}/saldo", headers=headers)
    assert balance.json() == {
        "account": account.number,
        "balance": "95.50",
        "due_today": "45.50",
        "currency": "EUR",
    }
    items = client.get(
        f"/api/v1/vertragskonten/{account.number}/offene-posten", {"limit": 1}, headers=headers
    ).json()
    assert items["count"] == 2 and items["next_offset"] == 1
    assert items["items"][0]["open_amount"] == "45.50" and items["items"][0]["is_due"] is True
    assert len(audit_rows("Inkasso", "customers.contractaccount")) == 2


def test_an_answer_into_the_portal_needs_its_own_scope_and_a_customer(
    client: Client, bearer: Bearer
) -> None:
    partner = BusinessPartnerFactory(email="kundin@example.org")
    case = CaseFactory(partner=partner)
    answer = {"text": "Ihr Zählerstand ist eingegangen."}
    url = f"/api/v1/vorgaenge/{case.number}/antworten"
    notes_only = bearer("cases", "cases:write")
    refused = client.post(url, answer, content_type="application/json", headers=notes_only)
    assert refused.status_code == 403
    headers = bearer("cases", "cases:reply", name="Kundenservice-Bot")
    sent = client.post(url, answer, content_type="application/json", headers=headers)
    assert sent.status_code == 201 and sent.json()["kind"] == "portal_out"
    # The customer is told by e-mail that an answer waits in the portal.
    assert Message.objects.filter(case=case, kind=Message.Kind.EMAIL_OUT).count() == 1
    orphan = CaseFactory()
    nobody = client.post(
        f"/api/v1/vorgaenge/{orphan.number}/antworten",
        answer,
        content_type="application/json",
        headers=headers,
    )
    assert nobody.status_code == 422
    assert nobody.json()["error"]["details"]["text"][0]["code"] == "no_partner"
