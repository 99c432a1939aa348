from typing import Any

from django.core.management.base import BaseCommand

from kc.core.totp import current_totp
from kc.desk.management.commands.setup_demo_staff import DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = "Print the current TOTP code of the demo staff logins."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(current_totp(DEMO_TOTP_SECRET))
