"""manage.py billing_run --date D: bill every contract due by D (idempotent, resumable)."""

import datetime
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kc.billing.runs import deadline_risks, run_billing


class Command(BaseCommand):
    help = (
        "Rechnet alle fälligen Verträge zum Stichtag ab (wiederholbar, nach Abbruch fortsetzbar)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", required=True, help="Stichtag JJJJ-MM-TT")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            billing_date = datetime.date.fromisoformat(options["date"])
        except ValueError as exc:
            raise CommandError(f"--date: {exc}") from exc
        started = time.monotonic()

        def progress(contracts: int, documents: int, errors: int) -> None:
            rate = contracts / max(time.monotonic() - started, 1e-6)
            self.stdout.write(
                f"{contracts:,} contracts, {documents:,} documents, {errors:,} errors "
                f"({rate:,.0f} contracts/s)"
            )

        result = run_billing(billing_date, progress=progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"billing run {billing_date}: {result.contracts:,} contracts checked, "
                f"{result.documents:,} documents, {result.errors:,} errors "
                f"in {time.monotonic() - started:.1f} s"
            )
        )
        for item in result.run.items.filter(outcome="error").select_related("contract")[:50]:
            self.stdout.write(f"  error {item.contract.number}: {item.message}")
        for risk in deadline_risks(result.run):
            self.stdout.write(
                self.style.WARNING(
                    f"  §40c at risk: {risk.contract_number} period ended {risk.period_end}, "
                    f"bill due by {risk.deadline} ({risk.reason})"
                )
            )
