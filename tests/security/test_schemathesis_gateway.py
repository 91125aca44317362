"""The large schemathesis run: thousands of generated requests (valid and invalid) against
the gateway's own OpenAPI, with a valid token. No 5xx, and every response conforms to the
spec (declared status, content type, body schema, headers). The number of requests made is
asserted (>= 2000) and printed for the report.

tests/producers/test_gateway_openapi.py is the quick per-commit version of this run.
"""

from __future__ import annotations

from collections import Counter

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi import schemas as _openapi_schemas  # noqa: F401
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

# ^ imported at collection on purpose: `from_dict` imports it lazily, and compiling it after
# the schema fuzz's deep hypothesis-jsonschema recursion in the same process hit CPython
# 3.11.7's "AST constructor recursion depth mismatch" (a SystemError, CPython gh-106905).

pytestmark = pytest.mark.integration

# Examples per operation and generation mode. A generated report is large, so POST gets
# fewer; the GETs are cheap. Total >= 2000 requests.
EXAMPLES = {
    ("POST /v1/reports", GenerationMode.POSITIVE): 100,
    ("POST /v1/reports", GenerationMode.NEGATIVE): 200,
    ("POST /v1/reports:validate", GenerationMode.POSITIVE): 50,
    ("POST /v1/reports:validate", GenerationMode.NEGATIVE): 100,
    ("GET /v1/reports", GenerationMode.POSITIVE): 450,
    ("GET /v1/reports", GenerationMode.NEGATIVE): 450,
    ("GET /v1/reports/{submission_id}", GenerationMode.POSITIVE): 450,
    ("GET /v1/reports/{submission_id}", GenerationMode.NEGATIVE): 450,
    ("GET /healthz", GenerationMode.POSITIVE): 1,  # no parameters: one distinct request
}
MIN_REQUESTS = 2000
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


_FRAMING_HEADERS = ("content-length", "transfer-encoding", "host")


def test_thousands_of_generated_requests_conform(gateway) -> None:
    spec = httpx.get(f"{gateway.base_url}/openapi.json").json()
    schema = schemathesis.openapi.from_dict(spec)
    headers = {"Authorization": f"Bearer {gateway.issue_token('FRA')}"}
    operations = {
        f"{op.method.upper()} {op.path}": op
        for op in (result.ok() for result in schema.get_all_operations())
    }
    assert {name for name, _ in EXAMPLES} == set(operations)
    statuses: Counter[tuple[str, int]] = Counter()

    def fuzz(name: str, mode: GenerationMode, examples: int) -> None:
        op = operations[name]

        @given(case=op.as_strategy(generation_mode=mode))
        @settings(
            max_examples=examples,
            deadline=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def run(case) -> None:
            # Framing headers belong to the HTTP client: a generated `content-length: _e?"A`
            # is refused by uvicorn before the app (a 400 no OpenAPI can describe).
            if case.headers:
                case.headers = {
                    k: v for k, v in case.headers.items() if k.lower() not in _FRAMING_HEADERS
                }
            response = case.call(base_url=gateway.base_url, headers=headers, timeout=30)
            statuses[(name, response.status_code)] += 1
            case.validate_response(response, checks=CHECKS)

        run()

    for (name, mode), examples in EXAMPLES.items():
        fuzz(name, mode, examples)

    total = sum(statuses.values())
    summary = ", ".join(f"{n} {s}: {c}" for (n, s), c in sorted(statuses.items()))
    print(f"\nschemathesis made {total} requests: {summary}")
    assert total >= MIN_REQUESTS, summary
    assert not [key for key in statuses if key[1] >= 500], summary
    # the fuzz reached the interesting answers, not only one kind of refusal
    assert statuses[("POST /v1/reports", 422)] and statuses[("GET /v1/reports", 200)]
    assert statuses[("GET /v1/reports/{submission_id}", 404)]
