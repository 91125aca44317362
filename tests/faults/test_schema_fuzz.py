"""The contract is total: documents generated from the JSON Schema itself, produced to the
real topic as the gateway would and drained into real DuckDB, each end judged or refused.

Properties: the drain never raises; each document the door's check accepts has exactly one
verdict and none of them is SYS-001 (the pipeline could judge all of them); each one it
refuses is dead-lettered once with the contract's reason; reconcile finds nothing lost or
doubled. RESILIENCE_FUZZ_DOCS / _BASE / _SEED size the run (`make fuzz` draws 5,000).
"""

from __future__ import annotations

import json
import os
import random
from collections import Counter

import pytest

from pipeline.ingest import drain
from schemas.contract import ContractViolation, parse_report
from tests.faults.helpers import assert_reconciled, produce, query, report_event, verdicts
from tests.faults.schema_documents import documents

pytestmark = pytest.mark.integration

# 400 per suite run (each run draws a fresh seed), so `make test` stays in its 15 minutes;
# `make fuzz` draws 5,000. Drawing from the schema is the cost (a profile of one run: 255 s
# drawing 250 documents on a loaded machine, 20 s judging the 205 admitted), so 80 are
# drawn (a fresh seed each run) and the rest made by crossover of their fields.
TOTAL = int(os.environ.get("RESILIENCE_FUZZ_DOCS", "400"))
BASE = int(os.environ.get("RESILIENCE_FUZZ_BASE", "80"))


def test_every_document_from_the_schema_is_judged_or_refused_once(pipeline_settings):
    settings = pipeline_settings
    seed = int(os.environ.get("RESILIENCE_FUZZ_SEED") or random.SystemRandom().randrange(2**32))
    print(f"\nschema fuzz: {TOTAL} documents ({BASE} drawn), RESILIENCE_FUZZ_SEED={seed}")
    docs = documents(TOTAL, BASE, seed)

    bodies = [json.dumps(d, ensure_ascii=False).encode("utf-8") for d in docs]
    admitted: set[str] = set()
    refused: Counter[str] = Counter()
    for doc, body in zip(docs, bodies, strict=True):
        try:
            parse_report(body, max_bytes=settings.gateway_max_body_bytes)
            admitted.add(doc["submission_id"])
        except ContractViolation as exc:
            refused[_first_pointer(exc)] += 1
    print(f"admitted by the contract: {len(admitted)}; refused by pointer: {dict(refused)}")
    assert len(admitted) >= TOTAL // 3, "too few documents reach the pipeline's rules"

    produce(settings, [report_event(d, body=b) for d, b in zip(docs, bodies, strict=True)])
    result = drain(settings)  # the property: no document can make this raise

    judged = verdicts(settings)
    assert set(judged) == admitted, "every admitted document has a verdict, nothing else"
    per_submission = dict(
        query(settings, "select submission_id, count(*) from verdict group by submission_id")
    )
    assert set(per_submission.values()) == {1}, "exactly one verdict each"
    unjudgeable = query(settings, "select submission_id from finding where rule_code = 'SYS-001'")
    assert unjudgeable == [], f"the pipeline could not judge admitted documents: {unjudgeable}"
    dead = query(settings, "select count(*) from quarantine where source = 'dead_letter'")
    assert dead == [(TOTAL - len(admitted),)]
    assert (result.lag_left, result.dead_lettered) == (0, TOTAL - len(admitted))
    statuses = Counter(judged.values())
    print(f"verdicts: {dict(statuses)}; findings: {dict(result.findings)}")
    assert_reconciled(settings)


def _first_pointer(exc: ContractViolation) -> str:
    """The JSON pointer of the first issue ("/cycle"), to count refusals by field."""
    lines = str(exc).splitlines()
    return lines[1].split(":")[0].strip() if len(lines) > 1 else lines[0][:60]
