"""What every portal view shares: the customer's request type, the login gate, the scope."""

from collections.abc import Callable
from functools import wraps
from typing import Any, cast
from urllib.parse import urlencode

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse

from kc.core.models import User
from kc.portal.access import CustomerScope
from kc.portal.models import PortalAccount


class CustomerRequest(HttpRequest):
    user: User


def customer_required[V: Callable[..., HttpResponseBase]](view: V) -> V:
    """Only a verified customer login passes; anyone else goes to the portal login."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        account = portal_account(user) if user.is_authenticated else None
        if account is None or account.email_verified_at is None:
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('portal:login')}?{query}")
        return view(request, *args, **kwargs)

    return cast("V", wrapper)


def portal_account(user: Any) -> PortalAccount | None:
    if not getattr(user, "is_customer", False):
        return None
    try:
        account: PortalAccount = user.portal_account
    except PortalAccount.DoesNotExist:
        return None
    return account


def scope(request: CustomerRequest) -> CustomerScope:
    return CustomerScope(request.user.portal_account.partner)
