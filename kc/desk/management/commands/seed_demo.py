"""manage.py seed_demo --customers N [--seed S]: demo customers of Stadtwerke Musterstadt."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kc.desk.demo import demo_groups, generate


class Command(BaseCommand):
    help = "Legt Demo-Kunden der fiktiven Stadtwerke Musterstadt an (wiederholbar)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customers", type=int, required=True)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--batch-size", type=int, default=5000)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["customers"] < 1:
            self.stderr.write("--customers must be at least 1")
            return
        result = generate(
            options["customers"],
            seed=options["seed"],
            batch_size=options["batch_size"],
            progress=self.stdout.write,
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.customers:,} customers ({result.first_number}–{result.last_number}), "
                f"{result.rows:,} rows in {result.seconds:.1f} s "
                f"({result.customers / result.seconds:,.0f} customers/s, "
                f"{result.rows / result.seconds:,.0f} rows/s)"
            )
        )
        if options["verbosity"] > 1:
            groups = demo_groups()
            self.stdout.write(
                f"in arrears: {len(groups.in_arrears)}, "
                f"disconnected: {len(groups.disconnected)} (kc.desk.demo.demo_groups)"
            )
