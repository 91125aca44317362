"""`resilience status`: what a data engineer checks first, in one look.

Consumer lag of the ingest group per partition, the last ingest and aggregation DAG runs
(Airflow REST API with a JWT from /auth/token), dead-lettered events, quarantined rows and
verdicts of the latest cycle (analyst copy), and how fresh warehouse and analyst copy are.
A part that cannot be read (broker down, Airflow down, no analyst copy yet) is reported as
a problem; the other parts are still shown.
"""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from common.settings import Settings
from warehouse import reads

log = logging.getLogger(__name__)

DAG_IDS = ("ingest_reports", "aggregate_marts", "remind_deadlines")


@dataclass(frozen=True)
class PartitionLag:
    topic: str
    partition: int
    end: int
    committed: int | None  # None: the group never committed on this partition
    lag: int


@dataclass(frozen=True)
class DagRun:
    dag_id: str
    run_id: str | None
    state: str | None
    run_after: str | None
    end_date: str | None


@dataclass(frozen=True)
class Freshness:
    label: str
    path: Path
    modified: datetime | None
    latest_judged_at: datetime | None
    note: str = ""


@dataclass
class OpsStatus:
    ingest: Any = None  # pipeline.health.IngestHealth of the last drain, None before any
    open_dead_letters: int | None = None  # dead letters no replay has judged yet
    lag: list[PartitionLag] = field(default_factory=list)
    dead_letters: int | None = None
    dag_runs: list[DagRun] = field(default_factory=list)
    verdicts: list[dict[str, Any]] = field(default_factory=list)
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    freshness: list[Freshness] = field(default_factory=list)
    reminders: list[tuple] = field(default_factory=list)  # (cycle, kind, allies, last sent)
    releases: tuple | None = None  # (count, latest released_at)
    problems: list[str] = field(default_factory=list)

    @property
    def total_lag(self) -> int:
        return sum(p.lag for p in self.lag)

    def headline(self) -> tuple[str, list[str]]:
        """(level, lines) for the top of the status: ``stalled`` when the last drain failed,
        ``attention`` when events wait to be judged again, else ``ok``."""
        health = self.ingest
        if health is not None and health.state == "failing":
            event = health.event or {}
            where = (
                f"{event['topic']}/{event['partition']}@{event['offset']}"
                f" (submission {event.get('submission_id') or 'unknown'})"
                if event.get("topic")
                else "no single event (the run failed before or between batches)"
            )
            lines = [
                f"ingest STALLED since {health.since}: {health.failures} failed run(s), "
                f"last at {health.updated_at}",
                f"last error: {health.last_error}",
                f"on event: {where}",
                f"lag now: {self.total_lag} event(s) waiting"
                + (f" (was {health.lag} at the failure)" if health.lag is not None else ""),
                f"last good run: {health.last_success_at or 'never'}",
            ]
            return "stalled", lines
        lines = []
        if health is not None:
            lines.append(f"ingest ok, last run {health.updated_at}; lag {self.total_lag}")
        if self.open_dead_letters:
            lines.append(
                f"{self.open_dead_letters} dead-lettered event(s) wait for a fix and "
                "`resilience deadletter replay` (see `resilience deadletter list`)"
            )
        for u in (health.unjudgeable if health is not None else [])[-3:]:
            lines.append(
                f"unjudgeable (SYS-001): {u['topic']}/{u['partition']}@{u['offset']} "
                f"submission {u.get('submission_id') or '-'}: {u['problem'][:200]}"
            )
        return ("attention" if self.open_dead_letters else "ok"), lines


# --- Kafka -----------------------------------------------------------------------------


def kafka_offsets(settings: Settings, *, timeout_s: float = 10) -> tuple[list[PartitionLag], int]:
    """Lag of the ingest group per partition of the report topic, and dead-lettered events
    (sum over the DLQ's partitions of end minus beginning offset)."""
    from kafka import KafkaAdminClient, KafkaConsumer

    _probe(settings.bootstrap_list)
    timeout_ms = int(timeout_s * 1000)
    consumer = KafkaConsumer(
        bootstrap_servers=settings.bootstrap_list,
        group_id=None,
        enable_auto_commit=False,
        client_id="resilience-status",
        request_timeout_ms=timeout_ms,
    )
    admin = None
    try:
        admin = KafkaAdminClient(
            bootstrap_servers=settings.bootstrap_list,
            client_id="resilience-status-admin",
            request_timeout_ms=timeout_ms,
        )
        tps = _partitions(consumer, settings.report_topic)
        ends = consumer.end_offsets(tps) if tps else {}
        committed_map = (
            admin.list_group_offsets({settings.ingest_group: tps}).get(settings.ingest_group, {})
            if tps
            else {}
        )
        lag: list[PartitionLag] = []
        for tp in tps:
            meta = committed_map.get(tp)
            committed = meta.offset if meta is not None and meta.offset >= 0 else None
            end = ends.get(tp, 0)
            lag.append(
                PartitionLag(tp.topic, tp.partition, end, committed, max(0, end - (committed or 0)))
            )
        dlq = _partitions(consumer, settings.dead_letter_topic)
        dead = 0
        if dlq:
            dlq_end = consumer.end_offsets(dlq)
            dlq_begin = consumer.beginning_offsets(dlq)
            dead = sum(dlq_end[tp] - dlq_begin[tp] for tp in dlq)
        return lag, dead
    finally:
        consumer.close()
        if admin is not None:
            admin.close()


def _probe(servers: list[str], timeout_s: float = 2.0) -> None:
    """Fail in seconds when no broker listens (kafka-python would retry for half a minute)."""
    for server in servers:
        host, _, port = server.rpartition(":")
        try:
            with socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout_s):
                return
        except (OSError, ValueError):
            continue
    raise ConnectionError(f"no broker answers at {','.join(servers)}")


def _partitions(consumer: Any, topic: str) -> list:
    from kafka import TopicPartition

    consumer.topics()  # refreshes metadata
    return [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]


# --- Airflow ---------------------------------------------------------------------------


def airflow_token(airflow_url: str, airflow_home: Path, *, timeout_s: float = 10) -> str:
    """A JWT for the REST API, logging in as the stack's admin user."""
    from resilience.stack.airflow_stack import ADMIN_USER, admin_password

    password = admin_password(airflow_home)
    if password is None:
        raise RuntimeError(f"no Airflow admin password under {airflow_home} (stack never started?)")
    response = httpx.post(
        f"{airflow_url.rstrip('/')}/auth/token",
        json={"username": ADMIN_USER, "password": password},
        timeout=timeout_s,
    )
    response.raise_for_status()
    return response.json()["access_token"]


def last_dag_runs(
    airflow_url: str, token: str, dag_ids: tuple[str, ...] = DAG_IDS, *, timeout_s: float = 10
) -> list[DagRun]:
    """The most recent run of each DAG (run_id None when it never ran)."""
    runs: list[DagRun] = []
    with httpx.Client(
        base_url=airflow_url.rstrip("/"),
        headers={"Authorization": f"Bearer {token}"},
        timeout=timeout_s,
    ) as client:
        for dag_id in dag_ids:
            response = client.get(
                f"/api/v2/dags/{dag_id}/dagRuns", params={"order_by": "-run_after", "limit": 1}
            )
            if response.status_code == 404:
                runs.append(DagRun(dag_id, None, "DAG not found", None, None))
                continue
            response.raise_for_status()
            found = response.json().get("dag_runs") or []
            if not found:
                runs.append(DagRun(dag_id, None, None, None, None))
                continue
            run = found[0]
            runs.append(
                DagRun(
                    dag_id,
                    run["dag_run_id"],
                    run["state"],
                    run.get("run_after"),
                    run.get("end_date"),
                )
            )
    return runs


# --- Warehouse -------------------------------------------------------------------------


def _mtime(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    except OSError:
        return None


def freshness(label: str, path: Path) -> Freshness:
    """File mtime and the latest judged_at inside (read-only; a held write lock is a note)."""
    from warehouse import db
    from warehouse.errors import WarehouseError

    modified = _mtime(path)
    if modified is None:
        return Freshness(label, path, None, None, "does not exist yet")
    try:
        con = db.connect(path, read_only=True, timeout_s=2)
    except WarehouseError as exc:
        return Freshness(label, path, modified, None, f"not readable now: {exc}")
    try:
        latest = reads.latest_judged_at(con)
    except Exception as exc:  # duckdb.Error: e.g. an empty file without the tables yet
        return Freshness(label, path, modified, None, f"no verdicts: {exc}")
    finally:
        con.close()
    return Freshness(label, path, modified, latest)


def analyst_figures(analyst_path: Path) -> tuple[list[dict], list[dict]]:
    """Verdicts by status and quarantined rows by source/severity, latest cycle."""
    from warehouse import db

    con = db.connect(analyst_path, read_only=True, timeout_s=5)
    try:
        return reads.latest_cycle_figures(con)
    finally:
        con.close()


def open_dead_letters(analyst_path: Path) -> int | None:
    """Dead letters no replay has judged (analyst copy; None on a copy before migration 6)."""
    from warehouse import db
    from warehouse.dead_letters import dead_letters

    con = db.connect(analyst_path, read_only=True, timeout_s=5)
    try:
        return sum(d.open for d in dead_letters(con))
    except Exception:  # duckdb.CatalogException: a copy published before the table existed
        return None
    finally:
        con.close()


# --- all together ----------------------------------------------------------------------


def collect(settings: Settings, airflow_url: str) -> OpsStatus:
    """Every part of the status; a part that fails adds a problem instead of raising."""
    from pipeline.health import read_health

    out = OpsStatus(ingest=read_health(settings))
    try:
        out.lag, out.dead_letters = kafka_offsets(settings)
    except Exception as exc:  # kafka.errors.KafkaError and socket errors alike
        out.problems.append(f"Kafka at {settings.kafka_bootstrap_servers}: {exc}")
    try:
        token = airflow_token(airflow_url, settings.airflow_home)
        out.dag_runs = last_dag_runs(airflow_url, token)
    except (httpx.HTTPError, RuntimeError, KeyError) as exc:
        out.problems.append(f"Airflow at {airflow_url}: {exc}")
    if Path(settings.analyst_path).exists():
        try:
            out.verdicts, out.quarantine = analyst_figures(settings.analyst_path)
            out.open_dead_letters = open_dead_letters(settings.analyst_path)
            copy = settings.analyst_path
            out.reminders = reads.analyst_rows(copy, "ops_reminders")
            out.releases = next(iter(reads.analyst_rows(copy, "ops_releases")), None)
        except Exception as exc:  # WarehouseError or duckdb.Error
            out.problems.append(f"analyst copy {settings.analyst_path}: {exc}")
    else:
        out.problems.append(f"no analyst copy yet at {settings.analyst_path}")
    out.freshness = [
        freshness("warehouse", Path(settings.warehouse_path)),
        freshness("analyst copy", Path(settings.analyst_path)),
    ]
    return out
