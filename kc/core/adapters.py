from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _


class StaffAccountAdapter(DefaultAccountAdapter):
    """Staff accounts are created by an admin, never by sign-up; customers log in through
    the portal (with its own login history and optional second factor), not here."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def pre_login(self, request: HttpRequest, user: Any, **kwargs: Any) -> HttpResponse | None:
        if getattr(user, "is_customer", False):
            messages.info(request, _("Bitte melden Sie sich im Kundenportal an."))
            return redirect("portal:login")
        return super().pre_login(request, user, **kwargs)  # type: ignore[no-any-return]
