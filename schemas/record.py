"""The Kafka record of a report, defined once: what the gateway publishes and what the
pipeline reads back. Key: the country (ISO3, UTF-8). Value: the posted body, byte for byte.
Headers: `schema_version` (the report's own), `submission_id`, `content_sha256` (hex of the
value). Producers, the ingest, the tests and the benchmarks all build or parse it here.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

SCHEMA_VERSION_HEADER = "schema_version"
SUBMISSION_ID_HEADER = "submission_id"
CONTENT_SHA256_HEADER = "content_sha256"

Headers = list[tuple[str, bytes]]


def content_sha256(value: bytes | None) -> str:
    """Hex SHA-256 of a record's value (an empty or missing value hashes as b"")."""
    return hashlib.sha256(value or b"").hexdigest()


def report_headers(report: dict[str, Any], body: bytes) -> Headers:
    """The headers of a report's record, the body's hash among them."""
    return [
        (SCHEMA_VERSION_HEADER, str(report["schema_version"]).encode("utf-8")),
        (SUBMISSION_ID_HEADER, str(report["submission_id"]).encode("utf-8")),
        (CONTENT_SHA256_HEADER, content_sha256(body).encode("ascii")),
    ]


def report_record(
    report: dict[str, Any], *, body: bytes | None = None
) -> tuple[bytes, bytes, Headers]:
    """(key, value, headers) of a report exactly as the gateway publishes it; ``body``
    defaults to the report as compact JSON (the gateway publishes what was posted)."""
    value = json.dumps(report).encode("utf-8") if body is None else body
    return str(report["country"]).encode("utf-8"), value, report_headers(report, value)
