"""Documents generated from schemas/report.v1.schema.json itself (hypothesis-jsonschema).

Drawing one document from the schema costs about a quarter of a second here, so the suite
draws a base set and makes the rest by crossover: each top-level field (all are required)
is taken from a random base document (schema_version and infrastructure from the same one,
as the schema ties incidents_by_cause to version 1.1). Every result is checked against the
schema again, so each is still a document the schema allows; `make fuzz` draws every document fresh.

Generated cycles have random years, which the contract's policy (2010-2040) refuses at the
door; so that most documents also reach the content rules, half of them get a cycle drawn
from the policy's range. Submission ids are made unique (a reused id is a separate case,
covered by the poison tests). The seed is printed, and the same seed gives the same set.
"""

from __future__ import annotations

import json
import random
import uuid
from pathlib import Path
from typing import Any

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schemas" / "report.v1.schema.json"


def draw_from_schema(n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` documents drawn by hypothesis-jsonschema from the report schema (no shrinking)."""
    import hypothesis.strategies as st
    from hypothesis import HealthCheck, Phase, given
    from hypothesis import seed as with_seed
    from hypothesis import settings as hypothesis_settings
    from hypothesis_jsonschema import from_schema

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    strategy = from_schema(schema, custom_formats={"uuid": st.uuids().map(str)})
    drawn: list[dict[str, Any]] = []

    @with_seed(seed)
    @hypothesis_settings(
        max_examples=n,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(document: dict[str, Any]) -> None:
        drawn.append(document)

    collect()
    return drawn[:n]


def documents(total: int, base: int, seed: int) -> list[dict[str, Any]]:
    """``total`` schema-valid documents: ``base`` drawn, the rest by crossover of those."""
    import jsonschema

    from schemas.policies import CYCLE_YEARS

    rng = random.Random(seed)
    pool = draw_from_schema(min(base, total), seed)
    out = [dict(d) for d in pool]
    keys = list(pool[0])
    while len(out) < total:
        doc = {key: rng.choice(pool)[key] for key in keys}
        donor = rng.choice(pool)  # a version "1" report has no causes: the two go together
        doc["schema_version"], doc["infrastructure"] = (
            donor["schema_version"],
            donor["infrastructure"],
        )
        out.append(doc)
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text()))
    for n, doc in enumerate(out):
        doc["submission_id"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        if n % 2 == 0:
            year = rng.randint(*CYCLE_YEARS)
            doc["cycle"] = f"{year}-H{rng.randint(1, 2)}"
        problems = list(validator.iter_errors(doc))
        assert not problems, f"document {n} left the schema: {problems[0].message}"
    return out
