"""Schemathesis fuzzes every operation of the published OpenAPI (loaded in-process from the
WSGI app at /api/v1/openapi.json) with a token holding all scopes: no answer may be a server
error, and each answer must use a documented status code, content type and body schema."""

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from kc.api.models import ApiToken
from kc.api.services import issue_api_token, issue_cti_token
from kc.api.tests.conftest import sent_order
from kc.cases.models import Case
from kc.customers.models import BusinessPartner, ContractAccount
from kc.disconnection.models import FieldOrder
from kc.letters.models import Letter
from kc.supply.models import Meter

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Small and fixed so the run is deterministic and fits CI time on two cores.
FUZZ_SETTINGS = settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
# What each mode must have reached at least once (a run of only 401s would prove nothing).
EXPECTED_STATUSES = {
    GenerationMode.POSITIVE: {200, 201, 404},
    GenerationMode.NEGATIVE: {404, 422},
}


def existing_objects() -> dict[str, dict[str, str]]:
    """Per path prefix, the path parameters of an object in the database: random values only
    ever find 404 (or 401 for the CTI token), these reach the handlers' real work."""
    found = {
        "/api/v1/auftraege/": FieldOrder.objects.first(),
        "/api/v1/kunden/": BusinessPartner.objects.first(),
        "/api/v1/vertragskonten/": ContractAccount.objects.first(),
        "/api/v1/zaehler/": Meter.objects.first(),
        "/api/v1/vorgaenge/": Case.objects.first(),
        "/api/v1/briefe/": Letter.objects.first(),
    }
    known = {prefix: {"number": str(row.number)} for prefix, row in found.items() if row}
    known["/api/v1/cti/"] = {"token": issue_cti_token(name="Fuzz-Telefonanlage", actor=None)[1]}
    return known


# transaction=True: the WSGI app closes the connection after each request, which would break
# the rollback of a test wrapped in one transaction.
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_server_error_and_answers_as_declared(settings: Any, mode: GenerationMode) -> None:
    # The fuzzer, not the rate limit, is under test: hundreds of calls in one minute.
    settings.KC_API_RATE_LIMIT_PER_MINUTE = 1_000_000
    sent_order()  # a little data: partner, contract, claims, a disconnection order
    _, raw = issue_api_token(
        name="Fuzzer", scopes=list(ApiToken.Scope.values), actor=None, expires_at=None
    )
    headers = {"Authorization": f"Bearer {raw}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, headers=headers)
    known = existing_objects()
    assert len(known) == 7, known
    calls: dict[str, int] = {}
    statuses: set[int] = set()
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()  # a part of the schema schemathesis cannot read is a defect
        operation = result.ok()
        runs: list[dict[str, str] | None] = [None]  # generated path parameters
        runs += [found for p, found in known.items() if operation.full_path.startswith(p)]
        if mode is GenerationMode.NEGATIVE and not (len(operation.query) or len(operation.body)):
            continue  # only a free-text path parameter: no value of it breaks the schema
        calls[operation.label] = 0
        for path_parameters in runs:
            strategy = operation.as_strategy(
                generation_mode=mode, headers=headers, path_parameters=path_parameters
            )

            @FUZZ_SETTINGS
            @given(case=strategy)
            def fuzz(case: Any) -> None:
                response = case.call_and_validate(headers=headers, checks=CHECKS)
                statuses.add(response.status_code)
                calls[case.operation.label] += 1

            fuzz()
    assert len(calls) >= 10 and all(calls.values()), calls
    assert EXPECTED_STATUSES[mode] <= statuses, statuses
    print(f"{mode}: {sum(calls.values())} cases, {len(calls)} operations, {sorted(statuses)}")
