"""JSON bodies and query strings without NUL characters: PostgreSQL text cannot hold them
and no field of ours has a use for them, so they are refused at the door (400) instead of
failing in the database."""

import json
from typing import Any

from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from ninja.parser import Parser
from ninja.types import DictStrAny

from kc.api.errors import ApiError

NUL = "\x00"


class StrictParser(Parser):
    def parse_body(self, request: HttpRequest) -> DictStrAny:
        data = json.loads(request.body)
        if _has_nul(data):
            # ninja answers any parse failure with 400 (bad_request).
            raise ValueError("NUL character in the body")
        result: DictStrAny = data
        return result

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> DictStrAny:
        if any(NUL in key or any(NUL in str(v) for v in data.getlist(key)) for key in data):
            raise ApiError(400, "invalid_characters", _("Die Anfrage enthält unzulässige Zeichen."))
        return super().parse_querydict(data, list_fields, request)


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False
