"""Write what the pipeline consumed and judged into the warehouse.

Every function takes an open connection and runs inside the caller's transaction, so the
pipeline can commit raw events, verdicts and accepted rows together before it commits the
Kafka offsets. Rows are staged as one Arrow table and inserted with one statement: bulk
loads stay fast (about a million rows a second) and values are never spliced into SQL.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import duckdb
import pyarrow as pa

from schemas.record import RawEvent
from warehouse.errors import WarehouseError
from warehouse.sqlfiles import sql

log = logging.getLogger(__name__)

# Order matters only for readability of logs; there are no foreign keys.
ACCEPTED_TABLES = ("report", "goal", "indicator", "measure", "milestone", "infrastructure", "risk")
_RECORD_TABLES = ("verdict", "finding", "quarantine", "validation_run")
_APPEND_ONLY = ("finding", "quarantine")  # no natural key: each run's rows are its own
_STAGED = "staged_rows"

_ARROW_TYPES = {
    "VARCHAR": pa.string(),
    "INTEGER": pa.int64(),
    "BIGINT": pa.int64(),
    "DOUBLE": pa.float64(),
    "BOOLEAN": pa.bool_(),
    "BLOB": pa.binary(),
    "VARCHAR[]": pa.list_(pa.string()),
    # Dates, timestamps and JSON travel as text; DuckDB casts them on insert.
    "DATE": pa.string(),
    "TIMESTAMP WITH TIME ZONE": pa.string(),
    "JSON": pa.string(),
}


def raw_events_of(rows: Iterable[tuple]) -> list[RawEvent]:
    """RawEvents from raw_event rows (topic, partition, offset, key, value, headers json,
    timestamp_ms): the landed bytes as the pipeline first consumed them."""
    events = []
    for topic, partition, offset, key, value, headers, ts in rows:
        pairs = json.loads(headers) if headers else []
        events.append(
            RawEvent(
                topic=topic,
                partition=partition,
                offset=offset,
                key=key,
                value=value,
                headers=[(k, None if v is None else str(v).encode("utf-8")) for k, v in pairs],
                timestamp_ms=ts,
            )
        )
    return events


def land_raw(con: duckdb.DuckDBPyConnection, events: list[RawEvent]) -> int:
    """Append events to raw_event; returns how many were new (redeliveries are ignored)."""
    if not events:
        return 0
    staged = pa.table(
        {
            "topic": pa.array([e.topic for e in events], pa.string()),
            "partition": pa.array([e.partition for e in events], pa.int32()),
            "offset": pa.array([e.offset for e in events], pa.int64()),
            "key": pa.array([e.key for e in events], pa.binary()),
            "value": pa.array([e.value for e in events], pa.binary()),
            "headers": pa.array([_headers_json(e.headers) for e in events], pa.string()),
            "timestamp_ms": pa.array([e.timestamp_ms for e in events], pa.int64()),
            "submission_id": pa.array([e.submission_id for e in events], pa.string()),
            "content_sha256": pa.array([e.content_sha256 for e in events], pa.string()),
        }
    )
    return run_staged(con, staged, sql("land_raw"))


def judged_submission_hashes(
    con: duckdb.DuckDBPyConnection, submission_ids: Iterable[str]
) -> dict[str, str]:
    """submission_id -> content_sha256 of its judged event, for the ids already judged."""
    ids = sorted(set(submission_ids))
    if not ids:
        return {}
    rows = con.execute(sql("judged_submission_hashes"), {"submission_ids": ids}).fetchall()
    return dict(rows)


def accepted_versions(
    con: duckdb.DuckDBPyConnection, country_cycles: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], dict[int, str]]:
    """(country, cycle) -> {version: submission_id} of the accepted versions."""
    pairs = sorted(set(country_cycles))
    result: dict[tuple[str, str], dict[int, str]] = {pair: {} for pair in pairs}
    if not pairs:
        return result
    params = {"countries": [c for c, _ in pairs], "cycles": [y for _, y in pairs]}
    for country, cycle, version, submission_id in con.execute(
        sql("accepted_versions"), params
    ).fetchall():
        result[(country, cycle)][version] = submission_id
    return result


def prior_indicators(
    con: duckdb.DuckDBPyConnection, country_cycles: Sequence[tuple[str, str]]
) -> list[dict[str, Any]]:
    """Indicators of each country's latest accepted version of its latest cycle before the
    asked one: {country, cycle (the prior), goal_id, indicator_id, current_value, version,
    for_cycle}."""
    pairs = sorted(set(country_cycles))
    if not pairs:
        return []
    params = {"countries": [c for c, _ in pairs], "cycles": [y for _, y in pairs]}
    cursor = con.execute(sql("prior_indicators"), params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def load_accepted(con: duckdb.DuckDBPyConnection, rows: dict[str, list[dict]]) -> dict[str, int]:
    """Insert accepted flattened rows by natural key; returns new rows per table.

    A key that exists already (a redelivered event) is left untouched, and versions are
    separate rows, so a late lower version never overwrites a newer one.
    """
    unknown = sorted(set(rows) - set(ACCEPTED_TABLES))
    if unknown:
        raise WarehouseError(
            f"unknown accepted table(s): {', '.join(unknown)}",
            f"expected some of {', '.join(ACCEPTED_TABLES)}",
        )
    counts: dict[str, int] = {}
    for table in ACCEPTED_TABLES:
        table_rows = rows.get(table) or []
        if table_rows:
            counts[table] = _insert(con, table, table_rows)
    log.debug("loaded accepted rows %s", counts)
    return counts


def record_validation_run(con: duckdb.DuckDBPyConnection, run: dict[str, Any]) -> None:
    """Insert or update the run's row (recorded at start and again at the end)."""
    staged = _stage(con, "validation_run", [run])
    run_staged(con, staged, sql("upsert_validation_run"))


def record_verdicts(con: duckdb.DuckDBPyConnection, verdicts: list[dict[str, Any]]) -> int:
    """Store verdicts; the same (submission_id, validation_run_id) twice is stored once."""
    return _insert(con, "verdict", verdicts)


def record_findings(con: duckdb.DuckDBPyConnection, findings: list[dict[str, Any]]) -> int:
    """Append findings (each run's findings are its own rows)."""
    return _insert(con, "finding", findings)


def record_quarantine(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]]) -> int:
    """Append quarantined rows and dead-lettered events; `row` may be a dict (stored as JSON)."""
    prepared = [
        {**r, "row": r.get("row") if isinstance(r.get("row"), str | None) else _to_json(r["row"])}
        for r in rows
    ]
    return _insert(con, "quarantine", prepared)


# --- staging -----------------------------------------------------------------------------


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]]) -> int:
    if not rows:
        return 0
    if table not in ACCEPTED_TABLES + _RECORD_TABLES:
        raise WarehouseError(f"refusing to insert into unknown table {table!r}")
    staged = _stage(con, table, rows)
    statement = "append_staged" if table in _APPEND_ONLY else "insert_staged"
    return run_staged(con, staged, sql(statement).format(table=table))


def _stage(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]]) -> pa.Table:
    """Rows -> Arrow table typed after the warehouse table's columns; unknown keys are an
    error (a silently dropped column would be a silent data loss)."""
    columns = _columns(con, table)
    first = rows[0].keys()
    if all(r.keys() == first for r in rows):  # the usual case, and much faster than a union
        present = set(first)
    else:
        present = set().union(*(r.keys() for r in rows))
    names = [c for c in columns if c in present]
    extra = sorted(present - set(columns))
    if extra:
        raise WarehouseError(
            f"rows for table {table} carry unknown column(s): {', '.join(extra)}",
            "the flattened contract and the warehouse migrations disagree",
        )
    arrays, fields = [], []
    for name in names:
        arrow_type = columns[name]
        values = [r.get(name) for r in rows]
        try:
            arrays.append(pa.array(values, arrow_type))
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
            # Slow path only when needed: dates/datetimes/dicts given as Python objects.
            try:
                arrays.append(pa.array([_plain(v, arrow_type) for v in values], arrow_type))
            except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError) as exc:
                raise WarehouseError(f"table {table}, column {name}: bad value ({exc})") from exc
        fields.append(pa.field(name, arrow_type))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def run_staged(con: duckdb.DuckDBPyConnection, staged: pa.Table, statement: str) -> int:
    """Run `statement` with `staged` visible as staged_rows; returns its row count."""
    con.register(_STAGED, staged)
    try:
        ((count,),) = con.execute(statement).fetchall()
    except duckdb.ConstraintException as exc:
        raise WarehouseError(f"rows break a warehouse constraint: {exc}") from exc
    except duckdb.ConversionException as exc:
        raise WarehouseError(f"rows hold a value the warehouse cannot store: {exc}") from exc
    finally:
        with contextlib.suppress(duckdb.Error):  # an aborted transaction refuses even this
            con.unregister(_STAGED)
    return int(count)


_column_cache: dict[str, dict[str, pa.DataType]] = {}


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, pa.DataType]:
    """Column name -> staging Arrow type (loaded_at and other defaults stay the DB's)."""
    if table not in _column_cache:
        found = con.execute(
            "select column_name, data_type from duckdb_columns() "
            "where table_name = ? and schema_name = 'main' order by column_index",
            [table],
        ).fetchall()
        if not found:
            raise WarehouseError(
                f"warehouse has no table {table}", "run `resilience warehouse migrate` first"
            )
        _column_cache[table] = {
            name: _ARROW_TYPES.get(dtype, pa.string())
            for name, dtype in found
            if name != "loaded_at"
        }
    return _column_cache[table]


def _plain(value: Any, arrow_type: pa.DataType) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if arrow_type == pa.string() and isinstance(value, dict | list):
        return _to_json(value)
    return value


def _to_json(value: Any) -> str:
    return json.dumps(value, default=str, ensure_ascii=False)


def _headers_json(headers: list[tuple[str, bytes]]) -> str:
    decoded = []
    for name, value in headers or []:
        if value is None:
            decoded.append([name, None])
            continue
        try:
            decoded.append([name, value.decode("utf-8")])
        except UnicodeDecodeError:
            decoded.append([name, value.hex()])
    return json.dumps(decoded, ensure_ascii=False)
