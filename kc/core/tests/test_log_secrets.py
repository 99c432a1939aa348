"""Secrets in URLs (the PBX's CTI token) do not reach the request log."""

import io
import json

import pytest
from django.test import Client

from kc.api.services import issue_cti_token


@pytest.mark.django_db
@pytest.mark.parametrize("valid", [True, False])
def test_the_cti_token_in_the_path_is_not_logged(json_log: io.StringIO, valid: bool) -> None:
    raw = issue_cti_token(name="Telefonanlage", actor=None)[1]
    token = raw if valid else raw[::-1]
    response = Client().post(
        f"/api/v1/cti/{token}", json.dumps({"event": "hangup"}), content_type="application/json"
    )
    assert response.status_code in (400, 401)
    written = json_log.getvalue()
    requests = [json.loads(line) for line in written.splitlines() if '"request"' in line]
    assert [r["path"] for r in requests if r.get("event") == "request"] == ["/api/v1/cti/…"]
    assert token not in written
