"""Demo data of the funding program for `make run`: "Klingen Plus" with five categories and
a budget for the current year; idempotent (run it again and nothing doubles)."""

import datetime
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from kc.funding.models import DocumentKind, FundingCategory, FundingProgram, ProgramBudget
from kc.supply.models import Division

D = Decimal
BOTH = [DocumentKind.INVOICE, DocumentKind.COMMISSIONING]
# key: label, amount kind, fixed, percent, cap, division, description
CATEGORIES: dict[str, tuple[str, str, Decimal | None, Decimal | None, Decimal | None, str, str]] = {
    "emobility": (
        "E-Mobilität (Wallbox, E-Bike)",
        "fixed",
        D("200.00"),
        None,
        None,
        Division.POWER,
        "Wallbox oder E-Bike/Pedelec, neu gekauft.",
    ),
    "appliance": (
        "Effizientes Haushaltsgerät",
        "percent",
        None,
        D("10"),
        D("100.00"),
        Division.POWER,
        "Kühl- und Gefriergeräte, Waschmaschinen, Trockner der besten Effizienzklasse.",
    ),
    "heat_pump": (
        "Effiziente Heizung (Wärmepumpe)",
        "percent",
        None,
        D("10"),
        D("500.00"),
        Division.POWER,
        "Wärmepumpe mit Wärmepumpentarif; Inbetriebnahmeprotokoll des Fachbetriebs.",
    ),
    "hot_water": (
        "Warmwasser (Durchlauferhitzer, Wärmepumpenboiler)",
        "fixed",
        D("75.00"),
        None,
        None,
        Division.POWER,
        "Elektronisch geregelter Durchlauferhitzer oder Wärmepumpenboiler.",
    ),
    "disposal": (
        "Entsorgung eines Altgeräts",
        "fixed",
        D("50.00"),
        None,
        None,
        Division.POWER,
        "Fachgerechte Entsorgung eines mindestens zehn Jahre alten Kühlgeräts.",
    ),
}


class Command(BaseCommand):
    help = 'Create the demo funding program "Klingen Plus" (five categories, this year\'s budget).'

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        program, _created = FundingProgram.objects.get_or_create(
            name="Klingen Plus",
            defaults={
                "description": "Das Förderprogramm der Stadtwerke für energiesparende "
                "Anschaffungen unserer Kundinnen und Kunden."
            },
        )
        for key, (label, kind, fixed, percent, cap, division, text) in CATEGORIES.items():
            FundingCategory.objects.get_or_create(
                program=program,
                key=key,
                valid_from=datetime.date(2026, 1, 1),
                defaults={
                    "label": label,
                    "description": text,
                    "amount_kind": kind,
                    "fixed_amount": fixed,
                    "percent": percent,
                    "cap": cap,
                    "division": division,
                    "window_weeks": 12,
                    "repeat_years": 5,
                    "retention_years": 2,
                    "required_documents": [DocumentKind.INVOICE] if key == "appliance" else BOTH,
                },
            )
        for year in sorted({2026, timezone.localdate().year}):
            ProgramBudget.objects.get_or_create(
                program=program, year=year, defaults={"amount": D("50000.00")}
            )
        self.stdout.write(
            f"seed_demo_funding: {program.name} with {program.categories.count()} categories"
        )
