"""Admin building blocks the apps share."""

from typing import Any

from django.http import HttpRequest


class ReadOnlyAdmin:
    """For records that are never edited by hand (postings, bills, bank files): a correction
    is a new record made by the service that owns them."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
