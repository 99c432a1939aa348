"""Demo letters for `make run`: the letterhead of Stadtwerke Musterstadt and one letter of
every kind for the first demo customers, some by post in a print batch."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from kc.customers.models import BusinessPartner
from kc.letters import printroom, services
from kc.letters.kinds import KINDS
from kc.letters.models import Letter, Letterhead
from kc.letters.samples import SAMPLES

LETTERHEAD = {
    "name": "Stadtwerke Musterstadt GmbH",
    "street_line": "Am Wasserturm 1",
    "city_line": "42651 Musterstadt",
    "phone": "0800 1234 567",
    "email": "kundenservice@stadtwerke-musterstadt.example",
    "web": "www.stadtwerke-musterstadt.example",
    "bank_name": "Stadtsparkasse Musterstadt",
    "iban": "DE02 1203 0000 0000 2020 51",
    "bic": "BYLADEM1001",
    "creditor_id": "DE98ZZZ09999999999",
    "register_line": "Amtsgericht Musterstadt HRB 4711",
    "management_line": "Geschäftsführung: Dr. Erika Beispiel",
    "vat_id": "DE123456789",
}


class Command(BaseCommand):
    help = "Briefkopf und Demo-Briefe (jede Briefart einmal) anlegen; wiederholbar."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-batches", action="store_true", help="keine Druckstapel bilden")

    def handle(self, *args: Any, **options: Any) -> None:
        if not Letterhead.objects.exists():
            Letterhead.objects.create(**LETTERHEAD)
        if Letter.objects.exists():
            self.stdout.write("seed_demo_letters: letters exist, nothing to do")
            return
        partners = list(
            BusinessPartner.objects.filter(addresses__isnull=False)
            .distinct()
            .order_by("pk")[: len(KINDS)]
        )
        with transaction.atomic():
            for partner, kind in zip(partners, sorted(KINDS), strict=False):
                account = partner.accounts.first()
                services.create_letter(
                    kind=kind, partner=partner, account=account, values=SAMPLES[kind], actor=None
                )
        batches = [] if options["no_batches"] else printroom.assemble_batches()
        self.stdout.write(
            f"seed_demo_letters: {Letter.objects.count()} letters, {len(batches)} print batches"
        )
