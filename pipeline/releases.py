"""Release records: every accepted verdict becomes an immutable, verifiable directory.

``<releases>/<country>/<cycle>/v<version>/<validation_run_id>/`` holds one Parquet file per
accepted table (the version's rows, empty tables too), ``findings.parquet`` (the verdict's
findings) and ``manifest.json``: each file with its SHA-256, size, row count, the SHA-256
of each row and of each of its (at most 64) blocks (so a verification can say which rows or bytes
changed), the rule-suite version, the verdict, the Kafka coordinates of the submission and
the receipt hash of its body (the event's ``content_sha256`` header). The manifest's own
SHA-256 is recorded in the warehouse table ``release`` and handed to the submitter.

Written after the load committed (the aggregation DAG, off the receipt-to-verdict path),
for every accepted verdict without a release, so a failed run is caught up by the next.
A directory is written under a temporary name and renamed into place; an existing one is
never overwritten: if a crash came between the rename and the record, the next run adopts
the directory when it verifies, and refuses otherwise. A replay is a new validation run,
hence a new verdict and a new directory beside the old one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common.settings import Settings

logger = logging.getLogger(__name__)

MANIFEST = "manifest.json"
FINDINGS = "findings"
MAX_BLOCKS = 64  # per file: a changed byte is located to 1/64 of the file, or 256 bytes
FORMAT = 1
_CHUNK = 200  # verdicts read per warehouse window


class ReleaseConflict(RuntimeError):
    """A release directory exists that is not the release being written: never overwritten."""


@dataclass
class ReleaseResult:
    written: list[dict[str, Any]] = field(default_factory=list)
    adopted: int = 0
    seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "written": len(self.written),
            "adopted": self.adopted,
            "seconds": round(self.seconds, 3),
        }


def release_dir(settings: Settings, verdict: dict[str, Any]) -> Path:
    return (
        Path(settings.release_root)
        / verdict["country"]
        / verdict["cycle"]
        / f"v{verdict['version']}"
        / verdict["validation_run_id"]
    )


def write_releases(settings: Settings) -> ReleaseResult:
    """Write the release of every accepted verdict that has none; see the module docstring."""
    from warehouse import releases as store
    from warehouse.db import connect
    from warehouse.load import ACCEPTED_TABLES
    from warehouse.migrate import migrate

    started = time.perf_counter()
    result = ReleaseResult()
    while True:
        con = connect(settings.warehouse_path, timeout_s=settings.warehouse_lock_timeout_s)
        try:
            migrate(con)
            todo = store.unreleased(con)[:_CHUNK]
            contents = [
                (
                    verdict,
                    {t: store.accepted_rows(con, t, verdict) for t in ACCEPTED_TABLES}
                    | {FINDINGS: store.findings(con, verdict)},
                )
                for verdict in todo
            ]
        finally:
            con.close()
        if not todo:
            break
        records = []
        for verdict, tables in contents:  # files are written outside the warehouse lock
            path, digest, adopted = write_release(settings, verdict, tables)
            result.adopted += adopted
            records.append(
                {
                    **{k: verdict[k] for k in ("submission_id", "validation_run_id", "country",
                                               "cycle", "version", "status")},
                    "manifest_path": str(path / MANIFEST),
                    "manifest_sha256": digest,
                    "files": len(tables),
                }
            )  # fmt: skip
        con = connect(settings.warehouse_path, timeout_s=settings.warehouse_lock_timeout_s)
        try:
            con.begin()
            for row in records:
                store.record(con, row)
            con.commit()
        finally:
            con.close()
        result.written.extend(records)
    result.seconds = time.perf_counter() - started
    if result.written:
        logger.info("releases written: %s", result.summary())
    return result


def write_release(
    settings: Settings, verdict: dict[str, Any], tables: dict[str, Any]
) -> tuple[Path, str, bool]:
    """Write one release directory atomically; returns (directory, manifest SHA-256, whether
    an existing directory was adopted). Raises ReleaseConflict rather than overwrite."""
    import pyarrow.parquet as pq

    final = release_dir(settings, verdict)
    if final.exists():
        return final, _adopt(final, verdict), True
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent))
    try:
        files = []
        for name, table in sorted(tables.items()):
            path = tmp / f"{name}.parquet"
            pq.write_table(table, path)
            files.append(_file_entry(path, table.to_pylist()))
        manifest = _manifest(verdict, files)
        (tmp / MANIFEST).write_bytes(manifest)
        for path in tmp.iterdir():
            _fsync(path)
            os.chmod(path, 0o444)
        os.rename(tmp, final)  # atomic; refuses a directory that appeared meanwhile
    except BaseException:
        _remove(tmp)
        raise
    return final, hashlib.sha256(manifest).hexdigest(), False


def _adopt(final: Path, verdict: dict[str, Any]) -> str:
    """The manifest hash of an existing directory that is this verdict's intact release."""
    checked = verify(final)
    manifest = checked.manifest or {}
    same = (manifest.get("submission_id"), manifest.get("validation_run_id")) == (
        verdict["submission_id"], verdict["validation_run_id"],
    )  # fmt: skip
    if not (checked.ok and same):
        raise ReleaseConflict(
            f"release directory {final} exists and is not an intact release of submission "
            f"{verdict['submission_id']} (run {verdict['validation_run_id']}); it is never "
            "overwritten: move it away after checking it (`resilience release verify`)"
        )
    logger.warning("adopted release %s written by an interrupted run", final)
    return checked.manifest_sha256


def _file_entry(path: Path, rows: list[dict[str, Any]]) -> dict[str, Any]:
    data = path.read_bytes()
    return {
        "name": path.name,
        "sha256": hashlib.sha256(data).hexdigest(),
        "bytes": len(data),
        "rows": len(rows),
        "row_sha256": [row_sha256(row) for row in rows],
        "block_bytes": (size := _block_size(len(data))),
        "block_sha256": _blocks(data, size),
    }


def row_sha256(row: dict[str, Any]) -> str:
    """The hash of a row's values (canonical JSON), as read back from its Parquet file."""
    text = json.dumps(row, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _block_size(length: int) -> int:
    return max(256, -(-length // MAX_BLOCKS // 256) * 256)


def _blocks(data: bytes, size: int) -> list[str]:
    return [
        hashlib.sha256(data[i : i + size]).hexdigest() for i in range(0, max(len(data), 1), size)
    ]


def _manifest(verdict: dict[str, Any], files: list[dict[str, Any]]) -> bytes:
    def iso(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    body = {
        "format": FORMAT,
        "submission_id": verdict["submission_id"],
        "validation_run_id": verdict["validation_run_id"],
        "country": verdict["country"],
        "cycle": verdict["cycle"],
        "version": verdict["version"],
        "verdict": {
            "status": verdict["status"],
            "judged_at": iso(verdict["judged_at"]),
            "counts": {
                s: verdict[f"n_{s.lower()}"] for s in ("BLOCKER", "ERROR", "WARNING", "INFO")
            },
        },  # fmt: skip
        "rule_suite_version": verdict["suite_version"],
        "kafka": {
            "topic": verdict["topic"],
            "partition": verdict["partition"],
            "offset": verdict["offset"],
            "timestamp": iso(verdict["kafka_timestamp"]),
        },
        "receipt_sha256": verdict["content_sha256"],
        "files": files,
    }
    return (json.dumps(body, indent=2, sort_keys=True) + "\n").encode("utf-8")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove(tmp: Path) -> None:
    for path in tmp.glob("*"):
        path.unlink(missing_ok=True)
    tmp.rmdir()


# --- verification ----------------------------------------------------------------------


@dataclass
class Verification:
    path: Path
    manifest_sha256: str | None = None
    manifest: dict[str, Any] | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(path: Path, *, expected_manifest_sha256: str | None = None) -> Verification:
    """Recompute every hash of the release at ``path`` (its directory or manifest.json) and
    say exactly what differs: which file, which rows, which byte ranges."""
    path = Path(path)
    directory = path.parent if path.name == MANIFEST else path
    out = Verification(directory)
    try:
        raw = (directory / MANIFEST).read_bytes()
    except OSError as exc:
        out.problems.append(f"{MANIFEST}: cannot be read ({exc.strerror or exc})")
        return out
    out.manifest_sha256 = hashlib.sha256(raw).hexdigest()
    if expected_manifest_sha256 and out.manifest_sha256 != expected_manifest_sha256.lower():
        out.problems.append(
            f"{MANIFEST}: SHA-256 {out.manifest_sha256} differs from the recorded "
            f"{expected_manifest_sha256} (the manifest itself was changed)"
        )
    try:
        out.manifest = json.loads(raw)
        entries = out.manifest["files"]
    except (ValueError, KeyError, TypeError) as exc:
        out.problems.append(f"{MANIFEST}: not a release manifest ({exc})")
        return out
    listed = {entry["name"] for entry in entries}
    for entry in entries:
        out.problems.extend(_check_file(directory / entry["name"], entry))
    extra = sorted(p.name for p in directory.iterdir() if p.name not in listed | {MANIFEST})
    out.problems.extend(f"{name}: not in the manifest" for name in extra)
    return out


def _check_file(path: Path, entry: dict[str, Any]) -> list[str]:
    name = entry["name"]
    try:
        data = path.read_bytes()
    except OSError as exc:
        return [f"{name}: missing or unreadable ({exc.strerror or exc})"]
    digest = hashlib.sha256(data).hexdigest()
    if digest == entry["sha256"]:
        return []
    problem = f"{name}: SHA-256 {digest} differs from the manifest's {entry['sha256']}"
    details = []
    if len(data) != entry["bytes"]:
        details.append(f"{len(data)} bytes, the manifest says {entry['bytes']}")
    size = entry["block_bytes"]
    blocks = zip(_blocks(data, size), entry["block_sha256"], strict=False)
    changed = [i for i, (a, b) in enumerate(blocks) if a != b]
    if changed:
        ranges = ", ".join(f"{i * size}-{min((i + 1) * size, len(data)) - 1}" for i in changed)
        details.append(f"bytes {ranges} changed")
    details.append(_rows_changed(path, entry))
    return [problem + "; " + "; ".join(d for d in details if d)]


def _rows_changed(path: Path, entry: dict[str, Any]) -> str:
    import pyarrow.parquet as pq

    try:
        rows = pq.read_table(path).to_pylist()
    except Exception as exc:  # noqa: BLE001 - any reader error means the file is damaged
        return f"no longer readable as Parquet ({str(exc).splitlines()[0][:120]})"
    hashes = [row_sha256(row) for row in rows]
    if len(rows) != entry["rows"]:
        return f"{len(rows)} rows, the manifest says {entry['rows']}"
    differ = [i for i, (a, b) in enumerate(zip(hashes, entry["row_sha256"], strict=True)) if a != b]
    if not differ:
        return "every row reads back as released (the change is in the file's encoding)"
    where = [f"{i} ({rows[i].get('location') or rows[i].get('rule_code') or ''})" for i in differ]
    return f"rows {', '.join(where)} differ"
