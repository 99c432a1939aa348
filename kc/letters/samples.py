"""Example values for every letter kind: the admin's preview, the demo data and the tests."""

from __future__ import annotations

import datetime
from decimal import Decimal

from kc.core.money import format_eur
from kc.letters.document import Column, Table
from kc.letters.placeholders import Bold, Value

COMMON: dict[str, Value] = {
    "anrede": "Sehr geehrte Frau Müßig,",
    "name": "Jürgen Müßig",
    "kundennummer": "1000123",
    "vertragskonto": "200012345",
    "datum": "28.11.2026",
    "ansprechpartner": "Anna Berger",
    "versorger": "Stadtwerke Musterstadt",
    "hotline": "0800 1234 567",
}

MONEY_COLUMNS = (Column("Position", 62), Column("Zeitraum", 48), Column("Betrag", 30, "right"))


def invoice_lines(count: int = 8) -> Table:
    months = ["Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez"]
    rows = []
    total = Decimal(0)
    for index in range(count):
        amount = Decimal("41.37") + index
        total += amount
        month = months[index % 12]
        rows.append((f"Arbeitspreis Strom {month}", f"{month} 2026", format_eur(amount)))
    vat = (total * Decimal("0.19")).quantize(Decimal("0.01"))
    return Table(
        MONEY_COLUMNS,
        tuple(rows),
        totals=(
            ("Summe netto", "", format_eur(total)),
            ("Umsatzsteuer 19 %", "", format_eur(vat)),
            ("Summe brutto", "", format_eur(total + vat)),
        ),
    )


def _readings() -> Table:
    return Table(
        (
            Column("Zähler", 40),
            Column("Datum", 30),
            Column("Stand", 30, "right"),
            Column("Ermittlung", 45),
        ),
        (
            ("1ESY1160012345", "01.11.2025", "12.345", "Ablesung Netzbetreiber"),
            ("1ESY1160012345", "31.10.2026", "15.012", "Kundenablesung"),
        ),
    )


def _due_dates(amount: str) -> Table:
    start = datetime.date(2027, 1, 15)
    rows = tuple(
        (f"{start.replace(month=month):%d.%m.%Y}", "Abschlag Strom", amount)
        for month in range(1, 13)
    )
    return Table((Column("Fällig am", 35), Column("Art", 70), Column("Betrag", 30, "right")), rows)


def _items() -> Table:
    return Table(
        (Column("Beleg", 40), Column("Fällig am", 35), Column("Betrag", 30, "right")),
        (
            ("Abschlag 09/2026", "15.09.2026", "78,00 €"),
            ("Abschlag 10/2026", "15.10.2026", "78,00 €"),
        ),
        totals=(("Summe", "", "156,00 €"),),
    )


SAMPLES: dict[str, dict[str, Value]] = {
    "invoice": {
        "rechnungsnummer": "R-2026-000042",
        "zeitraum": "01.11.2025 bis 31.10.2026",
        "rechnungsbetrag": "1.234,56 €",
        "ergebnis": Bold("Guthaben zu Ihren Gunsten: 84,20 €"),
        "faellig_am": "14.12.2026",
        "zahlweise": "Wir überweisen das Guthaben auf Ihr Konto.",
        "verbrauch": "2.667 kWh",
        "verbrauch_vorjahr": "2.810 kWh",
        "positionen": invoice_lines(),
        "zaehlerstaende": _readings(),
    },
    "budget_plan": {
        "abschlag": "78,00 €",
        "erster_termin": "15.01.2027",
        "zahlweise": (
            "Vorabankündigung: Wir ziehen die Beträge zu den genannten Terminen mit der "
            "SEPA-Lastschrift zum Mandat KC-200012345-01 (Gläubiger-ID DE98ZZZ09999999999) "
            "von Ihrem Konto DE02 **** 2051 ein."
        ),
        "faelligkeiten": _due_dates("78,00 €"),
    },
    "credit_note": {
        "gutschriftsnummer": "R-2026-000043",
        "rechnungsnummer": "R-2026-000042",
        "rechnungsdatum": "20.01.2026",
        "betrag": "1.234,56 €",
        "grund": "Zählerstand falsch erfasst",
    },
    "sepa_mandate": {
        "mandatsreferenz": "KC-200012345-01",
        "glaeubiger_id": "DE98ZZZ09999999999",
        "iban": "DE02 **** **** **** **20 51",
        "kontoinhaber": "Jürgen Müßig",
        "erteilt_am": "27.11.2026",
    },
    "portal_code": {"freischaltcode": "ABCD-EFGH-JKLM", "gueltig_bis": "09.01.2027"},
    "tariff_offer": {
        "tarif": "Musterstadt Strom Öko 24",
        "sparte": "Strom",
        "verbrauch": "2.500 kWh",
        "jahreskosten": "912,40 €",
        "gueltig_bis": "31.12.2026",
        "preise": Table(
            (Column("Preisbestandteil", 80), Column("Preis", 40, "right")),
            (("Arbeitspreis", "31,90 ct/kWh"), ("Grundpreis", "165,00 €/Jahr")),
        ),
    },
    "payment_reminder": {
        "offener_betrag": "156,00 €",
        "zahlbar_bis": "12.12.2026",
        "mahngebuehr": "2,50 €",
        "posten": _items(),
    },
    "disconnection_threat": {
        "rueckstand": "312,00 €",
        "zahlbar_bis": "12.12.2026",
        "sperre_ab": "28.12.2026",
        "sparte": "Stromversorgung",
        "zaehlernummer": "1ESY1160012345",
        "posten": _items(),
    },
    "disconnection_announcement": {
        "rueckstand": "312,00 €",
        "sperrtermin": "11.01.2027",
        "sparte": "Stromversorgung",
        "zaehlernummer": "1ESY1160012345",
        "sperrkosten": "je 48,00 €",
    },
    "installment_offer": {
        "rueckstand": "312,00 €",
        "ratenzahl": "6",
        "rate": "52,00 €",
        "antwort_bis": "05.12.2026",
        "raten": _due_dates("52,00 €"),
    },
    "reconnection_confirmation": {
        "wiederhergestellt_am": "28.11.2026",
        "sparte": "Stromversorgung",
        "zaehlernummer": "1ESY1160012345",
        "kosten": "96,00 €",
    },
    "complaint_acknowledgement": {
        "vorgangsnummer": "V-2026-000777",
        "eingang_am": "27.11.2026",
        "antwort_bis": "25.12.2026",
    },
    "complaint_answer": {
        "vorgangsnummer": "V-2026-000777",
        "eingang_am": "27.11.2026",
        "antwort": "Wir haben Ihre Rechnung geprüft und korrigiert.",
        "schlichtung_hinweis": "",
    },
    "funding_approval": {
        "programm": "Klingen Plus",
        "kategorie": "Wärmepumpe",
        "geraet": "Luft-Wasser-Wärmepumpe WP 8",
        "antragsnummer": "F00000031",
        "betrag": "500,00 €",
        "begruendung": "Alle Voraussetzungen sind erfüllt.",
        "auszahlung": "Wir schreiben Ihnen 500,00 € auf Ihrem Vertragskonto gut.",
        "bindung_bis": "28.11.2028",
        "rueckforderung": "anteilig für die fehlende Zeit",
    },
    "funding_rejection": {
        "programm": "Klingen Plus",
        "kategorie": "Wallbox",
        "geraet": "Wallbox 11 kW",
        "antragsnummer": "F00000032",
        "begruendung": "Der Antrag ging später als 12 Wochen nach der Inbetriebnahme ein.",
    },
    "funding_clawback": {
        "programm": "Klingen Plus",
        "antragsnummer": "F00000031",
        "gefoerdert": "500,00 €",
        "bindung_bis": "28.11.2028",
        "vertragsende": "31.05.2027",
        "betrag": "375,00 €",
        "berechnung": "anteilig: 548 von 731 Tagen",
        "zahlbar_bis": "14.06.2027",
    },
    "appointment_confirmation": {
        "termin": "03.12.2026, 10:00 Uhr",
        "terminart": "Energieberatung per Video",
        "berater": "Herrn Klaus Weber",
        "ort": "Den Link zur Videoberatung erhalten Sie per E-Mail.",
        "absage_hinweis": "Bitte sagen Sie ab, wenn Sie den Termin nicht wahrnehmen können.",
    },
    "free_text": {
        "betreff": "Ihre Anfrage",
        "text": "vielen Dank für Ihre Anfrage.\n\nWir melden uns in Kürze bei Ihnen.",
    },
}
SAMPLES["final_invoice"] = {**SAMPLES["invoice"], "rechnungsnummer": "R-2026-000043"}
SAMPLES["budget_change"] = {**SAMPLES["budget_plan"], "alter_abschlag": "92,00 €"}


def sample_values(kind: str) -> dict[str, Value]:
    return {**COMMON, **SAMPLES[kind]}
