"""Issuing, checking and revoking CTI and API tokens."""

import datetime
import hashlib
import hmac
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from kc.api.models import ApiToken, CtiToken
from kc.core import audit
from kc.core.models import User

PREFIX_LENGTH = 8


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def set_new_secret(token: CtiToken | ApiToken) -> str:
    """Give the (unsaved) token a fresh secret; return the plain value, which is not stored."""
    raw = secrets.token_urlsafe(32)
    token.token_hash, token.prefix = hash_token(raw), raw[:PREFIX_LENGTH]
    return raw


@transaction.atomic
def issue_cti_token(*, name: str, actor: User | None) -> tuple[CtiToken, str]:
    """A new token; the plain value is returned once and never stored."""
    token = CtiToken(name=name)
    raw = set_new_secret(token)
    token.full_clean()
    token.save()
    audit.record(actor=actor, action=audit.Action.CREATE, obj=token)
    return token, raw


def check_cti_token(raw: str) -> CtiToken | None:
    """The active token with this value, compared by hash in constant time over all tokens."""
    if not raw or len(raw) > 200:
        return None
    wanted = hash_token(raw).encode("ascii")
    found: CtiToken | None = None
    for token in CtiToken.objects.filter(active=True):
        # No early exit: every active token is compared, whichever matches.
        if hmac.compare_digest(token.token_hash.encode("ascii"), wanted):
            found = token
    return found


class TokenRefused(Exception):  # noqa: N818 (a refusal with a reason code)
    """No usable token: `code` is unknown_token, token_expired or missing_scope."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@transaction.atomic
def issue_api_token(
    *,
    name: str,
    scopes: list[str],
    actor: User | None,
    expires_at: datetime.datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new bearer token; the plain value is returned once and never stored. The token gets
    its own technical user (no password, cannot log in) so that its writes have an actor."""
    token = ApiToken(name=name, scopes=",".join(scopes), expires_at=expires_at)
    raw = set_new_secret(token)
    token.full_clean()
    token.user = _technical_user(name)
    token.save()
    audit.record(actor=actor, action=audit.Action.CREATE, obj=token)
    return token, raw


def technical_user(token: ApiToken) -> User:
    """The token's actor for services; tokens made in the admin get theirs on first use."""
    if token.user is None:
        token.user = _technical_user(token.name)
        ApiToken.objects.filter(pk=token.pk, user__isnull=True).update(user=token.user)
    return token.user


def _technical_user(name: str) -> User:
    base = f"api-{slugify(name)[:100] or 'token'}"
    username, n = base, 1
    while User.objects.filter(username=username).exists():
        n += 1
        username = f"{base}-{n}"
    user = User(username=username, is_active=False, first_name="API", last_name=name[:150])
    user.set_unusable_password()
    user.save()
    return user


@transaction.atomic
def revoke_api_token(*, token: ApiToken, actor: User | None) -> ApiToken:
    ApiToken.objects.filter(pk=token.pk).update(active=False)
    token.active = False
    audit.record(
        actor=actor, action=audit.Action.UPDATE, obj=token, changes={"active": ["True", "False"]}
    )
    return token


def authenticate_api_token(raw: str, scope: str) -> ApiToken:
    """The active, unexpired token with this value and scope; else TokenRefused. Marks the
    token as used (at most once a minute, to spare a write per request)."""
    if not raw or len(raw) > 200:
        raise TokenRefused("unknown_token")
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=hash_token(raw), active=True)
        .first()
    )
    if token is None:
        raise TokenRefused("unknown_token")
    now = timezone.now()
    if token.expires_at is not None and token.expires_at <= now:
        raise TokenRefused("token_expired")
    if scope and not token.allows(scope):
        raise TokenRefused("missing_scope")
    if token.last_used_at is None or now - token.last_used_at >= datetime.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def check_api_token(raw: str, scope: str) -> ApiToken | None:
    """The usable token with this value and scope, or None."""
    try:
        return authenticate_api_token(raw, scope)
    except TokenRefused:
        return None
