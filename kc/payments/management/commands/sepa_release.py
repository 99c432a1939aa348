"""manage.py sepa_release MESSAGE_ID: the file went to the bank; post its items as collected."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kc.payments import collections, payouts
from kc.payments.files import FileError
from kc.payments.models import DirectDebitFile, PayoutFile


class Command(BaseCommand):
    help = "Gibt eine Lastschrift- oder Überweisungsdatei frei und bucht ihre Posten."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("message_id", help="Nachrichten-ID der Datei (KC-LS-… oder KC-UE-…)")

    def handle(self, *args: Any, **options: Any) -> None:
        message_id = options["message_id"]
        try:
            debit_file = DirectDebitFile.objects.filter(message_id=message_id).first()
            if debit_file is not None:
                count = collections.release(debit_file, actor=None)
            else:
                payout_file = PayoutFile.objects.filter(message_id=message_id).first()
                if payout_file is None:
                    raise CommandError(f"Keine Datei mit der Nachrichten-ID {message_id}.")
                count = payouts.release(payout_file, actor=None)
        except FileError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"{message_id} freigegeben: {count} Posten gebucht"))
