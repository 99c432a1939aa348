"""Dated legal rule sets for the dunning and disconnection chain (pure: no Django, no I/O).

A rule set applies by the date of the step it governs (threat, announcement, offer), never by
today's date, so a chain that started under older law is judged by the law of each step.

Scope: household customers (Haushaltskunden) for power and gas; every customer for water and
heat. Whether a customer is a household customer is the caller's decision.

Day arithmetic follows §§ 187, 188 BGB: a period triggered by a letter starts the day after it
is received (Zugang, § 130 BGB), so the functions that take a posting date add the postal
delivery time first. "Werktage" are Monday to Saturday except public holidays (the legal
meaning, cf. § 3 (2) BUrlG; Saturday is a Werktag). The caller passes the public holidays of the
premise's state (e.g. NRW via `kc.core.business_calendar.public_holidays("DE", "NW", year)`).
"""

import calendar
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_UP, Decimal
from fractions import Fraction
from typing import Final

# Division values as in kc.supply.models.Division (not imported: this module stays pure).
POWER: Final = "power"
GAS: Final = "gas"
WATER: Final = "water"
HEAT: Final = "heat"
ALL_DIVISIONS: Final = frozenset({POWER, GAS, WATER, HEAT})

_DIVISION_LABELS: Final = {POWER: "Strom", GAS: "Gas", WATER: "Wasser", HEAT: "Fernwärme"}

CENT: Final = Decimal("0.01")

# Letters count from their receipt. PostG (2024) quality targets for letters: 95 % delivered on
# the third, 99 % on the fourth working day after posting; the chain assumes the fourth.
POSTAL_DELIVERY_WORKING_DAYS: Final = 4

# §§ 41f, 41g EnWG in the version of the "Gesetz zur Änderung des Energiewirtschaftsrechts zur
# Stärkung des Verbraucherschutzes im Energiebereich" (Bundesrat 21.11.2025; in force the day
# after promulgation). Date to be confirmed against BGBl. 2025 I.
ENWG_2025_IN_FORCE: Final = date(2025, 12, 12)


class NoRuleSet(ValueError):  # noqa: N818 (the name callers know)
    """No rule set covers this division, kind of supply and date."""


@dataclass(frozen=True, slots=True)
class RuleSet:
    """The values of one version of one regulation, as far as the chain needs them."""

    key: str
    # German, for letters and the disconnection document.
    title: str
    valid_from: date
    # Exclusive end for temporary rules; None while in force.
    valid_until: date | None
    divisions: frozenset[str]
    # True: only basic supply (Grundversorgung); False: only other contracts; None: both.
    basic_supply: bool | None
    # Earliest disconnection: this many days after the threat was received.
    threat_lead_days: int
    # The threat may be sent together with the dunning letter.
    threat_with_dunning: bool
    # The threat must inform about help offers (Hilfsangebote, advice, state support).
    needs_help_information: bool
    # Announcement of the disconnection day: Werktage in advance, None if the law has none.
    announcement_working_days: int | None
    announcement_by_letter: bool
    # Minimum arrears: multiple of the monthly instalment, else a fraction of the expected
    # annual bill, and never below the absolute amount. All None: no statutory minimum.
    min_arrears_monthly_multiple: int | None
    min_arrears_annual_fraction: Fraction | None
    min_arrears_absolute: Decimal | None
    # Abwendungsvereinbarung (interest-free monthly installments) must be offered, at the latest
    # with the announcement; on request after the threat within this many days (None: no
    # deadline on request).
    installment_offer_required: bool
    installment_offer_within_days: int | None
    installments_small: tuple[int, int] | None
    installments_large: tuple[int, int] | None
    # installments_large apply when the relevant arrears exceed this amount.
    large_threshold: Decimal | None

    def __post_init__(self) -> None:
        if not self.divisions or not self.divisions <= ALL_DIVISIONS:
            raise ValueError(f"{self.key}: unknown divisions {sorted(self.divisions)}")
        if self.valid_until is not None and self.valid_until <= self.valid_from:
            raise ValueError(f"{self.key}: valid_until must be after valid_from")
        if self.installment_offer_required and self.installments_small is None:
            raise ValueError(f"{self.key}: an installment offer needs installment bounds")
        if (self.installments_large is None) != (self.large_threshold is None):
            raise ValueError(f"{self.key}: installments_large and large_threshold go together")
        if (
            self.min_arrears_monthly_multiple is not None
            and self.min_arrears_annual_fraction is None
        ):
            raise ValueError(f"{self.key}: the monthly multiple needs the annual fallback")

    def applies_to(self, division: str, on: date, *, basic_supply: bool) -> bool:
        return (
            division in self.divisions
            and (self.basic_supply is None or self.basic_supply == basic_supply)
            and self.valid_from <= on
        )

    @property
    def has_arrears_minimum(self) -> bool:
        return self.min_arrears_absolute is not None or self.min_arrears_annual_fraction is not None


def _gvv(division: str, regulation: str, valid_from: date, *, with_request: bool) -> RuleSet:
    """§ 19 StromGVV / GasGVV: both regulations carry the same text for power and gas."""
    return RuleSet(
        key=f"{regulation.lower()}-{valid_from:%Y-%m}",
        title=f"§ 19 {regulation} (Fassung ab {valid_from:%d.%m.%Y})",
        valid_from=valid_from,
        valid_until=ENWG_2025_IN_FORCE,
        divisions=frozenset({division}),
        basic_supply=True,
        threat_lead_days=28,  # § 19 (2) S. 1 GVV: "vier Wochen nach Androhung"
        threat_with_dunning=True,  # § 19 (2) GVV: threat may come with the dunning letter
        needs_help_information=True,  # § 19 (3) GVV 2021: ways to avoid the disconnection
        announcement_working_days=8,  # § 19 (4) GVV 2021: "acht Werktage im Voraus"
        announcement_by_letter=True,  # § 19 (4) GVV 2021: "durch briefliche Mitteilung"
        min_arrears_monthly_multiple=2,  # § 19 (2) GVV 2021: "Doppelten ... Abschlags"
        min_arrears_annual_fraction=Fraction(1, 6),  # § 19 (2) GVV 2021: "ein Sechstel"
        min_arrears_absolute=Decimal("100.00"),  # § 19 (2) GVV 2021: "mindestens 100 Euro"
        installment_offer_required=True,  # § 19 (5) GVV 2021: offer with the announcement
        # § 19 (5) GVV as amended 24.12.2022: on request after the threat, within one week.
        installment_offer_within_days=7 if with_request else None,
        installments_small=(6, 18),  # § 19 (5) GVV: "sechs bis 18 Monaten"
        # § 19 (5) S. 9 GVV (24.12.2022, extended to 30.4.2025 by § 23): above 300 €, 12 to
        # 24 months. Kept until §§ 41f, 41g EnWG: a longer plan is never less favourable.
        installments_large=(12, 24) if with_request else None,
        large_threshold=Decimal("300.00") if with_request else None,
    )


# StromGVV/GasGVV as amended by the Verordnung of 30.11.2021 (in force 1.12.2021) and by
# Art. 3 and 4 of the Strompreisbremse law of 20.12.2022 (in force 24.12.2022).
_GVV_2021 = date(2021, 12, 1)
_GVV_2022 = date(2022, 12, 24)

RULE_SETS: Final[tuple[RuleSet, ...]] = (
    _gvv(POWER, "StromGVV", _GVV_2021, with_request=False),
    _gvv(GAS, "GasGVV", _GVV_2021, with_request=False),
    _gvv(POWER, "StromGVV", _GVV_2022, with_request=True),
    _gvv(GAS, "GasGVV", _GVV_2022, with_request=True),
    # § 118b EnWG: the GVV chain for household contracts outside basic supply, temporary
    # (24.12.2022 to 30.4.2025 after its extension). Between then and §§ 41f, 41g EnWG only the
    # contract applies, so there is no statutory rule set for that gap.
    RuleSet(
        key="enwg-118b-2022-12",
        title="§ 118b EnWG (befristet bis 30.04.2025)",
        valid_from=_GVV_2022,
        valid_until=date(2025, 5, 1),
        divisions=frozenset({POWER, GAS}),
        basic_supply=False,
        threat_lead_days=28,  # § 118b EnWG: "vier Wochen nach Androhung"
        threat_with_dunning=True,  # § 118b EnWG: threat together with the dunning letter
        needs_help_information=True,  # § 118b EnWG: ways to avoid the disconnection
        announcement_working_days=8,  # § 118b EnWG: "acht Werktage im Voraus"
        announcement_by_letter=True,  # § 118b EnWG: "durch briefliche Mitteilung"
        min_arrears_monthly_multiple=2,  # § 118b EnWG: "Doppelten ... Abschlags"
        min_arrears_annual_fraction=Fraction(1, 6),  # § 118b EnWG: "ein Sechstel"
        min_arrears_absolute=Decimal("100.00"),  # § 118b EnWG: "mindestens 100 Euro"
        installment_offer_required=True,  # § 118b EnWG: Abwendungsvereinbarung
        installment_offer_within_days=7,  # § 118b EnWG: "innerhalb einer Woche"
        installments_small=(6, 18),  # § 118b EnWG: "sechs bis 18 Monaten"
        installments_large=(12, 24),  # § 118b EnWG: above 300 €, 12 to 24 months
        large_threshold=Decimal("300.00"),  # § 118b EnWG: "die Summe von 300 Euro"
    ),
    # §§ 41f, 41g EnWG (2025): one chain for all household customers, in and outside basic
    # supply; § 19 GVV no longer carries its own chain.
    RuleSet(
        key="enwg-41f-2025-12",
        title=f"§§ 41f, 41g EnWG (ab {ENWG_2025_IN_FORCE:%d.%m.%Y})",
        valid_from=ENWG_2025_IN_FORCE,
        valid_until=None,
        divisions=frozenset({POWER, GAS}),
        basic_supply=None,
        threat_lead_days=28,  # § 41f (1) EnWG: "vier Wochen nach Androhung"
        threat_with_dunning=True,  # § 41f EnWG: threat together with the dunning letter
        needs_help_information=True,  # § 41f EnWG: Hilfsangebote, Schuldnerberatung
        announcement_working_days=8,  # § 41f (5) EnWG: "acht Werktage im Voraus"
        announcement_by_letter=True,  # § 41f (5) EnWG: "durch briefliche Mitteilung"
        min_arrears_monthly_multiple=2,  # § 41f EnWG: "Doppelten ... Abschlags"
        min_arrears_annual_fraction=Fraction(1, 6),  # § 41f EnWG: "ein Sechstel"
        min_arrears_absolute=Decimal("100.00"),  # § 41f EnWG: "mindestens 100 Euro"
        # § 41g (1) EnWG names the Grundversorger; offered to every household customer here,
        # which is never less than the law asks.
        installment_offer_required=True,
        installment_offer_within_days=7,  # § 41g (1) S. 2 EnWG: "innerhalb einer Woche"
        installments_small=(6, 18),  # § 41g (1) EnWG: "sechs bis 18 Monaten"
        installments_large=(12, 24),  # § 41g (1) EnWG: "mindestens zwölf bis höchstens 24"
        large_threshold=Decimal("300.00"),  # § 41g (1) EnWG: "Überschreiten ... 300 Euro"
    ),
    # AVBWasserV of 20.6.1980; § 33 unchanged since. No announcement, no minimum amount and no
    # installment duty: proportionality alone limits the supplier.
    RuleSet(
        key="avbwasserv-33",
        title="§ 33 AVBWasserV",
        valid_from=date(1980, 6, 20),
        valid_until=None,
        divisions=frozenset({WATER}),
        basic_supply=None,
        threat_lead_days=14,  # § 33 (2) S. 1 AVBWasserV: "zwei Wochen nach Androhung"
        threat_with_dunning=True,  # § 33 (2) S. 3 AVBWasserV: "mit der Mahnung zugleich"
        needs_help_information=False,  # § 33 AVBWasserV: no such duty
        announcement_working_days=None,  # § 33 AVBWasserV: no announcement period
        announcement_by_letter=False,
        min_arrears_monthly_multiple=None,  # § 33 AVBWasserV: no minimum arrears
        min_arrears_annual_fraction=None,
        min_arrears_absolute=None,
        installment_offer_required=False,  # § 33 AVBWasserV: no Abwendungsvereinbarung
        installment_offer_within_days=None,
        installments_small=None,
        installments_large=None,
        large_threshold=None,
    ),
    RuleSet(
        key="avbfernwaermev-33",
        title="§ 33 AVBFernwärmeV",
        valid_from=date(1980, 6, 20),
        valid_until=None,
        divisions=frozenset({HEAT}),
        basic_supply=None,
        threat_lead_days=14,  # § 33 (2) S. 1 AVBFernwärmeV: "zwei Wochen nach Androhung"
        threat_with_dunning=True,  # § 33 (2) S. 3 AVBFernwärmeV: "mit der Mahnung zugleich"
        needs_help_information=False,  # § 33 AVBFernwärmeV: no such duty
        announcement_working_days=None,  # § 33 AVBFernwärmeV: no announcement period
        announcement_by_letter=False,
        min_arrears_monthly_multiple=None,  # § 33 AVBFernwärmeV: no minimum arrears
        min_arrears_annual_fraction=None,
        min_arrears_absolute=None,
        installment_offer_required=False,  # § 33 AVBFernwärmeV: no Abwendungsvereinbarung
        installment_offer_within_days=None,
        installments_small=None,
        installments_large=None,
        large_threshold=None,
    ),
)


def rules_for(
    division: str,
    on: date,
    *,
    basic_supply: bool = False,
    rule_sets: Iterable[RuleSet] = RULE_SETS,
) -> RuleSet:
    """The rule set in force on `on`: the latest valid_from <= on among the matching ones."""
    if division not in ALL_DIVISIONS:
        raise NoRuleSet(f"Unbekannte Sparte „{division}“.")
    candidates = [rs for rs in rule_sets if rs.applies_to(division, on, basic_supply=basic_supply)]
    supply = "Grundversorgung" if basic_supply else "Vertrag außerhalb der Grundversorgung"
    where = f"Sparte {_DIVISION_LABELS[division]}, {supply}, {on:%d.%m.%Y}"
    if not candidates:
        raise NoRuleSet(
            f"Für {where} ist kein Regelsatz für die Versorgungsunterbrechung hinterlegt."
        )
    latest = max(candidates, key=lambda rs: rs.valid_from)
    # An expired temporary rule is not replaced by an older one.
    if latest.valid_until is not None and on >= latest.valid_until:
        raise NoRuleSet(
            f"Für {where} gilt keine gesetzliche Regelung mehr: {latest.title} ist am "
            f"{latest.valid_until - timedelta(days=1):%d.%m.%Y} ausgelaufen; "
            "maßgeblich ist allein der Vertrag."
        )
    return latest


# --- money ------------------------------------------------------------------------------------


def format_eur(amount: Decimal) -> str:
    """German money format: 1.234,56 €."""
    sign = "-" if amount < 0 else ""
    text = f"{abs(amount).quantize(CENT):,.2f}"
    return f"{sign}{text.replace(',', 'X').replace('.', ',').replace('X', '.')} €"


def _ceil_cent(value: Fraction) -> Decimal:
    # Arrears are whole cents, so "arrears >= exact minimum" equals "arrears >= minimum rounded
    # up to the cent".
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(CENT, ROUND_UP)


def minimum_arrears(
    rules: RuleSet,
    *,
    monthly_instalment: Decimal | None,
    expected_annual_gross: Decimal | None,
) -> Decimal:
    """The lowest relevant arrears that allow a disconnection under `rules`.

    With instalments (Abschlag or Vorauszahlung) due: the multiple of the instalment that falls
    on the current month; without: the fraction of the expected annual bill. Either way at least
    the absolute minimum. Without a statutory minimum (water, heat): one cent.
    """
    if not rules.has_arrears_minimum:
        return CENT
    base = Decimal(0)
    multiple = rules.min_arrears_monthly_multiple
    if monthly_instalment is not None and monthly_instalment > 0 and multiple is not None:
        base = (monthly_instalment * multiple).quantize(CENT, ROUND_UP)
    elif rules.min_arrears_annual_fraction is not None:
        if expected_annual_gross is None or expected_annual_gross <= 0:
            raise ValueError(
                "Für die Mindesthöhe fehlt der Monatsabschlag oder die voraussichtliche "
                "Jahresrechnung."
            )
        base = _ceil_cent(Fraction(expected_annual_gross) * rules.min_arrears_annual_fraction)
    floor = rules.min_arrears_absolute or Decimal(0)
    return max(base, floor)


@dataclass(frozen=True, slots=True)
class ArrearsTest:
    ok: bool
    # Arrears that count: overdue amounts minus excluded (disputed) ones, never below zero.
    relevant: Decimal
    threshold: Decimal
    # German plain text for the case log and letters.
    reason: str


def arrears_test(
    rules: RuleSet,
    *,
    arrears: Decimal,
    disputed: Decimal,
    monthly_instalment: Decimal | None,
    expected_annual_gross: Decimal | None,
) -> ArrearsTest:
    """Minimum-arrears test. `arrears`: overdue after deducting prepayments; `disputed`: the
    amounts the law excludes (objected to in form and time with reasons and not titled, not yet
    due by agreement, from a disputed price increase)."""
    if arrears < 0 or disputed < 0:
        raise ValueError("Rückstand und beanstandete Beträge dürfen nicht negativ sein.")
    relevant = max(arrears - disputed, Decimal(0)).quantize(CENT)
    threshold = minimum_arrears(
        rules, monthly_instalment=monthly_instalment, expected_annual_gross=expected_annual_gross
    )
    ok = relevant >= threshold
    basis = f"Rückstand {format_eur(arrears)}"
    if disputed > 0:
        basis += f" abzüglich beanstandeter oder nicht fälliger Beträge {format_eur(disputed)}"
    if not rules.has_arrears_minimum:
        rule = f"keine gesetzliche Mindesthöhe nach {rules.title}; Verhältnismäßigkeit prüfen"
    elif monthly_instalment is not None and monthly_instalment > 0:
        rule = (
            f"{rules.min_arrears_monthly_multiple}-facher Monatsabschlag von "
            f"{format_eur(monthly_instalment)}, mindestens "
            f"{format_eur(rules.min_arrears_absolute or Decimal(0))}; {rules.title}"
        )
    else:
        rule = (
            f"{rules.min_arrears_annual_fraction} der voraussichtlichen Jahresrechnung, mindestens "
            f"{format_eur(rules.min_arrears_absolute or Decimal(0))}; {rules.title}"
        )
    verdict = "erreicht" if ok else "unterschreitet"
    reason = (
        f"Maßgeblicher Rückstand {format_eur(relevant)} ({basis}) {verdict} die Mindesthöhe "
        f"von {format_eur(threshold)} ({rule})."
    )
    return ArrearsTest(ok=ok, relevant=relevant, threshold=threshold, reason=reason)


# --- working days and periods -----------------------------------------------------------------


def is_working_day(day: date, holidays: Collection[date]) -> bool:
    """Werktag: Monday to Saturday, not a public holiday."""
    return day.weekday() != calendar.SUNDAY and day not in holidays


def working_days_between(start: date, end: date, holidays: Collection[date]) -> int:
    """Werktage strictly after `start` and strictly before `end` (both ends excluded)."""
    count = 0
    day = start + timedelta(days=1)
    while day < end:
        count += is_working_day(day, holidays)
        day += timedelta(days=1)
    return count


def add_working_days(day: date, count: int, holidays: Collection[date]) -> date:
    """The `count`-th Werktag after `day` (`day` itself for 0)."""
    if count < 0:
        raise ValueError("count must not be negative")
    while count:
        day += timedelta(days=1)
        count -= is_working_day(day, holidays)
    return day


def subtract_working_days(day: date, count: int, holidays: Collection[date]) -> date:
    """The `count`-th Werktag before `day` (`day` itself for 0)."""
    if count < 0:
        raise ValueError("count must not be negative")
    while count:
        day -= timedelta(days=1)
        count -= is_working_day(day, holidays)
    return day


def assumed_delivery(
    sent: date,
    holidays: Collection[date],
    *,
    delivery_working_days: int = POSTAL_DELIVERY_WORKING_DAYS,
) -> date:
    """Day a letter posted on `sent` is taken as received (0 for handing over in person)."""
    return add_working_days(sent, delivery_working_days, holidays)


def earliest_disconnection(
    rules: RuleSet,
    threat_sent: date,
    holidays: Collection[date],
    *,
    delivery_working_days: int = POSTAL_DELIVERY_WORKING_DAYS,
) -> date:
    """First day the supply may be interrupted after the threat.

    The period starts the day after receipt (§ 187 (1) BGB) and ends with the day named like
    the receipt day in the last week (§ 188 (2) BGB); "nach Androhung" means the day after.
    """
    received = assumed_delivery(threat_sent, holidays, delivery_working_days=delivery_working_days)
    return received + timedelta(days=rules.threat_lead_days + 1)


def announcement_due_by(
    rules: RuleSet,
    disconnection_day: date,
    holidays: Collection[date],
    *,
    delivery_working_days: int = POSTAL_DELIVERY_WORKING_DAYS,
) -> date | None:
    """Last day to post the announcement so that the required Werktage lie fully between its
    receipt and the disconnection day; None when the rule set has no announcement period.

    With delivery_working_days=0 the result is the last day of receipt itself.
    """
    if rules.announcement_working_days is None:
        return None
    nth_before = subtract_working_days(disconnection_day, rules.announcement_working_days, holidays)
    latest_receipt = nth_before - timedelta(days=1)
    if delivery_working_days == 0:
        return latest_receipt
    # Post only on a Werktag; step back to one, then back by the delivery time.
    posting = latest_receipt
    while not is_working_day(posting, holidays):
        posting -= timedelta(days=1)
    return subtract_working_days(posting, delivery_working_days, holidays)


def offer_deadline(rules: RuleSet, request_day: date) -> date | None:
    """Last day to send the Abwendungsvereinbarung after the customer asked for it on
    `request_day`; None when the law sets no deadline on request (offer with the announcement)."""
    if rules.installment_offer_within_days is None:
        return None
    # "Innerhalb einer Woche": ends with the same weekday one week later (§ 188 (2) BGB).
    return request_day + timedelta(days=rules.installment_offer_within_days)


# --- Abwendungsvereinbarung -------------------------------------------------------------------


def installment_bounds(rules: RuleSet, arrears: Decimal) -> tuple[int, int]:
    """(min, max) number of monthly installments for the relevant arrears."""
    if rules.installments_small is None:
        raise ValueError(f"{rules.title} sieht keine Abwendungsvereinbarung vor.")
    if (
        rules.installments_large is not None
        and rules.large_threshold is not None
        and arrears > rules.large_threshold  # "überschreiten": 300.00 € itself is small
    ):
        return rules.installments_large
    return rules.installments_small


def _add_months(first: date, months: int) -> date:
    month_index = first.month - 1 + months
    year, month = first.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(first.day, calendar.monthrange(year, month)[1]))


def installment_schedule(
    amount: Decimal, months: int, first_due: date
) -> list[tuple[date, Decimal]]:
    """Interest-free monthly installments: equal whole-cent parts, the last one takes the
    remainder so the parts sum to `amount` exactly. Due on the day of `first_due` each month
    (the month's last day where it is shorter)."""
    if months < 1:
        raise ValueError("Mindestens eine Rate.")
    if amount <= 0 or amount != amount.quantize(CENT):
        raise ValueError("Der Betrag muss positiv und auf Cent genau sein.")
    part = (amount / months).quantize(CENT, ROUND_DOWN)
    if part <= 0:
        raise ValueError(f"{format_eur(amount)} lässt sich nicht auf {months} Raten verteilen.")
    last = amount - part * (months - 1)
    parts = [part] * (months - 1) + [last]
    return [(_add_months(first_due, index), value) for index, value in enumerate(parts)]
