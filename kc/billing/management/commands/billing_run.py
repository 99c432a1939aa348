"""manage.py billing_run --date D [--workers N]: bill every contract due by D (idempotent,
resumable), with progress, the errors and the §40c deadlines at risk."""

import datetime
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kc.billing.runs import RunError, deadline_risks, run_billing

PROGRESS_EVERY_SECONDS = 5.0
ERRORS_SHOWN = 50


class Command(BaseCommand):
    help = _(
        "Rechnet alle fälligen Verträge zum Stichtag ab (wiederholbar, nach Abbruch fortsetzbar)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", required=True, help=_("Stichtag JJJJ-MM-TT"))
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help=_("Anzahl paralleler Abrechnungsprozesse (nur PostgreSQL; Standard 1)"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            billing_date = datetime.date.fromisoformat(options["date"])
        except ValueError as exc:
            raise CommandError(f"--date: {exc}") from exc
        started = last_shown = time.monotonic()

        def progress(contracts: int, documents: int, errors: int) -> None:
            nonlocal last_shown
            now = time.monotonic()
            if now - last_shown < PROGRESS_EVERY_SECONDS:
                return
            last_shown = now
            self.stdout.write(
                _(
                    "%(contracts)s Verträge, %(documents)s Abrechnungen, %(errors)s Fehler "
                    "(%(rate)s Verträge/s)"
                )
                % {
                    "contracts": f"{contracts:,}",
                    "documents": f"{documents:,}",
                    "errors": f"{errors:,}",
                    "rate": f"{contracts / max(now - started, 1e-6):,.0f}",
                }
            )

        try:
            result = run_billing(billing_date, progress=progress, workers=options["workers"])
        except RunError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Abrechnungslauf %(date)s: %(contracts)s Verträge geprüft, %(documents)s "
                    "Abrechnungen, %(errors)s Fehler in %(seconds)s s"
                )
                % {
                    "date": f"{billing_date:%d.%m.%Y}",
                    "contracts": f"{result.contracts:,}",
                    "documents": f"{result.documents:,}",
                    "errors": f"{result.errors:,}",
                    "seconds": f"{time.monotonic() - started:.1f}",
                }
            )
        )
        errors = result.run.items.filter(outcome="error").select_related("contract")
        for item in errors.order_by("contract_id")[:ERRORS_SHOWN]:
            self.stdout.write(
                _("  Fehler %(contract)s: %(message)s")
                % {"contract": item.contract.number, "message": item.message}
            )
        for risk in deadline_risks(result.run):
            self.stdout.write(
                self.style.WARNING(
                    _(
                        "  §40c gefährdet: %(contract)s, Zeitraum endete am %(end)s, Abrechnung "
                        "fällig bis %(deadline)s (%(reason)s)"
                    )
                    % {
                        "contract": risk.contract_number,
                        "end": f"{risk.period_end:%d.%m.%Y}",
                        "deadline": f"{risk.deadline:%d.%m.%Y}",
                        "reason": risk.reason,
                    }
                )
            )
