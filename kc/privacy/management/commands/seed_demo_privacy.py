"""Demo GDPR requests for `make run`: an access request near its deadline with the identity
checked, an extended one and a fresh erasure request, so the list, the request page and the
erasure preview have something to show. Runs once: with requests in the database it does
nothing."""

import datetime
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from kc.core.models import User
from kc.core.validation import Refusal
from kc.customers.models import BusinessPartner
from kc.privacy import services
from kc.privacy.models import PrivacyRequest

# days since receipt, kind, channel, identity method ("" = not yet), extension reason
DEMO = [
    (26, "access", "email", "customer_data", ""),
    (20, "access", "letter", "postal", "Viele Vorgänge und Briefe aus zehn Jahren"),
    (3, "erasure", "portal", "", ""),
]


class Command(BaseCommand):
    help = "Demo-Datenschutzanfragen anlegen (einmalig)."

    def handle(self, *args: Any, **options: Any) -> None:
        if PrivacyRequest.objects.exists():
            self.stdout.write("seed_demo_privacy: requests exist, nothing to do")
            return
        actor = User.objects.filter(username="teamlead").first()
        partners = list(
            BusinessPartner.objects.filter(
                processing_restricted_at__isnull=True, addresses__isnull=False
            ).order_by("pk")[: len(DEMO)]
        )
        if actor is None or len(partners) < len(DEMO):
            self.stdout.write("seed_demo_privacy: no team lead or customers yet, nothing to do")
            return
        now = timezone.now()
        for partner, (days, kind, channel, method, reason) in zip(partners, DEMO, strict=True):
            received = now - datetime.timedelta(days=days)
            try:
                with transaction.atomic():
                    request = services.register_request(
                        partner=partner,
                        kind=kind,
                        channel=channel,
                        actor=actor,
                        received_at=received,
                    )
                    if method:
                        services.check_identity(
                            request=request, method=method, note="", actor=actor
                        )
                    if reason:
                        services.extend(
                            request=request,
                            reason=reason,
                            actor=actor,
                            today=timezone.localdate(received) + datetime.timedelta(days=10),
                        )
            except Refusal as refusal:
                self.stdout.write(f"seed_demo_privacy: {partner.number}: {refusal}")
        self.stdout.write(f"seed_demo_privacy: {PrivacyRequest.objects.count()} requests")
