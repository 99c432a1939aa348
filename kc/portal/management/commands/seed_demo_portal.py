"""Demo portal login for `make run`: a customer with an invoice, and the facts to try the
sign-up with another one. Refused outside DEBUG (the password is published)."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from kc.billing.models import Invoice
from kc.core.models import User
from kc.portal.models import PortalAccount

DEMO_EMAIL = "kundin@example.org"
# The same published demo password as the staff logins (kc.desk setup_demo_staff).
DEMO_PASSWORD = "Musterstadt-Demo-2026"  # noqa: S105  # nosec B105


class Command(BaseCommand):
    help = "Create the demo customer login of the portal (DEBUG only)."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("demo logins exist only with KC_DEBUG=1")
        invoices = list(
            Invoice.objects.filter(kind=Invoice.Kind.INVOICE, status=Invoice.Status.ISSUED)
            .select_related("account__partner")
            .order_by("pk")[:2]
        )
        if not invoices:
            self.stdout.write("seed_demo_portal: no invoices yet, no portal login")
            return
        partner = invoices[0].account.partner
        user = User.objects.filter(email=DEMO_EMAIL, is_customer=True).first()
        if user is None:
            user = User.objects.create_user(
                username=f"kunde-{partner.number}",
                email=DEMO_EMAIL,
                password=DEMO_PASSWORD,
                is_customer=True,
            )
            PortalAccount.objects.create(
                user=user,
                partner=partner,
                signup_method=PortalAccount.Method.INVOICE,
                email_verified_at=timezone.now(),
            )
        self.stdout.write(
            f"seed_demo_portal: portal login {DEMO_EMAIL} / {DEMO_PASSWORD} "
            f"(customer {partner.number})"
        )
        if len(invoices) > 1:
            other = invoices[1]
            self.stdout.write(
                "seed_demo_portal: try the sign-up with customer "
                f"{other.account.partner.number}, account {other.account.number}, "
                f"amount {other.gross_total}"
            )
