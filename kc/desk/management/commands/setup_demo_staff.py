"""Demo staff for `make run`: one login per role with a TOTP second factor, team queues,
text modules."""

from typing import Any

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from kc.cases.models import Queue, TextModule
from kc.core import roles
from kc.core.models import Team, User
from kc.core.totp import current_totp

DEMO_PASSWORD = "Musterstadt-Demo-2026"  # nosec B105
# A fixed, published secret: demo logins only, refused outside DEBUG.
DEMO_TOTP_SECRET = "KUNDENCENTERDEMO"  # nosec B105

DEMO_STAFF = [
    # username, first, last, role, team kind
    ("agent", "Viktoria", "Enderlein", roles.AGENT, Team.Kind.HOME_OFFICE),
    ("callcenter", "Jonas", "Petersen", roles.AGENT, Team.Kind.CALL_CENTER),
    ("vorort", "Sabine", "Krüger", roles.CUSTOMER_CENTER, Team.Kind.CUSTOMER_CENTER),
    ("teamlead", "Karin", "Krause", roles.TEAM_LEAD, Team.Kind.HOME_OFFICE),
    ("berater", "Emre", "Yilmaz", roles.ENERGY_ADVISOR, Team.Kind.HOME_OFFICE),
    ("foerderung", "Lena", "Hoffmann", roles.FUNDING_CLERK, Team.Kind.HOME_OFFICE),
    ("beschwerde", "Thomas", "Becker", roles.COMPLAINT_MANAGER, Team.Kind.HOME_OFFICE),
    ("admin", "Petra", "Schulz", roles.ADMIN, Team.Kind.HOME_OFFICE),
]
TEAM_NAMES = {
    Team.Kind.HOME_OFFICE: "Homeoffice",
    Team.Kind.CALL_CENTER: "Call Center",
    Team.Kind.CUSTOMER_CENTER: "Kunden-Center",
}


QUEUE_NAMES = {
    Team.Kind.HOME_OFFICE: "Kundenservice",
    Team.Kind.CALL_CENTER: "Hotline-Rückrufe",
    Team.Kind.CUSTOMER_CENTER: "Kunden-Center vor Ort",
}
TEXT_MODULES = [
    (
        "Eingangsbestätigung",
        "{anrede}\n\nvielen Dank für Ihre Nachricht. Wir kümmern uns darum und melden uns "
        "bei Ihnen. Bitte geben Sie bei Rückfragen die Vorgangsnummer {vorgang} an.\n\n"
        "Mit freundlichen Grüßen\nIhr Kundenservice",
    ),
    (
        "Abschlag angepasst",
        "{anrede}\n\nwir haben Ihren monatlichen Abschlag wie gewünscht auf {betrag} "
        "angepasst. Die Bestätigung erhalten Sie zusätzlich per Post.\n\n"
        "Mit freundlichen Grüßen\nIhr Kundenservice",
    ),
]


class Command(BaseCommand):
    help = "Create demo staff (one per role) with password and TOTP; print the logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="also without KC_DEBUG")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("Demo staff with a published password only with KC_DEBUG=1.")
        with transaction.atomic():
            teams = {
                kind: Team.objects.get_or_create(kind=kind, defaults={"name": name})[0]
                for kind, name in TEAM_NAMES.items()
            }
            for username, first, last, role, team_kind in DEMO_STAFF:
                self._ensure_user(username, first, last, role, teams[team_kind])
            for kind, queue_name in QUEUE_NAMES.items():
                Queue.objects.get_or_create(
                    name=queue_name,
                    defaults={"team": teams[kind], "is_default": kind == Team.Kind.HOME_OFFICE},
                )
            for title, body in TEXT_MODULES:
                TextModule.objects.get_or_create(title=title, defaults={"body": body})
        code = current_totp(DEMO_TOTP_SECRET)
        self.stdout.write(f"Demo-Anmeldungen (Passwort für alle: {DEMO_PASSWORD})")
        for username, first, last, role, _team in DEMO_STAFF:
            self.stdout.write(f"  {username:<11} {first} {last} – {roles.ROLE_NAMES[role]}")
        self.stdout.write(
            f"Zweiter Faktor (TOTP): Schlüssel {DEMO_TOTP_SECRET} in eine Authenticator-App "
            f"eintragen (gerade gültiger Code: {code}; neu: manage.py demo_totp)."
        )

    def _ensure_user(self, username: str, first: str, last: str, role: str, team: Team) -> None:
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": first, "last_name": last, "team": team}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.is_staff = role == roles.ADMIN  # the Django admin is for admins only
            user.save()
        user.groups.set([Group.objects.get(name=role)])
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, DEMO_TOTP_SECRET)
