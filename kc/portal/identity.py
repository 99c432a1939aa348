"""Who may open a portal login: the customer number plus a value only the customer knows.

Either the contract account number and an amount of the last invoice, or a one-time code
sent by letter. Every failure gives the same answer, so nobody learns whether a customer
number exists."""

import datetime
import secrets
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from kc.billing.models import Invoice
from kc.customers.models import BusinessPartner
from kc.portal.models import ActivationCode

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off paper
CODE_LENGTH = 12
CODE_VALID_DAYS = 42


def normalize_code(raw: str) -> str:
    return "".join(ch for ch in raw.upper() if ch.isalnum())


def code_hash(code: str) -> str:
    return salted_hmac("kc.portal.activation", normalize_code(code), algorithm="sha256").hexdigest()


def format_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


# A new code letter only when the last one is this old: the one before may be in the post.
RESEND_AFTER = datetime.timedelta(days=14)


def letter_on_its_way(partner: BusinessPartner) -> bool:
    return ActivationCode.objects.filter(
        partner=partner,
        used_at__isnull=True,
        expires_at__gt=timezone.now(),
        created_at__gt=timezone.now() - RESEND_AFTER,
    ).exists()


def new_code(partner: BusinessPartner) -> tuple[ActivationCode, str]:
    """A fresh code for a letter; earlier unused codes of the customer stop working."""
    now = timezone.now()
    ActivationCode.objects.filter(partner=partner, used_at__isnull=True).update(expires_at=now)
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    row = ActivationCode.objects.create(
        partner=partner,
        code_hash=code_hash(code),
        expires_at=now + datetime.timedelta(days=CODE_VALID_DAYS),
    )
    return row, format_code(code)


def partner_by_invoice(
    customer_number: str, account_number: str, amount: Decimal
) -> BusinessPartner | None:
    """The customer when the account is theirs and `amount` is the total (or the result)
    of the account's last invoice."""
    last = (
        Invoice.objects.filter(
            account__number=account_number.strip(),
            account__partner__number=customer_number.strip(),
            kind__in=[Invoice.Kind.INVOICE, Invoice.Kind.FINAL],
            status=Invoice.Status.ISSUED,
        )
        .select_related("account__partner")
        .order_by("-issue_date", "-number")
        .first()
    )
    if last is None or amount not in (last.gross_total, abs(last.result)):
        return None
    return last.account.partner


def code_row(customer_number: str, code: str) -> ActivationCode | None:
    return (
        ActivationCode.objects.select_related("partner")
        .filter(
            partner__number=customer_number.strip(),
            code_hash=code_hash(code),
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .first()
    )


@transaction.atomic
def use_code(row: ActivationCode) -> bool:
    """Spend a code once (a conditional UPDATE: a double submit cannot use it twice)."""
    return bool(
        ActivationCode.objects.filter(pk=row.pk, used_at__isnull=True).update(
            used_at=timezone.now()
        )
    )
