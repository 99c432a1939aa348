"""Issuing and checking CTI tokens."""

import hashlib
import hmac
import secrets

from django.db import transaction

from kc.api.models import CtiToken
from kc.core import audit
from kc.core.models import User

PREFIX_LENGTH = 8


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def set_new_secret(token: CtiToken) -> str:
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
