"""manage.py invoice_run: the invoicing run after billing (one invoice per contract account)."""

import time
from typing import Any

from django.core.management.base import BaseCommand

from kc.billing import invoices


class Command(BaseCommand):
    help = (
        "Fakturierungslauf: fasst die noch nicht fakturierten Abrechnungen je Vertragskonto zu "
        "einer Rechnung zusammen, bucht sie, schreibt den Brief und den neuen Abschlagsplan "
        "(wiederholbar: nichts wird zweimal fakturiert)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        result = invoices.invoice_all(
            progress=lambda count: self.stdout.write(f"{count} Rechnungen …")
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Fakturierungslauf: {result.invoices} Rechnungen, {len(result.errors)} Fehler "
                f"in {time.monotonic() - started:.1f} s"
            )
        )
        for account, message in result.errors[:50]:
            self.stdout.write(self.style.WARNING(f"  Vertragskonto {account}: {message}"))
