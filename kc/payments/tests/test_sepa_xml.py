"""The SEPA writer: every file a test writes is checked against the ISO schema."""

import io
import threading
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from kc.payments import sepa_xml
from kc.payments.sepa_xml import (
    Creditor,
    CreditTransfer,
    DebitGroup,
    Debtor,
    DirectDebit,
    SchemaError,
    SepaFileError,
    StreamValidator,
    TransferGroup,
    format_cents,
    sepa_text,
    validate_file,
    write_credit_transfers,
    write_direct_debits,
)

NS = {"p": sepa_xml.NAMESPACES["pain.008.001.08"]}
NS_TRF = {"p": sepa_xml.NAMESPACES["pain.001.001.09"]}
CREATED = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
CREDITOR = Creditor(
    name="Stadtwerke Kühlental GmbH & Co. KG",
    iban="DE89370400440532013000",
    bic="COBADEFFXXX",
    creditor_id="DE98ZZZ09999999999",
)
IBAN_A = "DE89370400440532013000"
IBAN_B = "DE02100100109307118603"
IBAN_C = "DE68210501700012345678"


def debit(number: int = 1, amount: int = 4_200, **changes: Any) -> DirectDebit:
    values: dict[str, Any] = {
        "end_to_end_id": f"E2E-{number}",
        "amount_cents": amount,
        "mandate_reference": f"KC-1000{number}-001",
        "mandate_signed_on": date(2024, 3, 1),
        "debtor_name": "Jürgen Weiß",
        "debtor_iban": IBAN_B,
        "debtor_bic": "PBNKDEFFXXX",
        "remittance": f"Abschlag Januar 2026 Vertragskonto 1000{number}",
    }
    values.update(changes)
    return DirectDebit(**values)


def group(
    debits: list[DirectDebit],
    pid: str = "P-1",
    *,
    day: date = date(2026, 1, 15),
    sequence: str = "RCUR",
    instrument: str = "CORE",
    count: int | None = None,
    total: int | None = None,
) -> DebitGroup:
    return DebitGroup(
        payment_info_id=pid,
        collection_date=day,
        sequence=sequence,  # type: ignore[arg-type]
        instrument=instrument,  # type: ignore[arg-type]
        count=len(debits) if count is None else count,
        total_cents=sum(d.amount_cents for d in debits) if total is None else total,
        debits=lambda: iter(debits),
    )


def write(tmp_path: Path, groups: list[DebitGroup], creditor: Creditor = CREDITOR) -> Path:
    path = tmp_path / "debits.xml"
    with open(path, "wb") as out:
        write_direct_debits(
            out,
            message_id="KC-20260105-1",
            created_at=CREATED,
            initiating_party="Stadtwerke Kühlental",
            creditor=creditor,
            groups=groups,
        )
    validate_file(path, "pain.008.001.08")
    return path


def xpath(path: Path, expression: str, ns: dict[str, str] = NS) -> list[str]:
    return [str(value) for value in etree.parse(str(path)).xpath(expression, namespaces=ns)]


def test_groups_by_date_sequence_and_instrument(tmp_path: Path) -> None:
    groups = [
        group([debit(1), debit(2, 1_000)], "P-CORE-RCUR"),
        group([debit(3)], "P-CORE-FRST", sequence="FRST", day=date(2026, 1, 20)),
        group([debit(4, 7)], "P-B2B-OOFF", sequence="OOFF", instrument="B2B"),
    ]
    path = tmp_path / "debits.xml"
    with open(path, "wb") as out:
        summary = write_direct_debits(
            out,
            message_id="KC-20260105-1",
            created_at=CREATED,
            initiating_party="Stadtwerke",
            creditor=CREDITOR,
            groups=groups,
        )
    validate_file(path, "pain.008.001.08")
    assert (summary.count, summary.total_cents) == (4, 4_200 + 1_000 + 4_200 + 7)
    assert [g.payment_info_id for g in summary.groups] == [g.payment_info_id for g in groups]
    assert xpath(path, "//p:GrpHdr/p:NbOfTxs/text()") == ["4"]
    assert xpath(path, "//p:GrpHdr/p:CtrlSum/text()") == ["94.07"]
    assert xpath(path, "//p:GrpHdr/p:CreDtTm/text()") == ["2026-01-05T09:30:00+00:00"]
    rows = [
        (
            pmt.findtext("p:PmtInfId", namespaces=NS),
            pmt.findtext("p:PmtTpInf/p:LclInstrm/p:Cd", namespaces=NS),
            pmt.findtext("p:PmtTpInf/p:SeqTp", namespaces=NS),
            pmt.findtext("p:ReqdColltnDt", namespaces=NS),
            pmt.findtext("p:NbOfTxs", namespaces=NS),
            pmt.findtext("p:CtrlSum", namespaces=NS),
            len(pmt.findall("p:DrctDbtTxInf", namespaces=NS)),
        )
        for pmt in etree.parse(str(path)).getroot().iterfind(".//p:PmtInf", namespaces=NS)
    ]
    assert rows == [
        ("P-CORE-RCUR", "CORE", "RCUR", "2026-01-15", "2", "52.00", 2),
        ("P-CORE-FRST", "CORE", "FRST", "2026-01-20", "1", "42.00", 1),
        ("P-B2B-OOFF", "B2B", "OOFF", "2026-01-15", "1", "0.07", 1),
    ]
    assert xpath(path, "//p:PmtInf[1]/p:CdtrSchmeId/p:Id/p:PrvtId/p:Othr/p:Id/text()") == [
        "DE98ZZZ09999999999"
    ]
    assert xpath(path, "//p:PmtInf[1]/p:CdtrSchmeId//p:SchmeNm/p:Prtry/text()") == ["SEPA"]
    assert xpath(path, "//p:PmtInf[1]/p:ChrgBr/text()") == ["SLEV"]
    assert xpath(path, "//p:PmtInf[1]/p:Cdtr/p:Nm/text()") == [
        "Stadtwerke Kuehlental GmbH + Co. KG"
    ]


def test_unchanged_mandate_has_no_amendment_details(tmp_path: Path) -> None:
    path = write(tmp_path, [group([debit(1, original_mandate_reference="KC-10001-001")])])
    assert xpath(path, "//p:MndtRltdInf/p:AmdmntInd/text()") == ["false"]
    assert xpath(path, "//p:AmdmntInfDtls") == []
    assert xpath(path, "//p:MndtRltdInf/p:DtOfSgntr/text()") == ["2024-03-01"]


@pytest.mark.parametrize(
    ("changes", "present", "absent"),
    [
        (
            {"original_mandate_reference": "ALT-4711"},
            {"p:OrgnlMndtId/text()": ["ALT-4711"]},
            ["p:OrgnlDbtrAcct", "p:OrgnlDbtrAgt"],
        ),
        (
            {"original_debtor_iban": IBAN_C},
            {"p:OrgnlDbtrAcct/p:Id/p:IBAN/text()": [IBAN_C]},
            ["p:OrgnlMndtId", "p:OrgnlDbtrAgt"],
        ),
        (
            # A new bank is SMNDA alone, even when the old IBAN is known.
            {"original_debtor_iban": IBAN_C, "debtor_agent_changed": True},
            {"p:OrgnlDbtrAgt/p:FinInstnId/p:Othr/p:Id/text()": ["SMNDA"]},
            ["p:OrgnlMndtId", "p:OrgnlDbtrAcct"],
        ),
        (
            {"original_mandate_reference": "ALT-4711", "debtor_agent_changed": True},
            {
                "p:OrgnlMndtId/text()": ["ALT-4711"],
                "p:OrgnlDbtrAgt/p:FinInstnId/p:Othr/p:Id/text()": ["SMNDA"],
            },
            ["p:OrgnlDbtrAcct"],
        ),
    ],
)
def test_amendments(
    tmp_path: Path, changes: dict[str, Any], present: dict[str, list[str]], absent: list[str]
) -> None:
    path = write(tmp_path, [group([debit(1, **changes), debit(2)])])
    first = "//p:DrctDbtTxInf[1]/p:DrctDbtTx/p:MndtRltdInf"
    assert xpath(path, f"{first}/p:AmdmntInd/text()") == ["true"]
    for expression, expected in present.items():
        assert xpath(path, f"{first}/p:AmdmntInfDtls/{expression}") == expected
    for expression in absent:
        assert xpath(path, f"{first}/p:AmdmntInfDtls/{expression}") == []
    assert xpath(path, "//p:DrctDbtTxInf[2]//p:AmdmntInd/text()") == ["false"]


def test_notprovided_when_no_bic(tmp_path: Path) -> None:
    creditor = Creditor(CREDITOR.name, CREDITOR.iban, "", CREDITOR.creditor_id)
    path = write(tmp_path, [group([debit(1, debtor_bic=""), debit(2)])], creditor)
    assert xpath(path, "//p:CdtrAgt/p:FinInstnId/p:Othr/p:Id/text()") == ["NOTPROVIDED"]
    assert xpath(path, "//p:CdtrAgt//p:BICFI") == []
    assert xpath(path, "//p:DrctDbtTxInf[1]/p:DbtrAgt/p:FinInstnId/p:Othr/p:Id/text()") == [
        "NOTPROVIDED"
    ]
    assert xpath(path, "//p:DrctDbtTxInf[2]/p:DbtrAgt/p:FinInstnId/p:BICFI/text()") == [
        "PBNKDEFFXXX"
    ]


def test_amount_bounds_are_written_exactly(tmp_path: Path) -> None:
    path = write(tmp_path, [group([debit(1, 1), debit(2, 99_999_999_999), debit(3, 100)])])
    assert xpath(path, "//p:InstdAmt/text()") == ["0.01", "999999999.99", "1.00"]
    assert xpath(path, "//p:InstdAmt/@Ccy") == ["EUR"] * 3
    assert xpath(path, "//p:GrpHdr/p:CtrlSum/text()") == ["1000000001.00"]


@pytest.mark.parametrize("cents", [0, -1, 100_000_000_000, True, 1.5])
def test_amounts_outside_sepa_are_refused(cents: object) -> None:
    with pytest.raises(SepaFileError, match="Betrag"):
        format_cents(cents)  # type: ignore[arg-type]


def test_format_cents() -> None:
    assert [format_cents(c) for c in (1, 10, 99, 100, 123_456)] == [
        "0.01",
        "0.10",
        "0.99",
        "1.00",
        "1234.56",
    ]


@pytest.mark.parametrize(
    ("count", "total", "yielded"),
    [(2, 8_400, 3), (3, 12_600, 2), (2, 9_000, 2)],
    ids=["more than declared", "fewer than declared", "other total"],
)
def test_declared_count_or_total_must_match(count: int, total: int, yielded: int) -> None:
    debits = [debit(n) for n in range(yielded)]
    with pytest.raises(SepaFileError, match="angekündigt"):
        write_direct_debits(
            io.BytesIO(),
            message_id="M-1",
            created_at=CREATED,
            initiating_party="SW",
            creditor=CREDITOR,
            groups=[group(debits, count=count, total=total)],
        )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"end_to_end_id": "E2E-" + "9" * 32}, "höchstens 35"),
        ({"end_to_end_id": "Rechnung Nr. 1 für Mai"}, "nicht erlaubte Zeichen: ü"),
        ({"mandate_reference": "/KC-1"}, "„/“"),
        ({"mandate_reference": "KC//1"}, "„//“"),
        ({"debtor_iban": "DE89370400440532013001"}, "keine gültige IBAN"),
        ({"debtor_bic": "PBNK"}, "keine gültige BIC"),
        ({"debtor_name": "€ € €"}, "keinen Text"),
        ({"mandate_signed_on": date(2026, 2, 1)}, "nach dem Einzugstag"),
    ],
)
def test_bad_fields_are_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(SepaFileError, match=message):
        write_direct_debits(
            io.BytesIO(),
            message_id="M-1",
            created_at=CREATED,
            initiating_party="SW",
            creditor=CREDITOR,
            groups=[group([debit(1, **changes)])],
        )


def test_creditor_id_and_created_at_are_checked() -> None:
    kwargs = {"message_id": "M-1", "initiating_party": "SW", "groups": [group([debit()])]}
    wrong = Creditor(CREDITOR.name, CREDITOR.iban, CREDITOR.bic, "DE99ZZZ09999999999")
    with pytest.raises(SepaFileError, match="Gläubiger-ID"):
        write_direct_debits(io.BytesIO(), created_at=CREATED, creditor=wrong, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(SepaFileError, match="Zeitzone"):
        write_direct_debits(
            io.BytesIO(),
            created_at=datetime(2026, 1, 5, 9, 30),
            creditor=CREDITOR,
            **kwargs,  # type: ignore[arg-type]
        )


def test_umlauts_are_transliterated(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [
            group(
                [
                    debit(
                        1,
                        debtor_name="Ärger-Öztürk, Ülkü & Søren Straße",
                        remittance="Gas/Strom: Müller–Lüdenscheidt “Haus” 12 €",
                    )
                ]
            )
        ],
    )
    assert xpath(path, "//p:Dbtr/p:Nm/text()") == ["Aerger-Oeztuerk, Uelkue + Soren Strasse"]
    assert xpath(path, "//p:RmtInf/p:Ustrd/text()") == ["Gas/Strom: Mueller-Luedenscheidt Haus 12"]


@pytest.mark.parametrize(
    ("text", "length", "expected"),
    [
        ("Müller", 70, "Mueller"),
        ("MÜLLER ÄÖÜ ß ẞ Ärger", 70, "MUELLER AEOEUE ss SS Aerger"),
        ("Café Crème, Łódź", 70, "Cafe Creme, Lodz"),
        ("A & B", 70, "A + B"),
        ("  viel   Raum\tund\nZeilen  ", 70, "viel Raum und Zeilen"),
        ("Ölförderung", 4, "Oelf"),
        ("abc def", 4, "abc"),
        ("€", 70, ""),
        ("a<b>&c\"d'", 70, "a b +c d'"),
    ],
)
def test_sepa_text(text: str, length: int, expected: str) -> None:
    assert sepa_text(text, length) == expected


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=300))
def test_any_text_makes_a_valid_file(tmp_path: Path, text: str) -> None:
    cleaned = sepa_text(text, 140)
    assert len(cleaned) <= 140
    assert set(cleaned) <= set(sepa_xml.SEPA_CHARS)
    assert cleaned == cleaned.strip() and "  " not in cleaned
    path = write(tmp_path, [group([debit(1, debtor_name="X " + text, remittance=text)])])
    assert xpath(path, "//p:RmtInf/p:Ustrd/text()") == ([cleaned] if cleaned else [])
    assert xpath(path, "//p:Dbtr/p:Nm/text()") == [sepa_text("X " + text, 70)]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('<InstdAmt Ccy="EUR">42.00<', '<InstdAmt Ccy="EUR">42,00<'),
        ('<InstdAmt Ccy="EUR">42.00<', '<InstdAmt Ccy="EUR">-42.00<'),
        ('<InstdAmt Ccy="EUR">42.00<', "<InstdAmt>42.00<"),
        ("<SeqTp>RCUR</SeqTp>", "<SeqTp>RCR</SeqTp>"),
        ("<ReqdColltnDt>2026-01-15</ReqdColltnDt>", ""),
        ("<PmtMtd>DD</PmtMtd>", "<PmtMtd>DD</PmtMtd><PmtMtd>DD</PmtMtd>"),
    ],
    ids=["comma", "negative", "no currency", "sequence", "missing date", "repeated"],
)
def test_tampered_file_fails_validation(tmp_path: Path, old: str, new: str) -> None:
    path = write(tmp_path, [group([debit(1), debit(2)])])
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")
    with pytest.raises(SepaFileError, match=r"Schema pain\.008\.001\.08: Zeile [0-9]+"):
        validate_file(path, "pain.008.001.08")


def test_tampered_big_file_fails_in_streaming_mode(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(sepa_xml, "_TREE_CHECK_MAX_BYTES", 0)
    path = write(tmp_path, [group([debit(n) for n in range(1, 6)])])
    text = path.read_text("utf-8")
    path.write_text(text.replace(">E2E-4<", ">E2E-4</EndToEndId><X>1</X><EndToEndId>E<"), "utf-8")
    with pytest.raises(SepaFileError, match=r"gemeldet nach \d+ gelesenen Transaktionen") as error:
        validate_file(path, "pain.008.001.08")
    # Only this file's error, none left over from files refused before.
    assert "X': This element is not expected" in str(error.value)
    assert "InstdAmt" not in str(error.value)
    # A good file passes afterwards: no errors carried over from the refused one.
    validate_file(write(tmp_path, [group([debit(1)])]), "pain.008.001.08")


def test_one_decimal_place_too_many_is_schema_valid_iso(tmp_path: Path) -> None:
    """The ISO schema allows 5 fraction digits: "1.234" passes it, so the writer must never
    produce it (format_cents) - the XSD is no guard for this."""
    path = write(tmp_path, [group([debit(1)])])
    path.write_text(path.read_text("utf-8").replace(">42.00<", ">42.001<", 1), "utf-8")
    validate_file(path, "pain.008.001.08")


def test_not_well_formed_and_wrong_message_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, [group([debit(1)])])
    with pytest.raises(SepaFileError, match=r"keine pain\.001\.001\.09-Nachricht"):
        validate_file(path, "pain.001.001.09")
    path.write_text(path.read_text("utf-8")[:-40], "utf-8")
    with pytest.raises(SepaFileError, match="Schema"):
        validate_file(path, "pain.008.001.08")


def test_credit_transfers(tmp_path: Path) -> None:
    transfers = [
        CreditTransfer("RF-1", 12_345, "Jörg Groß", IBAN_B, "PBNKDEFFXXX", "Erstattung 2025"),
        CreditTransfer("RF-2", 1, "Zoë Ñúñez", IBAN_C, "", ""),
    ]
    groups = [
        TransferGroup("T-1", date(2026, 2, 2), 2, 12_346, lambda: iter(transfers)),
        TransferGroup(
            "T-2",
            date(2026, 2, 3),
            1,
            500,
            lambda: iter([CreditTransfer("RF-3", 500, "Ana", IBAN_A, "COBADEFFXXX", "Guthaben")]),
        ),
    ]
    path = tmp_path / "payout.xml"
    with open(path, "wb") as out:
        summary = write_credit_transfers(
            out,
            message_id="KC-PAY-1",
            created_at=CREATED,
            initiating_party="Stadtwerke",
            debtor=Debtor("Stadtwerke Kühlental", IBAN_A, ""),
            groups=groups,
        )
    validate_file(path, "pain.001.001.09")
    assert (summary.count, summary.total_cents) == (3, 12_846)
    assert xpath(path, "//p:GrpHdr/p:CtrlSum/text()", NS_TRF) == ["128.46"]
    assert xpath(path, "//p:PmtInf/p:PmtMtd/text()", NS_TRF) == ["TRF", "TRF"]
    assert xpath(path, "//p:PmtInf/p:ReqdExctnDt/p:Dt/text()", NS_TRF) == [
        "2026-02-02",
        "2026-02-03",
    ]
    assert xpath(path, "//p:PmtInf[1]/p:DbtrAgt//p:Othr/p:Id/text()", NS_TRF) == ["NOTPROVIDED"]
    assert xpath(path, "//p:CdtTrfTxInf/p:Amt/p:InstdAmt/text()", NS_TRF) == [
        "123.45",
        "0.01",
        "5.00",
    ]
    assert xpath(path, "//p:CdtTrfTxInf/p:Cdtr/p:Nm/text()", NS_TRF) == [
        "Joerg Gross",
        "Zoe Nunez",
        "Ana",
    ]
    # No creditor agent without a BIC, no remittance without text.
    assert xpath(path, "//p:PmtInf[1]/p:CdtTrfTxInf[2]/p:CdtrAgt", NS_TRF) == []
    assert xpath(path, "//p:PmtInf[1]/p:CdtTrfTxInf[2]/p:RmtInf", NS_TRF) == []
    assert xpath(path, "//p:PmtInf[1]/p:CdtTrfTxInf[1]/p:CdtrAgt//p:BICFI/text()", NS_TRF) == [
        "PBNKDEFFXXX"
    ]
    with pytest.raises(SepaFileError, match=r"keine pain\.008\.001\.08-Nachricht"):
        validate_file(path, "pain.008.001.08")


def test_credit_transfer_totals_must_match() -> None:
    transfers = [CreditTransfer("RF-1", 100, "Ana", IBAN_A, "", "")]
    with pytest.raises(SepaFileError, match=r"angekündigt 1 Posten über 2\.00 EUR"):
        write_credit_transfers(
            io.BytesIO(),
            message_id="KC-PAY-1",
            created_at=CREATED,
            initiating_party="SW",
            debtor=Debtor("SW", IBAN_A, ""),
            groups=[TransferGroup("T-1", date(2026, 2, 2), 1, 200, lambda: iter(transfers))],
        )


def test_group_iterable_is_consumed_lazily_once(tmp_path: Path) -> None:
    calls = []

    def debits() -> list[DirectDebit]:
        calls.append(1)
        return [debit(1)]

    g = DebitGroup("P-1", date(2026, 1, 15), "RCUR", "CORE", 1, 4_200, debits)
    write(tmp_path, [g])
    assert calls == [1]


def test_module_imports_without_django() -> None:
    import subprocess
    import sys

    code = (
        "import sys; import kc.payments.sepa_xml; "
        "sys.exit(1 if any(m.startswith('django') for m in sys.modules) else 0)"
    )
    root = Path(__file__).resolve().parents[3]
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=root, env={"PYTHONPATH": str(root)}, check=False
    )
    assert result.returncode == 0


# --- in-stream validation and the fast paths ------------------------------------------------


def valid_bytes(debits: int = 3) -> bytes:
    out = io.BytesIO()
    write_direct_debits(
        out,
        message_id="KC-20260105-1",
        created_at=CREATED,
        initiating_party="Stadtwerke",
        creditor=CREDITOR,
        groups=[group([debit(n) for n in range(1, debits + 1)])],
    )
    return out.getvalue()


def stream_check(data: bytes, block: int = 7) -> bytes:
    """`data` written through a StreamValidator in small pieces; the bytes that reached out."""
    out = io.BytesIO()
    with StreamValidator(out, "pain.008.001.08") as checked:  # type: ignore[arg-type]
        for start in range(0, len(data), block):
            checked.write(data[start : start + block])
    return out.getvalue()


def test_fast_check_is_in_use() -> None:
    """The installed lxml still reports schema errors of a target parser (see _Check)."""
    assert sepa_xml._fast_check_works()


def test_write_with_validate_checks_in_stream(tmp_path: Path) -> None:
    path = tmp_path / "debits.xml"
    with open(path, "wb") as out:
        summary = write_direct_debits(
            out,
            message_id="KC-20260105-1",
            created_at=CREATED,
            initiating_party="Stadtwerke",
            creditor=CREDITOR,
            groups=[group([debit(n) for n in range(1, 4)])],
            validate=True,
        )
    assert summary.count == 3
    assert path.read_bytes() == valid_bytes()
    validate_file(path, "pain.008.001.08")


def test_stream_validator_passes_bytes_through_unchanged() -> None:
    data = valid_bytes(50)
    assert stream_check(data) == data
    assert stream_check(data, block=1 << 20) == data


@pytest.mark.parametrize("fast", [True, False], ids=["target parser", "event parser"])
@pytest.mark.parametrize(
    "cut",
    [
        lambda data: data[:-1],
        lambda data: data[: data.rindex(b"</PmtInf>")],
        lambda data: data[: data.index(b"</DrctDbtTxInf>\n") + 16],
        lambda data: data[: len(data) // 2],
        lambda data: data[:40],
        lambda data: b"",
        lambda data: data.replace(b">42.00<", b">42,00<", 1),
        lambda data: data.replace(b"<SeqTp>RCUR", b"<SeqTp>RCR", 1),
        lambda data: data.replace(b"<MsgId>", b"<X>1</X><MsgId>", 1),
        lambda data: data + b"<Document/>",
        lambda data: data.replace(b"pain.008.001.08", b"pain.008.001.02"),
    ],
    ids=[
        "last byte",
        "before the last PmtInf end",
        "after a transaction",
        "half",
        "declaration only",
        "empty",
        "comma",
        "sequence",
        "unknown element",
        "second root",
        "other namespace",
    ],
)
def test_truncated_or_invalid_bytes_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast: bool, cut: Any
) -> None:
    monkeypatch.setattr(sepa_xml, "_FAST_CHECK", [fast])
    data = cut(valid_bytes(20))
    with pytest.raises(SchemaError, match=r"Schema pain\.008\.001\.08"):
        stream_check(data)
    path = tmp_path / "bad.xml"
    path.write_bytes(data)
    with pytest.raises(SepaFileError):
        validate_file(path, "pain.008.001.08")
    # Nothing carried over: the same checks pass a good file afterwards.
    stream_check(valid_bytes(2))
    path.write_bytes(valid_bytes(2))
    validate_file(path, "pain.008.001.08")


def test_stream_refusal_in_a_big_file_names_the_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sepa_xml, "_FEED_BYTES", 4096)
    data = valid_bytes(200).replace(b">E2E-150<", b">E2E-150</EndToEndId><X/><EndToEndId>E<")
    with pytest.raises(SchemaError, match=r"gemeldet nach [0-9.]+ Bytes.*X': This element"):
        stream_check(data, block=1000)


def test_writer_error_inside_the_validator_propagates() -> None:
    before = threading.active_count()
    with pytest.raises(SepaFileError, match="angekündigt"):
        write_direct_debits(
            io.BytesIO(),
            message_id="M-1",
            created_at=CREATED,
            initiating_party="SW",
            creditor=CREDITOR,
            groups=[group([debit(1)], count=2, total=8_400)],
            validate=True,
        )
    assert threading.active_count() == before


def test_credit_transfers_with_validate() -> None:
    out = io.BytesIO()
    write_credit_transfers(
        out,
        message_id="KC-PAY-1",
        created_at=CREATED,
        initiating_party="SW",
        debtor=Debtor("SW", IBAN_A, ""),
        groups=[
            TransferGroup(
                "T-1",
                date(2026, 2, 2),
                1,
                100,
                lambda: iter([CreditTransfer("RF-1", 100, "Ana", IBAN_B, "", "")]),
            )
        ],
        validate=True,
    )
    assert b"<CdtTrfTxInf>" in out.getvalue()


@pytest.mark.parametrize(("sequence", "instrument"), [("RCR", "CORE"), ("RCUR", "COR</Cd>")])
def test_unknown_sequence_or_instrument_is_refused(sequence: str, instrument: str) -> None:
    with pytest.raises(SepaFileError, match="gibt es nicht"):
        write_direct_debits(
            io.BytesIO(),
            message_id="M-1",
            created_at=CREATED,
            initiating_party="SW",
            creditor=CREDITOR,
            groups=[group([debit(1)], sequence=sequence, instrument=instrument)],
        )


@settings(max_examples=300, deadline=None)
@given(
    value=st.text(alphabet=sepa_xml.SEPA_CHARS + "äé€<&\n", max_size=40)
    | st.sampled_from(["/", "//", " ", "a/", "/a", "a//b", "a b", "a ", " a", "a" * 35, "a" * 36])
)
def test_fast_id_check_agrees_with_sepa_id_problem(value: str) -> None:
    fast = sepa_xml._ID(value) is not None and "//" not in value
    assert fast == (sepa_xml.sepa_id_problem(value) is None)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=200))
def test_written_texts_need_no_escaping(text: str) -> None:
    cleaned = sepa_text(text, 140)
    assert not set(cleaned) & set('<>&"\r\n\t')
    assert cleaned.isascii()


def test_write_validated_refuses_an_invalid_file_with_line_numbers(tmp_path: Path) -> None:
    from kc.payments.files import FileError, write_validated

    out = tmp_path / "ls.xml"
    data = valid_bytes(3).replace(b">42.00<", b">42,00<", 1)
    with pytest.raises(FileError, match=r"Schema pain\.008\.001\.08: Zeile [0-9]+"):
        write_validated(out, "pain.008.001.08", lambda stream: stream.write(data))
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []
    sha = write_validated(out, "pain.008.001.08", lambda stream: stream.write(valid_bytes(3)))
    assert out.read_bytes() == valid_bytes(3) and len(sha) == 64
