"""Shared by the fault-injection tests: produce like the gateway, read the warehouse back,
and compare two warehouses on what a user sees (not on run ids or timestamps)."""

from __future__ import annotations

from common.settings import Settings
from resilience.reconcile import ReconcileReport, reconcile
from schemas.flatten import TABLES
from tests.pipeline.kafka_helpers import (  # noqa: F401  (re-exported)
    Event,
    produce,
    read_topic,
    report_event,
)

# Per table: the columns that describe the data, not when or in which run it was written.
STABLE_COLUMNS = {
    "raw_event": '"partition", "offset", key, value, headers, submission_id, content_sha256',
    "verdict": "submission_id, country, cycle, version, status, n_blocker, n_error, "
    "n_warning, n_info, suite_version",
    "finding": "submission_id, rule_code, severity, table_name, location, message, value",
    "quarantine": 'submission_id, source, table_name, "row"::varchar, rule_code, severity, '
    'reason, "partition", "offset"',
}


def reset_group_offsets(settings: Settings) -> None:
    """Rewind the ingest group to the start of every partition (an operator's reset)."""
    from kafka import KafkaConsumer, TopicPartition
    from kafka.structs import OffsetAndMetadata

    consumer = KafkaConsumer(
        bootstrap_servers=settings.bootstrap_list,
        group_id=settings.ingest_group,
        enable_auto_commit=False,
    )
    try:
        partitions = consumer.partitions_for_topic(settings.report_topic) or set()
        tps = [TopicPartition(settings.report_topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        consumer.commit({tp: OffsetAndMetadata(0, "", -1) for tp in tps})
    finally:
        consumer.close(autocommit=False)


def committed_total(settings: Settings) -> int:
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=settings.bootstrap_list)
    try:
        offsets = admin.list_group_offsets(settings.ingest_group).get(settings.ingest_group, {})
        return sum(meta.offset for meta in offsets.values() if meta.offset > 0)
    finally:
        admin.close()


def query(settings: Settings, sql: str, params: list | None = None) -> list[tuple]:
    from warehouse.db import connect

    con = connect(settings.warehouse_path, read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def tables(settings: Settings) -> dict[str, list[tuple]]:
    """Every audit and accepted table as sorted rows of its stable columns."""
    from warehouse.db import connect

    con = connect(settings.warehouse_path, read_only=True)
    try:
        out = {}
        for table, columns in STABLE_COLUMNS.items():
            out[table] = sorted(map(repr, con.execute(f"select {columns} from {table}").fetchall()))
        for table in TABLES:
            names = [
                name
                for (name,) in con.execute(
                    "select column_name from duckdb_columns() where table_name = ? "
                    "and schema_name = 'main' and column_name <> 'loaded_at' "
                    "order by column_index",
                    [table],
                ).fetchall()
            ]
            cols = ", ".join(f'"{n}"' for n in names)
            out[table] = sorted(map(repr, con.execute(f"select {cols} from {table}").fetchall()))
        return out
    finally:
        con.close()


def assert_reconciled(settings: Settings, *, receipts: bool = False) -> ReconcileReport:
    """Reconcile must find nothing lost and nothing doubled; returns the report."""
    report = reconcile(settings, receipts=receipts)
    gaps = [p for c in report.checks for p in c.problems if not p.startswith("note:")]
    assert (report.lost, report.doubled) == (0, 0), "\n".join(gaps)
    return report


def verdicts(settings: Settings) -> dict[str, str]:
    """submission_id -> current verdict status."""
    return dict(query(settings, "select submission_id, status from current_verdict"))


def accepted_submissions(settings: Settings) -> set[str]:
    return {sid for (sid,) in query(settings, "select distinct submission_id from report")}
