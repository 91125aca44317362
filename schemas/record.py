"""The Kafka record of a report, defined once: what the gateway publishes and what the
pipeline reads back. Key: the country (ISO3, UTF-8). Value: the posted body, byte for byte.
Headers: `schema_version` (the report's own), `submission_id`, `content_sha256` (hex of the
value). Producers, the ingest, the tests and the benchmarks all build or parse it here.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
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


@dataclass
class RawEvent:
    """One Kafka record as the pipeline consumed it (or as it landed in raw_event)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]] = field(default_factory=list)
    timestamp_ms: int | None = None

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key == name and value is not None:
                return value.decode("utf-8", errors="replace")
        return None

    @property
    def submission_id(self) -> str | None:
        return self.header(SUBMISSION_ID_HEADER)

    @property
    def content_sha256(self) -> str | None:
        """The hash the producer put in the header (compare with content_sha256(value))."""
        return self.header(CONTENT_SHA256_HEADER)

    @property
    def where(self) -> str:
        """topic/partition@offset, as operators read it."""
        return f"{self.topic}/{self.partition}@{self.offset}"

    def coordinates(self) -> dict[str, Any]:
        """Where the event is, and the submission it says it carries (health, replays)."""
        return {
            "topic": self.topic,
            "partition": self.partition,
            "offset": self.offset,
            "submission_id": self.submission_id,
        }
