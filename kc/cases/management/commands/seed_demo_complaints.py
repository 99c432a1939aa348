"""Demo complaints for `make run`: a few complaints on demo customers at every stage (new,
near the deadline, overdue, answered in time and not remedied), so the complaint list, the
case page and the monthly report have something to show. Runs once: with complaints in the
database it does nothing."""

import datetime
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from kc.cases import complaints, services
from kc.cases.models import Complaint
from kc.core.models import User
from kc.core.validation import Refusal
from kc.customers.models import BusinessPartner

# days before now the complaint came in, channel, category, subject, answer (outcome, reasons)
DEMO = [
    (2, "phone", "service", "Rückruf nicht erfolgt", None),
    (9, "email", "billing", "Jahresrechnung zu hoch", None),
    (24, "letter", "prices", "Preiserhöhung nicht nachvollziehbar", None),
    (33, "window", "meter", "Zähler falsch abgelesen", None),
    (
        20,
        "portal",
        "billing",
        "Abschlag doppelt abgebucht",
        ("partly", "Die doppelte Abbuchung haben wir erstattet; der neue Abschlag bleibt."),
    ),
    (
        15,
        "phone",
        "disconnection",
        "Sperrandrohung trotz Zahlung",
        ("not_remedied", "Die Zahlung ging nach dem Versand der Androhung ein."),
    ),
]


class Command(BaseCommand):
    help = "Demo-Beschwerden anlegen (einmalig)."

    def handle(self, *args: Any, **options: Any) -> None:
        if Complaint.objects.exists():
            self.stdout.write("seed_demo_complaints: complaints exist, nothing to do")
            return
        actor = User.objects.filter(username="beschwerde").first()
        partners = list(
            BusinessPartner.objects.filter(addresses__isnull=False)
            .distinct()
            .order_by("pk")[: len(DEMO)]
        )
        made = answered = 0
        for partner, (days, channel, category, subject, answer) in zip(
            partners, DEMO, strict=False
        ):
            try:
                made_one, answered_one = self._complaint(
                    partner, days, channel, category, subject, answer, actor
                )
            except Refusal as exc:
                self.stdout.write(f"seed_demo_complaints: {subject}: {exc}")
                continue
            made += made_one
            answered += answered_one
        escalated, flagged = complaints.escalate_due_complaints()
        self.stdout.write(
            f"seed_demo_complaints: {made} complaints, {answered} answered, "
            f"{escalated} escalated, {flagged} overdue"
        )

    @transaction.atomic
    def _complaint(
        self,
        partner: BusinessPartner,
        days: int,
        channel: str,
        category: str,
        subject: str,
        answer: tuple[str, str] | None,
        actor: User | None,
    ) -> tuple[int, int]:
        case = services.open_case(
            subject=subject,
            channel=channel,
            case_type="complaint",
            partner=partner,
            actor=actor,
            received_at=timezone.now() - datetime.timedelta(days=days),
        )
        complaint = complaints.register_complaint(case=case, category=category, actor=actor)
        if answer is None or actor is None:
            return 1, 0
        outcome, reasons = answer
        complaints.answer(complaint=complaint, outcome=outcome, reasons=reasons, actor=actor)
        return 1, 1
