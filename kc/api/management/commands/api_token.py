"""Issue, revoke and list API tokens from the shell (the admin can do the same).

manage.py api_token issue "Netz GmbH" --scopes orders,readings --days 365
manage.py api_token revoke "Netz GmbH"
manage.py api_token list
"""

import datetime
from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kc.api.models import ApiToken
from kc.api.services import issue_api_token, revoke_api_token


class Command(BaseCommand):
    help = "Issue, revoke or list API tokens."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        issue = sub.add_parser("issue")
        issue.add_argument("name")
        issue.add_argument("--scopes", required=True, help="comma-separated, e.g. orders,cases")
        issue.add_argument("--days", type=int, default=365, help="valid for days (0: no expiry)")
        revoke = sub.add_parser("revoke")
        revoke.add_argument("name")
        sub.add_parser("list")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "issue":
            self._issue(options["name"], options["scopes"], options["days"])
        elif action == "revoke":
            token = ApiToken.objects.filter(name=options["name"]).first()
            if token is None:
                raise CommandError(f"No token named {options['name']!r}.")
            revoke_api_token(token=token, actor=None)
            self.stdout.write(f"Revoked {token}.")
        else:
            for token in ApiToken.objects.all():
                state = "active" if token.active else "revoked"
                self.stdout.write(
                    f"{token.name}\t{token.prefix}…\t{token.scopes}\t{state}\t"
                    f"expires {token.expires_at or 'never'}\tlast used {token.last_used_at or '-'}"
                )

    def _issue(self, name: str, scopes_text: str, days: int) -> None:
        scopes = [s.strip() for s in scopes_text.split(",") if s.strip()]
        unknown = set(scopes) - set(ApiToken.Scope.values)
        if unknown or not scopes:
            raise CommandError(
                f"Unknown scopes {sorted(unknown)}; known: {', '.join(ApiToken.Scope.values)}"
            )
        if days < 0:
            raise CommandError("--days must be 0 or more.")
        expires_at = timezone.now() + datetime.timedelta(days=days) if days else None
        try:
            token, raw = issue_api_token(
                name=name, scopes=scopes, actor=None, expires_at=expires_at
            )
        except ValidationError as refused:
            raise CommandError("; ".join(refused.messages)) from refused
        self.stdout.write(f"Token for {token.name} (shown once, store it now):")
        self.stdout.write(raw)
