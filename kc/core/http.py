"""Request type for views behind login: `user` is a staff User, `htmx` is set by middleware."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from kc.core.models import User


class StaffRequest(HttpRequest):
    user: User
    htmx: HtmxDetails
