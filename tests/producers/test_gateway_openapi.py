"""schemathesis against the gateway's own OpenAPI: no 5xx, and every response conforms
(status code declared, content type, body schema, headers). Bounded examples per operation."""

from __future__ import annotations

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.integration

EXAMPLES = 60
POST_EXAMPLES = 25  # a generated report is big: each example costs ~0.5 s on a busy machine
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


def test_every_operation_conforms_to_its_openapi(gateway):
    spec = httpx.get(f"{gateway.base_url}/openapi.json").json()
    assert "ReportV1" in spec["components"]["schemas"]  # the request body is the contract file
    schema = schemathesis.openapi.from_dict(spec)
    headers = {"Authorization": f"Bearer {gateway.issue_token('FRA')}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {f"{op.method.upper()} {op.path}" for op in operations} == {
        "POST /v1/reports", "POST /v1/reports:validate", "GET /v1/reports",
        "GET /v1/reports/{submission_id}", "GET /healthz",
    }  # fmt: skip
    seen: dict[str, set[int]] = {}

    def fuzz(op, mode: GenerationMode) -> None:
        @given(case=op.as_strategy(generation_mode=mode))
        @settings(
            max_examples=POST_EXAMPLES if op.method == "post" else EXAMPLES,
            deadline=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def run(case) -> None:
            response = case.call(base_url=gateway.base_url, headers=headers)
            seen.setdefault(f"{op.method.upper()} {op.path}", set()).add(response.status_code)
            case.validate_response(response, checks=CHECKS)

        run()

    for op in operations:
        fuzz(op, GenerationMode.POSITIVE)
        if op.path != "/healthz":  # no parameters, no body: nothing to make invalid
            fuzz(op, GenerationMode.NEGATIVE)
    # The fuzzing reached the interesting answers, not only one kind of refusal.
    assert 422 in seen["POST /v1/reports"] and seen["POST /v1/reports"] & {202, 403}
    assert {200, 422} <= seen["GET /v1/reports"]
    assert 404 in seen["GET /v1/reports/{submission_id}"]
