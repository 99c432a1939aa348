"""Portal logins: sign-up, address check, password login with an optional second factor,
password reset (which never skips the second factor), login history."""

from decimal import Decimal

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, validate_totp_code
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _

from kc.core import audit
from kc.core.context import current_request
from kc.core.models import User
from kc.core.validation import Refusal
from kc.customers.models import BusinessPartner, PostalAddress
from kc.portal import identity
from kc.portal.mail import queue_mail
from kc.portal.models import ActivationCode, LoginEvent, PortalAccount

VERIFY_SALT = "kc.portal.verify-email"
VERIFY_MAX_AGE = 3 * 24 * 3600
# Checked against when no account matches, so a wrong address costs the same time.
_DUMMY_HASH = make_password("kc-portal-no-such-account")


class SignupRefused(Refusal):
    pass


def portal_link(path: str) -> str:
    base: str = settings.KC_PORTAL_URL
    return base.rstrip("/").removesuffix("/portal") + path


def customer_by_email(email: str) -> User | None:
    return (
        # Addresses are stored lower-cased; an exact match keeps look-alikes (a dotless ı
        # that the database's upper() would fold to I) from reaching a login under a new
        # rate-limit key.
        User.objects.filter(is_customer=True, email=email.strip().lower())
        .select_related("portal_account")
        .first()
    )


@transaction.atomic
def sign_up(
    *,
    customer_number: str,
    account_number: str = "",
    invoice_amount: Decimal | None = None,
    code: str = "",
    email: str,
    password: str,
) -> PortalAccount | None:
    """Open a login when the customer proved who they are. Returns None (after mailing the
    address's owner) when the address already belongs to a login: the page then looks the
    same as after a successful sign-up, so addresses cannot be probed."""
    partner, code_row = _proven_partner(customer_number, account_number, invoice_amount, code)
    if PortalAccount.objects.filter(partner=partner).exists():
        raise SignupRefused(
            _(
                "Für diese Kundennummer gibt es schon einen Zugang. Haben Sie Ihr Passwort "
                "vergessen? Dann setzen Sie es über „Passwort vergessen“ neu."
            )
        )
    existing = customer_by_email(email)
    if existing is not None:
        _mail_existing_login(existing.email)
        return None
    if code_row is not None and not identity.use_code(code_row):
        raise SignupRefused(_("Dieser Freischaltcode wurde schon verwendet."))
    user = User(username=f"kunde-{partner.number}", email=email.strip().lower(), is_customer=True)
    validate_password(password, user)
    user.set_password(password)
    user.save()
    method = PortalAccount.Method.LETTER_CODE if code_row else PortalAccount.Method.INVOICE
    account = PortalAccount.objects.create(user=user, partner=partner, signup_method=method)
    audit.record(actor=user, action=audit.Action.CREATE, obj=account, partner_id=partner.pk)
    send_verification(account)
    return account


def _proven_partner(
    customer_number: str, account_number: str, amount: Decimal | None, code: str
) -> tuple[BusinessPartner, ActivationCode | None]:
    if code.strip():
        row = identity.code_row(customer_number, code)
        if row is not None:
            return row.partner, row
    elif account_number.strip() and amount is not None:
        partner = identity.partner_by_invoice(customer_number, account_number, amount)
        if partner is not None:
            return partner, None
    raise SignupRefused(
        _(
            "Diese Angaben können wir keinem Kundenkonto zuordnen. Bitte prüfen Sie "
            "Kundennummer, Vertragskonto und Betrag oder den Freischaltcode aus unserem Brief."
        )
    )


def _mail_existing_login(email: str) -> None:
    queue_mail(
        to=email,
        subject=_("Ihr Zugang zum Kundenportal"),
        body=_(
            "Guten Tag,\n\njemand wollte mit Ihrer E-Mail-Adresse einen Zugang zum Kundenportal "
            "anlegen. Für diese Adresse gibt es schon einen Zugang. Falls Sie Ihr Passwort "
            "vergessen haben, setzen Sie es hier neu:\n{link}\n\nWaren Sie das nicht, können Sie "
            "diese E-Mail ignorieren.\n\n{utility}\n"
        ).format(link=portal_link(reverse("portal:reset")), utility=settings.KC_UTILITY_NAME),
    )


def send_verification(account: PortalAccount) -> None:
    token = signing.dumps(account.user_id, salt=VERIFY_SALT)
    link = portal_link(reverse("portal:verify", args=[token]))
    queue_mail(
        to=account.user.email,
        subject=_("Bitte bestätigen Sie Ihre E-Mail-Adresse"),
        body=_(
            "Guten Tag,\n\nbitte bestätigen Sie Ihre E-Mail-Adresse für das Kundenportal mit "
            "diesem Link (drei Tage gültig):\n{link}\n\nHaben Sie sich nicht angemeldet, "
            "ignorieren Sie diese E-Mail.\n\n{utility}\n"
        ).format(link=link, utility=settings.KC_UTILITY_NAME),
    )


def verify_email(token: str) -> PortalAccount | None:
    try:
        user_id = signing.loads(token, salt=VERIFY_SALT, max_age=VERIFY_MAX_AGE)
    except signing.BadSignature:
        return None
    account = PortalAccount.objects.filter(user_id=user_id).select_related("user").first()
    if account is not None and account.email_verified_at is None:
        account.email_verified_at = timezone.now()
        account.save(update_fields=["email_verified_at"])
        audit.record(
            actor=account.user,
            action=audit.Action.UPDATE,
            obj=account,
            partner_id=account.partner_id,
            changes={"email_verified_at": ["", "bestätigt"]},
        )
    return account


def check_password(email: str, password: str) -> User | None:
    """The customer login whose password this is; costs the same when there is none."""
    user = customer_by_email(email)
    if user is None or not user.is_active:
        make_password(password)  # same work as a real check
        return None
    return user if user.check_password(password) else None


def has_totp(user: User) -> bool:
    return bool(Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists())


def check_totp(user: User, code: str) -> bool:
    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    return authenticator is not None and bool(TOTP(authenticator).validate_code(code.strip()))


def record_login(account: PortalAccount, outcome: str) -> LoginEvent:
    ctx = current_request.get()
    return LoginEvent.objects.create(
        account=account,
        outcome=outcome,
        ip_address=ctx.ip_address,
        user_agent=ctx.user_agent[:300],
    )


def request_password_reset(email: str) -> None:
    """Mail a reset link when a login has this address; the caller answers the same always."""
    user = customer_by_email(email)
    if user is None or not user.is_active:
        return
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = portal_link(reverse("portal:reset_confirm", args=[uid, token]))
    queue_mail(
        to=user.email,
        subject=_("Passwort für das Kundenportal neu setzen"),
        body=_(
            "Guten Tag,\n\nüber diesen Link setzen Sie ein neues Passwort (einmal verwendbar, "
            "drei Tage gültig):\n{link}\n\nHaben Sie das nicht angefordert, ignorieren Sie diese "
            "E-Mail; Ihr Passwort bleibt dann, wie es ist.\n\n{utility}\n"
        ).format(link=link, utility=settings.KC_UTILITY_NAME),
    )


def reset_user(uidb64: str, token: str) -> User | None:
    try:
        user_id = int(force_str(urlsafe_base64_decode(uidb64)))
    except (ValueError, TypeError, OverflowError):
        return None
    user = User.objects.filter(pk=user_id, is_customer=True, is_active=True).first()
    if user is None or not default_token_generator.check_token(user, token):
        return None
    return user


@transaction.atomic
def set_new_password(user: User, password: str) -> None:
    """A new password ends every session of the login (their hash no longer matches) and
    does not log anybody in: the next login asks for the second factor as before."""
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    account = PortalAccount.objects.get(user=user)
    record_login(account, LoginEvent.Outcome.PASSWORD_RESET)
    audit.record(
        actor=user,
        action=audit.Action.UPDATE,
        obj=account,
        partner_id=account.partner_id,
        changes={"password": ["***", "***"]},
    )


@transaction.atomic
def activate_totp(user: User, secret: str, code: str) -> bool:
    if has_totp(user) or not totp_matches(secret, code):
        return False
    TOTP.activate(user, secret)
    audit.record(actor=user, action=audit.Action.UPDATE, object_type="mfa.totp", object_id="on")
    return True


def totp_matches(secret: str, code: str) -> bool:
    return bool(validate_totp_code(secret, code.strip()))


@transaction.atomic
def deactivate_totp(user: User, password: str, code: str) -> bool:
    if not user.check_password(password) or not check_totp(user, code):
        return False
    Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).delete()
    audit.record(actor=user, action=audit.Action.UPDATE, object_type="mfa.totp", object_id="off")
    return True


@transaction.atomic
def send_code_letter(customer_number: str, postal_code: str) -> None:
    """A sign-up code by post to the customer's address on file, when number and postal code
    match a customer without a login; the caller answers the same either way."""
    from kc.letters import services as letters

    partner = BusinessPartner.objects.filter(
        number=customer_number.strip(),
        addresses__kind=PostalAddress.Kind.MAIN,
        addresses__postal_code=postal_code.strip(),
    ).first()
    if partner is None or PortalAccount.objects.filter(partner=partner).exists():
        return
    if identity.letter_on_its_way(partner):
        return  # one letter per fortnight: requests by others cost postage and void codes
    row, code = identity.new_code(partner)
    letter = letters.create_letter(
        kind="portal_code",
        partner=partner,
        values={
            "freischaltcode": code,
            "gueltig_bis": timezone.localtime(row.expires_at).strftime("%d.%m.%Y"),
        },
        actor=None,
    )
    row.letter_number = letter.number
    row.save(update_fields=["letter_number"])
