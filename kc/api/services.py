"""Issuing and checking CTI tokens."""

import hashlib
import hmac
import secrets

from django.db import transaction
from django.utils import timezone

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


@transaction.atomic
def issue_api_token(*, name: str, scopes: list[str], actor: User | None) -> tuple[ApiToken, str]:
    """A new bearer token; the plain value is returned once and never stored."""
    token = ApiToken(name=name, scopes=",".join(scopes))
    raw = set_new_secret(token)
    token.full_clean()
    token.save()
    audit.record(actor=actor, action=audit.Action.CREATE, obj=token)
    return token, raw


def check_api_token(raw: str, scope: str) -> ApiToken | None:
    """The active token with this value and scope (looked up by its hash)."""
    if not raw or len(raw) > 200:
        return None
    token = ApiToken.objects.filter(token_hash=hash_token(raw), active=True).first()
    if token is None or not token.allows(scope):
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token
