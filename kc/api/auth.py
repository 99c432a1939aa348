"""Bearer tokens with scopes, expiry and a per-token rate limit, for every router.

`TokenAuth("cases")` on a router or operation: the request must carry
`Authorization: Bearer <token>` of an active, unexpired token with that scope; then
`request.auth` is the ApiToken. Refusals are 401 (unknown or expired token), 403 (scope
missing) and 429 (over KC_API_RATE_LIMIT_PER_MINUTE, with Retry-After).
"""

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from kc.api.errors import ApiError
from kc.api.models import ApiToken
from kc.api.services import TokenRefused, authenticate_api_token
from kc.core import ratelimit

WINDOW_SECONDS = 60


class TokenAuth(HttpBearer):
    def __init__(self, scope: str) -> None:
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken:
        try:
            found = authenticate_api_token(token, self.scope)
        except TokenRefused as refused:
            raise _refusal(refused.code, self.scope) from refused
        check_rate(found)
        return found


def _refusal(code: str, scope: str) -> ApiError:
    if code == "token_expired":
        return ApiError(401, code, _("Das Token ist abgelaufen. Bitte ein neues anfordern."))
    if code == "missing_scope":
        return ApiError(
            403,
            code,
            _("Dem Token fehlt die Berechtigung „%(scope)s“.") % {"scope": scope},
            {"required_scope": scope},
        )
    return ApiError(401, "unknown_token", _("Das Token ist unbekannt oder gesperrt."))


def check_rate(token: ApiToken) -> None:
    """A fixed window per token and minute in the shared cache (all app servers count)."""
    limit: int = settings.KC_API_RATE_LIMIT_PER_MINUTE
    window = ratelimit.hit(f"api-token:{token.pk}", WINDOW_SECONDS)
    if window.count > limit:
        raise ApiError(
            429,
            "rate_limited",
            _("Zu viele Anfragen: höchstens %(limit)s je Minute und Token.") % {"limit": limit},
            {"limit": limit, "retry_after": window.retry_after},
            retry_after=window.retry_after,
        )


def token_of(request: HttpRequest) -> ApiToken:
    token = getattr(request, "auth", None)
    if not isinstance(token, ApiToken):
        raise RuntimeError("an API operation without TokenAuth asked for its token")
    return token
