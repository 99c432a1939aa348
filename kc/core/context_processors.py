from typing import Any

from django.conf import settings
from django.http import HttpRequest


def utility(request: HttpRequest) -> dict[str, Any]:
    return {"utility_name": settings.KC_UTILITY_NAME, "hotline": settings.KC_HOTLINE}
