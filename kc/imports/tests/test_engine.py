"""The import of the sample export: counts, row errors with reasons, dry run, idempotent
re-run, updates through services, dependencies, refused files."""

from decimal import Decimal

import pytest

from kc.core.models import AuditLogEntry
from kc.customers.models import BusinessPartner, ContractAccount
from kc.imports import engine
from kc.imports.models import LegacyKey
from kc.imports.report import FileReport, Report
from kc.letters.models import Letter
from kc.payments import ledger
from kc.payments.models import LedgerDocument, SepaMandate
from kc.supply.models import Contract, GasConversionFactor, Meter, MeterReading

pytestmark = pytest.mark.django_db


def run(files: dict[str, bytes], *, dry_run: bool = False) -> Report:
    return engine.run_import(files, system="sap-alt", dry_run=dry_run, actor=None)


def mapped(entity: str, key: str) -> int:
    object_id = LegacyKey.objects.get(system="sap-alt", entity=entity, key=key).object_id
    assert object_id is not None
    return object_id


def by_name(report: Report) -> dict[str, FileReport]:
    return {item.name: item for item in report.files}


def errors(report: Report, name: str) -> dict[int, tuple[str, str]]:
    return {e.line: (e.column, e.message) for e in by_name(report)[name].errors}


def test_sample_export_imports_valid_rows_and_lists_every_bad_row(
    tariffs: None, sample_files: dict[str, bytes]
) -> None:
    report = run(sample_files)
    files = by_name(report)
    assert [f.name for f in report.files] == [
        "kunden.csv", "vertragskonten.csv", "vertraege.csv", "zaehler.csv",
        "zaehlerstaende.csv", "offene_posten.csv",
    ]  # fmt: skip
    customers = files["kunden.csv"]
    assert (customers.read, customers.created, customers.failed) == (31, 26, 5)
    assert BusinessPartner.objects.count() == 26
    assert files["kunden.csv"].encoding == "Windows-1252"
    assert files["zaehlerstaende.csv"].delimiter == ","
    kunden = errors(report, "kunden.csv")
    assert kunden[14] == ("kunde", "Der Schlüssel „K1003“ steht schon in Zeile 4 dieser Datei.")
    assert kunden[6][0] == "plz"
    assert kunden[9] == ("nachname", "Der Wert in Spalte „nachname“ fehlt.")
    assert kunden[17] == ("geburtsdatum", "„31.02.1980“ ist kein Datum (erwartet TT.MM.JJJJ).")
    konten = errors(report, "vertragskonten.csv")
    assert konten[6] == ("kunde", "Hängt von der fehlerhaften Zeile 6 in kunden.csv ab („K1005“).")
    assert konten[11] == (
        "iban",
        "Die Prüfziffer der IBAN stimmt nicht – bitte auf Tippfehler prüfen.",
    )
    assert konten[32][0] == "kunde" and "K9999" in konten[32][1]
    vertraege = errors(report, "vertraege.csv")
    assert vertraege[3] == ("tarif", "Den Tarif „strom-alt-2019“ gibt es nicht.")
    assert vertraege[5][0] == "malo_id"
    assert vertraege[7][0] == "beginn"
    zaehler = errors(report, "zaehler.csv")
    assert any(
        m == ("zustandszahl", "Ein Gaszähler braucht eine Zustandszahl.") for m in zaehler.values()
    )
    stande = errors(report, "zaehlerstaende.csv")
    messages = [message for _column, message in stande.values()]
    assert "Der Zähler hat nur 6 Stellen vor dem Komma." in messages
    assert "Das Ablesedatum liegt in der Zukunft." in messages
    assert "Eine Schätzung braucht einen Grund (§ 40a EnWG)." in messages
    assert any(m.startswith("Der Stand ist kleiner als der vom 01.01.2026") for m in messages)
    posten = errors(report, "offene_posten.csv")
    assert posten[22] == ("betrag", "„12.5“ ist keine Zahl (erwartet z. B. 1.234,56).")
    assert posten[25][0] == "faellig_am"
    # Totals add up for every file.
    for item in report.files:
        assert item.read == item.created + item.updated + item.unchanged + item.failed


def test_objects_come_from_the_services_with_their_rules(
    tariffs: None, sample_files: dict[str, bytes]
) -> None:
    run(sample_files)
    partner = BusinessPartner.objects.get(pk=mapped("customer", "K1020"))
    assert partner.last_name == '=HYPERLINK("http://evil.example";"Klick")'  # stored as text
    assert partner.number.isdigit()  # a number of our range, the legacy key is in the mapping
    assert AuditLogEntry.objects.filter(object_type="customers.businesspartner").count() == 26
    account = ContractAccount.objects.get(pk=mapped("account", "VK1001"))
    assert account.payment_method == "direct_debit" and account.iban == "DE02120300000000202051"
    assert account.bic  # derived from the bank code
    ended = Contract.objects.get(pk=mapped("contract", "V1029"))
    assert str(ended.end_date) == "2025-12-31"
    double = Meter.objects.get(pk=mapped("meter", "Z1018"))
    assert sorted(double.registers.values_list("obis_code", flat=True)) == [
        "1-1:1.8.1",
        "1-1:1.8.2",
    ]
    gas = Meter.objects.get(pk=mapped("meter", "Z1001"))
    assert GasConversionFactor.objects.get(market_location=gas.market_location).z_number == Decimal(
        "0.9531"
    )
    estimate = MeterReading.objects.get(pk=mapped("reading", "A-X5"))
    assert estimate.estimated and estimate.value == Decimal("4100.250")
    big = LedgerDocument.objects.get(source="legacy:sap-alt:OP5012")
    assert ledger.customer_lines(big).get().amount == Decimal("1234.56")
    assert big.reference == "R2026-00012"
    credit = LedgerDocument.objects.get(source="legacy:sap-alt:OP5023")
    assert ledger.customer_lines(credit).get().amount == Decimal("-25.00")


def test_dry_run_reports_the_same_and_stores_nothing(
    tariffs: None, sample_files: dict[str, bytes]
) -> None:
    dry = run(sample_files, dry_run=True)
    assert dry.dry_run and dry.totals()["created"] > 150
    assert not BusinessPartner.objects.exists()
    assert not LegacyKey.objects.exists() and not LedgerDocument.objects.exists()
    assert not AuditLogEntry.objects.exists()
    real = run(sample_files)
    assert real.totals() == dry.totals()


def test_a_second_run_creates_nothing_and_a_changed_row_updates(
    tariffs: None, sample_files: dict[str, bytes]
) -> None:
    first = run(sample_files)
    again = run(sample_files)
    assert again.totals()["created"] == 0 and again.totals()["updated"] == 0
    assert again.totals()["unchanged"] == first.totals()["created"]
    assert again.totals()["failed"] == first.totals()["failed"]
    assert BusinessPartner.objects.count() == 26
    changed = dict(sample_files)
    changed["kunden.csv"] = sample_files["kunden.csv"].replace(b"Schulweg;2;", b"Neuer Weg;2;")
    changed["vertraege.csv"] = sample_files["vertraege.csv"].replace(
        "50667;Köln;;;Keller;KOELN-H\r\nV1002".encode(),
        "50667;Köln;30.06.2026;;Keller;KOELN-H\r\nV1002".encode(),
    )
    assert changed["vertraege.csv"] != sample_files["vertraege.csv"]
    third = run(changed)
    files = by_name(third)
    assert (files["kunden.csv"].updated, files["kunden.csv"].created) == (1, 0)
    assert files["vertraege.csv"].updated == 1
    partner = BusinessPartner.objects.get(pk=mapped("customer", "K1002"))
    assert partner.addresses.get(kind="main").street == "Neuer Weg"
    contract = Contract.objects.get(pk=mapped("contract", "V1001"))
    assert str(contract.end_date) == "2026-06-30"
    assert AuditLogEntry.objects.filter(object_type="supply.contract", action="update").exists()


def test_a_changed_reading_or_open_item_is_refused_with_a_reason(
    tariffs: None, sample_files: dict[str, bytes]
) -> None:
    run(sample_files)
    changed = dict(sample_files)
    changed["zaehlerstaende.csv"] = sample_files["zaehlerstaende.csv"].replace(
        b"A-ZW1001-1-2026,ZW1001-1,01.01.2026,3345", b"A-ZW1001-1-2026,ZW1001-1,01.01.2026,3346"
    )
    report = run(changed)
    failure = by_name(report)["zaehlerstaende.csv"]
    assert failure.updated == 0
    assert any("übernommene Stände ändert der Import nicht" in e.message for e in failure.errors)


def test_a_refused_file_stops_everything(tariffs: None, sample_files: dict[str, bytes]) -> None:
    files = dict(sample_files)
    files["vertraege.csv"] = b"vertrag;konto\nV1;VK1\n"
    files["zaehler.csv"] = b""
    report = run(files)
    assert "Nicht lesbar: vertraege.csv, zaehler.csv" in report.problem
    refused = {f.name: f.refused for f in report.files if f.refused}
    assert refused["zaehler.csv"] == "Die Datei ist leer."
    assert refused["vertraege.csv"].startswith("In der Kopfzeile fehlen Spalten: sparte, malo_id")
    assert not BusinessPartner.objects.exists()


def test_rows_of_a_later_file_may_refer_to_an_earlier_run(
    tariffs: None, sample_files: dict[str, bytes]
) -> None:
    run({"kunden.csv": sample_files["kunden.csv"]})
    report = run({"vertragskonten.csv": sample_files["vertragskonten.csv"]})
    assert by_name(report)["vertragskonten.csv"].created == 24
    assert "Den Schlüssel „K1005“ gibt es weder" in errors(report, "vertragskonten.csv")[6][1]


def test_legacy_sepa_mandates_continue_with_their_reference(
    tariffs: None, sample_files: dict[str, bytes]
) -> None:
    run(sample_files)
    mandate = SepaMandate.objects.get(reference="ALT-M-1001")
    assert mandate.status == SepaMandate.Status.ACTIVE
    assert mandate.account_id == mapped("account", "VK1001")
    assert str(mandate.signed_on) == "2019-03-15" and str(mandate.last_used_on) == "2026-11-02"
    assert mandate.iban == "DE02120300000000202051"
    assert not Letter.objects.filter(kind="sepa_mandate").exists()  # the debtor knows it
    header = "konto;kunde;zahlweise;iban;kontoinhaber;mandatsreferenz;mandat_datum\n"
    more = (
        header
        + "VK2001;K1004;Lastschrift;DE89370400440532013000;Peter Weiß;MANDAT-Ü-1;01.02.2020\n"
        "VK2002;K1006;Überweisung;;;ALT-M-9;01.02.2020\n"
        "VK2003;K1007;Lastschrift;DE89370400440532013000;Klaus Becker;alt-m-1001;01.02.2020\n"
        "VK2004;K1009;Lastschrift;DE89370400440532013000;Heike Kaya;ALT-M-2004;\n"
    )
    report = run({"vertragskonten.csv": more.encode()})
    found = errors(report, "vertragskonten.csv")
    assert found[2][0] == "mandatsreferenz" and "nicht erlaubte Zeichen: Ü" in found[2][1]
    assert found[3] == ("mandatsreferenz", "Ein Mandat gibt es nur bei der Zahlweise Lastschrift.")
    assert found[4] == ("mandatsreferenz", "Die Mandatsreferenz alt-m-1001 ist schon vergeben.")
    assert found[5] == ("mandat_datum", "Der Wert in Spalte „mandat_datum“ fehlt.")
    assert not LegacyKey.objects.filter(key__startswith="VK200").exists()
    # Another IBAN on an account with an active mandate is a mandate amendment: not here.
    changed = dict(sample_files)
    changed["vertragskonten.csv"] = sample_files["vertragskonten.csv"].replace(
        b"VK1001;K1001;Lastschrift;DE02120300000000202051",
        b"VK1001;K1001;Lastschrift;DE89370400440532013000",
    )
    refused = errors(run(changed), "vertragskonten.csv")
    assert refused[2][0] == "mandatsreferenz" and "Mandatsänderung" in refused[2][1]


def test_small_batches_give_the_same_result_as_one(
    tariffs: None, sample_files: dict[str, bytes]
) -> None:
    dry = run(sample_files, dry_run=True)
    batched = engine.run_import(
        sample_files, system="sap-alt", dry_run=False, actor=None, batch_size=4
    )
    assert batched.totals() == dry.totals()
    assert [f.errors for f in batched.files] == [f.errors for f in dry.files]
    assert BusinessPartner.objects.count() == 26


def test_a_zustandszahl_only_for_gas_and_meter_numbers_once(
    tariffs: None, sample_files: dict[str, bytes]
) -> None:
    run(sample_files)
    header = (
        "zaehler;zaehlwerk;zaehlernummer;vertrag;bauart;eingebaut_am;obis;einheit;"
        "vorkommastellen;zustandszahl\n"
    )
    rows = (
        "Z9001;ZW9001;1ESY900001;V1003;modern;01.01.2024;1-1:1.8.0;kWh;6;0,95\n"
        "Z9002;ZW9002;1ESY700003;V1003;modern;01.01.2024;1-1:1.8.0;kWh;6;\n"
    )
    report = run({"zaehler.csv": (header + rows).encode()})
    found = errors(report, "zaehler.csv")
    assert found[2] == ("zustandszahl", "Eine Zustandszahl gibt es nur für Gas.")
    assert found[3] == ("zaehlernummer", "Die Zählernummer 1ESY700003 ist schon vergeben.")
    assert not Meter.objects.filter(number="1ESY900001").exists()
