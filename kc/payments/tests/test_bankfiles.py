"""Reading camt.053, camt.054 and pain.002 files into BankEntry records."""

import io
import subprocess
import sys
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from kc.payments.bankfiles import BankEntry, BankFileError, Direction, read_all, read_bank_file
from kc.payments.return_reasons import reason_for
from kc.payments.tests.bankfile_samples import (
    CUSTOMER_IBAN,
    CUSTOMER_NAME,
    OWN_IBAN,
    Batch,
    Spec,
    Tx,
    TxStatus,
    camt053,
    camt054,
    pain002,
    validate_camt,
)

Version = Literal["08", "02"]
VERSIONS: tuple[Version, ...] = ("08", "02")

RETURN = Tx(
    5200,
    "debit",
    kind="direct_debit",
    return_reason="AM04",
    return_fee_cents=300,
    end_to_end_id="KC-E2E-000123",
    mandate_reference="KC-M-4711",
    original_message_id="PAIN008-2026-03-01-001",
    original_payment_info_id="PMTINF-2026-03-01",
    entry_ref="2026030200001",
)
STATEMENT: list[Spec] = [
    Tx(11900, remittance=("Rechnung 2026-000123", "Kundennr. 100234"), entry_ref="2026030200002"),
    Tx(4550, creditor_reference="RF18539007547034", end_to_end_id="BANK-E2E-9"),
    Batch(
        [
            Tx(5000, kind="direct_debit", end_to_end_id="KC-E2E-1", mandate_reference="KC-M-1"),
            Tx(7000, kind="direct_debit", end_to_end_id="KC-E2E-2", mandate_reference="KC-M-2"),
            Tx(6500, kind="direct_debit", end_to_end_id="KC-E2E-3", mandate_reference="KC-M-3"),
        ],
        entry_ref="2026030200003",
        payment_info_id="PMTINF-2026-03-01",
        message_id="PAIN008-2026-03-01-001",
    ),
    Tx(2999, "debit", counterparty_name="Netzbetreiber GmbH", entry_ref="2026030200004"),
    RETURN,
]


def read(data: bytes) -> list[BankEntry]:
    return read_all(io.BytesIO(data))[1]


@pytest.mark.parametrize("version", VERSIONS)
def test_camt054_return_with_bank_fee(version: Version) -> None:
    header, entries = read_all(io.BytesIO(camt054([RETURN], version=version)))
    assert (header.kind, header.version) == ("camt.054", f"001.{version}")
    assert header.message_id == "NTFCTN-2026-03-02-001"
    assert header.account_iban == OWN_IBAN
    [entry] = entries
    assert entry.is_return and entry.direction == "debit"
    assert entry.amount_cents == 5500  # booked: original plus the fee
    assert entry.original_amount_cents == 5200
    assert entry.return_fee_cents == 300
    assert entry.return_reason == "AM04"
    assert str(reason_for(entry.return_reason).text) == "Konto nicht gedeckt"
    assert entry.end_to_end_id == "KC-E2E-000123"
    assert entry.mandate_reference == "KC-M-4711"
    assert entry.original_message_id == "PAIN008-2026-03-01-001"
    assert entry.original_payment_info_id == "PMTINF-2026-03-01"
    # The counterparty of a returned collection is the customer it was collected from.
    assert (entry.counterparty_name, entry.counterparty_iban) == (CUSTOMER_NAME, CUSTOMER_IBAN)
    assert entry.key == "2026030200001"
    assert entry.booking_date == date(2026, 3, 2) and entry.booked
    assert entry.status == ""


@pytest.mark.parametrize("version", VERSIONS)
def test_camt053_statement_with_batched_entry(version: Version) -> None:
    header, entries = read_all(io.BytesIO(camt053(STATEMENT, version=version)))
    assert header.kind == "camt.053"
    assert header.created_at == datetime(2026, 3, 3, 6, 15, tzinfo=ZoneInfo("Europe/Berlin"))
    assert [e.amount_cents for e in entries] == [11900, 4550, 5000, 7000, 6500, 2999, 5500]
    assert [e.direction for e in entries] == ["credit"] * 5 + ["debit"] * 2
    assert [e.is_return for e in entries] == [False] * 6 + [True]
    batch = entries[2:5]
    assert [e.end_to_end_id for e in batch] == ["KC-E2E-1", "KC-E2E-2", "KC-E2E-3"]
    assert [e.mandate_reference for e in batch] == ["KC-M-1", "KC-M-2", "KC-M-3"]
    assert {e.original_payment_info_id for e in batch} == {"PMTINF-2026-03-01"}
    assert {e.original_message_id for e in batch} == {"PAIN008-2026-03-01-001"}
    # One bank reference for three transactions: numbered so each is imported once.
    assert [e.key for e in batch] == ["2026030200003/1", "2026030200003/2", "2026030200003/3"]
    outgoing = entries[5]
    assert outgoing.counterparty_name == "Netzbetreiber GmbH"
    assert {e.account_iban for e in entries} == {OWN_IBAN}


@pytest.mark.parametrize("version", VERSIONS)
def test_incoming_transfer_with_invoice_number(version: Version) -> None:
    [entry] = read(camt053(STATEMENT[:1], version=version))
    assert entry.remittance == "Rechnung 2026-000123 Kundennr. 100234"
    assert entry.end_to_end_id == ""  # NOTPROVIDED
    assert (entry.counterparty_name, entry.counterparty_iban) == (CUSTOMER_NAME, CUSTOMER_IBAN)
    assert entry.return_reason == "" and entry.return_fee_cents == 0


@pytest.mark.parametrize("version", VERSIONS)
def test_credit_with_structured_creditor_reference(version: Version) -> None:
    [entry] = read(camt054(STATEMENT[1:2], version=version))
    assert entry.creditor_reference == "RF18539007547034"
    assert entry.remittance == ""
    assert entry.end_to_end_id == "BANK-E2E-9"


def test_versions_02_and_08_read_the_same() -> None:
    assert read(camt053(STATEMENT, version="02")) == read(camt053(STATEMENT, version="08"))
    assert read(camt054(STATEMENT, version="02")) == read(camt054(STATEMENT, version="08"))


def test_return_recognised_by_bank_transaction_code_alone() -> None:
    by_gvc = Tx(5200, "debit", kind="direct_debit", gvc="109", end_to_end_id="A")
    by_family = Tx(5200, "debit", bank_code=("PMNT", "IDDT", "UPDD"), gvc="105")
    reversal = Tx(5200, "debit", kind="direct_debit", reversal=True)
    plain = Tx(5200, "debit", kind="direct_debit")
    entries = read(camt053([by_gvc, by_family, reversal, plain]))
    assert [e.is_return for e in entries] == [True, True, True, False]
    assert entries[0].counterparty_name == CUSTOMER_NAME


def test_returned_transfer_is_a_credit_return_from_the_payee() -> None:
    back = Tx(8000, "credit", return_reason="AC04", counterparty_name="Max Muster")
    [entry] = read(camt054([back]))
    assert entry.is_return and entry.direction == "credit"
    assert entry.counterparty_name == "Max Muster"


def test_collective_booking_without_details() -> None:
    batch = Batch(
        [Tx(5000, kind="direct_debit"), Tx(7000, kind="direct_debit")],
        with_details=False,
        entry_ref="SAMMLER-1",
        payment_info_id="PMTINF-2026-03-01",
    )
    [entry] = read(camt053([batch]))
    assert entry.amount_cents == 12000
    assert entry.key == "SAMMLER-1"
    assert entry.original_payment_info_id == "PMTINF-2026-03-01"


def test_pending_entry_is_not_booked() -> None:
    [entry] = read(camt054([Tx(100, status="PDNG")]))
    assert not entry.booked


def test_several_accounts_in_one_statement() -> None:
    other = "DE75512108001245126199"
    header, entries = read_all(
        io.BytesIO(camt053([Tx(100)], more_accounts={other: [Tx(200), Tx(300)]}))
    )
    assert header.account_iban == OWN_IBAN
    assert [e.account_iban for e in entries] == [OWN_IBAN, other, other]


def test_timestamp_without_offset_is_german_time() -> None:
    header, _ = read_all(io.BytesIO(camt054([Tx(1)], created_at=datetime(2026, 7, 1, 8, 0))))
    assert header.created_at == datetime(2026, 7, 1, 8, 0, tzinfo=ZoneInfo("Europe/Berlin"))


# --- pain.002 --------------------------------------------------------------------------


def test_pain002_whole_file_rejected() -> None:
    data = pain002(group_status="RJCT", group_reason="FF01", original_control_sum_cents=123456)
    header, entries = read_all(io.BytesIO(data))
    assert (header.kind, header.version, header.account_iban) == ("pain.002", "001.10", "")
    [entry] = entries
    assert entry.end_to_end_id == ""
    assert entry.status == "RJCT" and entry.is_return and entry.direction == "debit"
    assert entry.return_reason == "FF01"
    assert entry.original_message_id == "PAIN008-2026-03-01-001"
    assert entry.original_message_type == "pain.008.001.08"
    assert entry.amount_cents == 123456
    assert not entry.booked


def test_pain002_whole_file_rejected_with_transactions_listed() -> None:
    data = pain002(
        [TxStatus("E2E-1", 5200, status="", reason=""), TxStatus("E2E-2", 1000, status="")],
        group_status="RJCT",
        group_reason="FF01",
    )
    entries = read(data)
    assert [(e.end_to_end_id, e.status, e.return_reason) for e in entries] == [
        ("E2E-1", "RJCT", "FF01"),
        ("E2E-2", "RJCT", "AC04"),
    ]


@pytest.mark.parametrize("version", ["10", "03"])
def test_pain002_single_transactions_rejected(version: Version) -> None:
    data = pain002(
        [
            TxStatus("E2E-1", 5200, reason="AC04", mandate_reference="KC-M-1"),
            TxStatus("E2E-2", 1999, status="ACCP", reason=""),
            TxStatus("E2E-3", 8000, reason="MD07", payment_info_id="PMTINF-B"),
        ],
        version=version,
    )
    rejected, accepted, deceased = read(data)
    assert rejected.is_return and rejected.direction == "debit"
    assert (rejected.amount_cents, rejected.return_reason) == (5200, "AC04")
    assert rejected.mandate_reference == "KC-M-1"
    assert (rejected.counterparty_name, rejected.counterparty_iban) == (
        CUSTOMER_NAME,
        CUSTOMER_IBAN,
    )
    assert rejected.original_payment_info_id == "PMTINF-2026-03-01"
    assert not accepted.is_return and accepted.status == "ACCP"
    assert deceased.original_payment_info_id == "PMTINF-B"
    assert deceased.return_reason == "MD07"


def test_pain002_payment_block_rejected_without_transactions() -> None:
    [entry] = read(pain002(payment_infos=[("PMTINF-X", "RJCT", "AM05")]))
    assert entry.original_payment_info_id == "PMTINF-X"
    assert (entry.status, entry.return_reason, entry.is_return) == ("RJCT", "AM05", True)


def test_pain002_without_original_transaction_reference() -> None:
    [entry] = read(pain002([TxStatus("E2E-1", 5200, with_reference=False)]))
    assert entry.amount_cents == 0 and entry.end_to_end_id == "E2E-1"


# --- keys ------------------------------------------------------------------------------


def test_keys_stable_across_reads_and_distinct() -> None:
    without_refs: list[Spec] = [replace(RETURN, entry_ref=None), Tx(100), Tx(100), Tx(100, "debit")]
    for data in (
        camt053(STATEMENT + without_refs),
        camt054(without_refs),
        pain002([TxStatus("A", 1), TxStatus("B", 1), TxStatus("A", 1)]),
    ):
        first, second = read(data), read(data)
        assert [e.key for e in first] == [e.key for e in second]
        assert len({e.key for e in first}) == len(first)
        assert all(len(e.key) <= 64 for e in first)


def test_transaction_reference_wins_and_placeholders_do_not_count() -> None:
    entries = read(
        camt053([Tx(100, tx_ref="TX-1", entry_ref="NTRY-1"), Tx(100, entry_ref="NONREF")])
    )
    assert entries[0].key == "TX-1"
    assert len(entries[1].key) == 64  # hashed


# --- broken files ----------------------------------------------------------------------


def test_truncated_file_raises_before_any_entry(tmp_path: Path) -> None:
    data = camt053(STATEMENT * 20)
    broken = data[: len(data) * 2 // 3]
    path = tmp_path / "auszug.xml"
    path.write_bytes(broken)
    with pytest.raises(BankFileError, match="unvollständig") as error:
        read_all(path)
    assert error.value.line
    # Streaming hands out the first entries before it reaches the break.
    streamed: list[BankEntry] = []
    with pytest.raises(BankFileError):
        streamed.extend(read_bank_file(str(path)).entries)
    assert streamed


@pytest.mark.parametrize(
    "data",
    [b"", b"Buchungstag;Betrag\n02.03.2026;119,00\n", b"%PDF-1.7\n", b"\xff\xfe<\x00"],
)
def test_not_xml(data: bytes) -> None:
    with pytest.raises(BankFileError, match=r"Keine gültige XML-Datei|leer"):
        read_all(io.BytesIO(data))


@pytest.mark.parametrize(
    "namespace",
    [
        "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09",
        "urn:iso:std:iso:20022:tech:xsd:camt.052.001.08",
        "http://example.org/statement",
        "",
    ],
)
def test_unknown_message(namespace: str) -> None:
    xmlns = f' xmlns="{namespace}"' if namespace else ""
    data = f"<Document{xmlns}><BkToCstmrStmt/></Document>".encode()
    with pytest.raises(BankFileError, match="Unbekannte Nachricht"):
        read_all(io.BytesIO(data))


def _without(data: bytes, path: str) -> bytes:
    root = etree.fromstring(data)
    ns = {"c": etree.QName(root).namespace}
    for element in root.xpath(path, namespaces=ns):
        element.getparent().remove(element)
    return bytes(etree.tostring(root))


def _replace_text(data: bytes, path: str, text: str) -> bytes:
    root = etree.fromstring(data)
    ns = {"c": etree.QName(root).namespace}
    for element in root.xpath(path, namespaces=ns):
        element.text = text
    return bytes(etree.tostring(root))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: _without(d, "//c:Ntry/c:Amt"), "Betrag der Buchung"),
        (lambda d: _without(d, "//c:Ntry/c:CdtDbtInd"), "Soll/Haben-Kennzeichen"),
        (lambda d: _replace_text(d, "//c:Ntry/c:CdtDbtInd", "PLUS"), "„PLUS“ ist ungültig"),
        (lambda d: _replace_text(d, "//c:Ntry/c:Amt", "12,50"), "keine gültige Zahl"),
        (lambda d: _replace_text(d, "//c:Ntry/c:Amt", "1.005"), "mehr als zwei Nachkommastellen"),
        (lambda d: _replace_text(d, "//c:Ntry/c:Amt", "-5.00"), "keine gültige Zahl"),
        (lambda d: _replace_text(d, "//c:BookgDt/c:Dt", "02.03.2026"), "Datum"),
        (lambda d: _without(d, "//c:GrpHdr/c:MsgId"), "Nachrichtenkennung"),
    ],
)
def test_missing_or_broken_parts(change, message: str) -> None:  # type: ignore[no-untyped-def]
    data = change(camt054([Tx(100, remittance="x", with_details=False)]))
    with pytest.raises(BankFileError, match=message):
        read_all(io.BytesIO(data))


def test_entry_amount_is_checked_even_when_transactions_have_their_own() -> None:
    data = _replace_text(camt053([Tx(100)]), "//c:Ntry/c:Amt", "1,00")
    with pytest.raises(BankFileError, match="keine gültige Zahl"):
        read_all(io.BytesIO(data))


def test_external_entities_are_not_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("GEHEIM")
    data = (
        camt054([Tx(100, remittance="PLATZHALTER")])
        .replace(
            b"<Document",
            f'<!DOCTYPE Document [<!ENTITY x SYSTEM "{secret.as_uri()}">]>\n<Document'.encode(),
            1,
        )
        .replace(b"PLATZHALTER", b"&x;")
    )
    [entry] = read(data)
    assert "GEHEIM" not in entry.remittance


def test_error_names_the_line() -> None:
    data = _without(camt053([Tx(100), Tx(200)]), "//c:Ntry[2]/c:Amt")
    pretty = etree.tostring(etree.fromstring(data), pretty_print=True)
    with pytest.raises(BankFileError, match=r"^Zeile \d+: ") as error:
        read_all(io.BytesIO(pretty))
    assert error.value.line and error.value.line > 10


# --- schemas, streaming, purity ---------------------------------------------------------

SAMPLES: dict[str, list[Spec]] = {
    "return": [RETURN],
    "statement": STATEMENT,
    "without-details": [Batch([Tx(1), Tx(2)], with_details=False), Tx(3, with_details=False)],
    "transfer-return": [Tx(8000, "credit", return_reason="AC04", return_fee_cents=250)],
}


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name", SAMPLES)
def test_samples_validate_against_the_iso_schema(name: str, version: Version) -> None:
    validate_camt(camt053(SAMPLES[name], version=version))
    validate_camt(camt054(SAMPLES[name], version=version))


def test_entries_stream_while_the_file_is_read() -> None:
    data = camt053([Tx(100 + i, entry_ref=f"R{i}") for i in range(3000)])
    stream = io.BytesIO(data)
    entries = read_bank_file(stream).entries
    assert next(entries).amount_cents == 100
    assert stream.tell() < len(data) / 4
    assert sum(1 for _ in entries) == 2999


def test_reader_does_not_import_django() -> None:
    code = "import sys, kc.payments.bankfiles; sys.exit('django' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], check=False, cwd=Path.cwd())  # noqa: S603
    assert result.returncode == 0


DIRECTIONS: list[Direction] = ["credit", "debit"]
amounts = st.lists(
    st.tuples(st.integers(0, 10**11), st.sampled_from(DIRECTIONS)), min_size=1, max_size=8
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(amounts=amounts, version=st.sampled_from(VERSIONS))
def test_amounts_round_trip_exactly(amounts: list[tuple[int, Direction]], version: Version) -> None:
    specs: list[Spec] = [Tx(cents, direction) for cents, direction in amounts]
    data = camt053(specs, version=version)
    validate_camt(data)
    entries = read(data)
    assert [(e.amount_cents, e.direction) for e in entries] == amounts
