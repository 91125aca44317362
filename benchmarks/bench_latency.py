"""Produce-to-verdict latency on the real local stack against drain() called directly.

    .venv/bin/python benchmarks/bench_latency.py [--bursts 1,1,...,1,10] [--gap 3]

Starts Kafka, the four Airflow components and the gateway in a temp run dir on free ports,
then produces the reports in spaced bursts with kafka-python (acks=all, like the gateway).
Nothing is triggered by hand: the topic watcher starts the ingest DAG, whose outlet starts
the aggregation that publishes the analyst copy. Per report it measures, from the
producer's ack:

* committed: to ``validation_run.finished_at`` of the run that judged it (stamped just
  before the DuckDB transaction; read from the warehouse after the stack is down, so the
  benchmark never takes the live file's lock);
* visible: to the first poll (every 0.2 s) of the analyst copy that shows its verdict.

Baseline, same process, after the stack is down: a bare broker, a fresh warehouse, GX and
drain() warmed, and each burst of the same reports produced then drained by
``pipeline.ingest.drain()`` in-process. The ratio is total stack time (first ack of a
burst -> its last verdict committed) over total direct drain() time of the bursts: what
event triggering, scheduling and task start-up add to the processing itself. Each burst's
span is also cut at its ingest run's queueing and task start (Airflow REST API), and the
drain() seconds inside the task (its XCom summary) are shown beside the direct ones.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import psutil
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.stats import pct  # noqa: E402
from common.settings import Settings  # noqa: E402
from schemas.record import report_headers  # noqa: E402

log = logging.getLogger(__name__)

CYCLE = "2026-H1"
WARMUP_CYCLE = "2027-H1"  # later than CYCLE, so the warm-up is never a "previous cycle"
POLL_S = 0.2

# The one query of this script (read-only, after the stack is down): when each verdict's
# validation run finished, i.e. the moment just before its DuckDB commit.
COMMITTED_SQL = """
with wanted as (select unnest($ids::varchar[]) as submission_id)
select v.submission_id, max(r.finished_at) as committed_at, any_value(v.status) as status
from verdict as v
join validation_run as r using (validation_run_id)
join wanted using (submission_id)
group by v.submission_id
"""


@dataclass(frozen=True)
class IngestRun:
    """One asset-triggered ingest_reports run: when it was queued and its task started."""

    run_id: str
    run_type: str
    queued_at: float
    task_started_at: float | None
    drain_s: float | None  # drain()'s own seconds inside the task (its XCom summary)


@dataclass
class Burst:
    reports: list[dict]
    acked: dict[str, float] = field(default_factory=dict)  # submission_id -> epoch s
    visible: dict[str, float] = field(default_factory=dict)
    committed: dict[str, float] = field(default_factory=dict)
    statuses: dict[str, str] = field(default_factory=dict)
    drain_s: float = 0.0  # direct run only
    runs: list[IngestRun] = field(default_factory=list)  # stack only: the runs that judged it

    @property
    def ids(self) -> list[str]:
        return [r["submission_id"] for r in self.reports]

    def span(self, ends: dict[str, float]) -> float:
        """First ack of the burst -> its last verdict (committed or visible)."""
        return max(ends[i] for i in self.ids) - min(self.acked.values())

    def latencies(self, ends: dict[str, float]) -> list[float]:
        return [ends[i] - self.acked[i] for i in self.ids]

    def phases(self) -> dict[str, float] | None:
        """The burst's span cut at its first ingest run's queueing and task start."""
        if not self.runs or self.runs[0].task_started_at is None:
            return None
        first, run = min(self.acked.values()), self.runs[0]
        committed, visible = max(self.committed.values()), max(self.visible.values())
        return {
            "ack_to_run_queued_s": run.queued_at - first,
            "queued_to_task_start_s": run.task_started_at - run.queued_at,
            "task_start_to_committed_s": committed - run.task_started_at,
            "drain_in_task_s": run.drain_s if run.drain_s is not None else float("nan"),
            "committed_to_visible_s": visible - committed,
        }


def plan_reports(sizes: list[int], seed: int) -> list[list[dict]]:
    """Distinct countries of one cycle (so no version is a duplicate), ~20 % with defects."""
    from synthetic.generator import generate_reports

    reports = [g.report for g in generate_reports(cycles=[CYCLE], seed=seed, defect_rate=0.2)]
    if sum(sizes) > len(reports):
        raise SystemExit(f"at most {len(reports)} reports (one per ally), asked {sum(sizes)}")
    out, start = [], 0
    for size in sizes:
        out.append(reports[start : start + size])
        start += size
    return out


def produce(settings: Settings, reports: Iterable[dict]) -> dict[str, float]:
    """Send like the gateway does; returns submission_id -> wall-clock time of its ack."""
    from kafka import KafkaProducer

    acked: dict[str, float] = {}
    producer = KafkaProducer(
        bootstrap_servers=settings.bootstrap_list, acks="all", enable_idempotence=True
    )
    try:
        for report in reports:
            body = json.dumps(report).encode()
            sid = report["submission_id"]
            future = producer.send(
                settings.report_topic,
                key=report["country"].encode(),
                value=body,
                headers=report_headers(report, body),
            )
            future.add_callback(lambda _meta, sid=sid: acked.__setitem__(sid, time.time()))
        producer.flush(timeout=60)
    finally:
        producer.close()
    missing = [r["submission_id"] for r in reports if r["submission_id"] not in acked]
    if missing:
        raise RuntimeError(f"{len(missing)} report(s) were not acknowledged by the broker")
    return acked


def wait_visible(settings: Settings, burst: Burst, timeout_s: float) -> None:
    """Poll the analyst copy until every report of the burst has a final verdict there."""
    from producers.client import FINAL
    from warehouse.reads import statuses_of

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        now = time.time()
        for sid, status in statuses_of(settings.analyst_path, burst.ids).items():
            if status in FINAL and sid not in burst.visible:
                burst.visible[sid] = now
                burst.statuses[sid] = status
        if len(burst.visible) == len(burst.ids):
            return
        time.sleep(POLL_S)
    raise RuntimeError(
        f"after {timeout_s:.0f}s only {len(burst.visible)} of {len(burst.ids)} reports of the "
        f"burst are visible in the analyst copy; see the logs under {settings.run_dir}"
    )


def ingest_runs(airflow_url: str, airflow_home: Path) -> list[IngestRun]:
    """Every ingest_reports run with its drain task's start, from the Airflow REST API."""
    import httpx

    from resilience.stack.ops_status import airflow_token

    token = airflow_token(airflow_url, airflow_home)
    out = []
    with httpx.Client(
        base_url=airflow_url.rstrip("/"), headers={"Authorization": f"Bearer {token}"}, timeout=10
    ) as client:
        response = client.get(
            "/api/v2/dags/ingest_reports/dagRuns", params={"order_by": "run_after", "limit": 100}
        )
        response.raise_for_status()
        for run in response.json()["dag_runs"]:
            tis = client.get(
                f"/api/v2/dags/ingest_reports/dagRuns/{run['dag_run_id']}/taskInstances"
            )
            tis.raise_for_status()
            starts = [t["start_date"] for t in tis.json()["task_instances"] if t["start_date"]]
            xcom = client.get(
                f"/api/v2/dags/ingest_reports/dagRuns/{run['dag_run_id']}"
                "/taskInstances/drain_topic/xcomEntries/return_value",
                params={"deserialize": True},
            )
            out.append(
                IngestRun(
                    run["dag_run_id"],
                    run["run_type"],
                    _iso(run["queued_at"]),
                    _iso(min(starts)) if starts else None,
                    _drain_seconds(xcom.json().get("value")) if xcom.is_success else None,
                )
            )
    return out


def assign_runs(bursts: list[Burst], runs: list[IngestRun]) -> None:
    """A burst's runs: those queued after its first ack and before its last verdict."""
    for burst in bursts:
        first, last = min(burst.acked.values()), max(burst.committed.values())
        burst.runs = [r for r in runs if first <= r.queued_at <= last]


def _drain_seconds(value: object) -> float | None:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    seconds = value.get("seconds") if isinstance(value, dict) else None
    return float(seconds) if isinstance(seconds, int | float) else None


def _iso(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def read_committed(warehouse: Path, bursts: list[Burst]) -> None:
    from warehouse.db import connect

    ids = [sid for b in bursts for sid in b.ids]
    con = connect(warehouse, read_only=True)
    try:
        rows = con.execute(COMMITTED_SQL, {"ids": ids}).fetchall()
    finally:
        con.close()
    found = {sid: (at, status) for sid, at, status in rows}
    for burst in bursts:
        for sid in burst.ids:
            if sid not in found:
                raise RuntimeError(f"submission {sid} has no verdict in {warehouse}")
            at, status = found[sid]
            burst.committed[sid] = _epoch(at)
            burst.statuses.setdefault(sid, status)


def _epoch(moment: datetime) -> float:
    return moment.timestamp()  # timestamptz comes back timezone-aware


def stack_settings(run: Path) -> Settings:
    from resilience.stack.ports import free_port

    gateway_port = free_port()
    return Settings(
        run_dir=run,
        airflow_home=run / "airflow",
        warehouse_path=run / "warehouse" / "resilience.duckdb",
        analyst_path=run / "warehouse" / "analyst.duckdb",
        report_path=run / "warehouse" / "alliance_report.html",
        gateway_db=run / "gateway" / "gateway.sqlite3",
        kafka_port=0,
        gateway_port=gateway_port,
        gateway_url=f"http://127.0.0.1:{gateway_port}",
    )


def run_stack(work: Path, plan: list[list[dict]], gap_s: float, say) -> tuple[list[Burst], float]:
    """The bursts through the running stack; returns them and the stack's start-up seconds."""
    from resilience.stack import processes, stack
    from resilience.stack.ports import free_port

    settings = stack_settings(work / "stack")
    bursts = [Burst(reports) for reports in plan]
    family: set[int] = set()
    started = time.monotonic()
    try:
        info = stack.up(settings, airflow_port=free_port(), timeout_s=240, progress=say)
        up_s = time.monotonic() - started
        family = processes.family(info.pids.values())
        live = info.settings
        for n, burst in enumerate(bursts, 1):
            if n > 1:
                time.sleep(gap_s)
            burst.acked = produce(live, burst.reports)
            wait_visible(live, burst, timeout_s=180)
            seen = burst.span(burst.visible)
            say(f"stack burst {n}: {len(burst.ids)} report(s) visible after {seen:.1f}s")
        runs = ingest_runs(info.airflow_url, live.airflow_home)
    finally:
        say("stopping the stack")
        stack.down(settings)
        left = sorted(pid for pid in family if processes.pid_exists(pid))
        if left:  # ours by PID: stop them rather than leave them behind
            log.warning("processes of the stack still running after down: %s", left)
            for pid in left:
                try:
                    psutil.Process(pid).kill()
                except psutil.Error:
                    continue
    read_committed(settings.warehouse_path, bursts)
    assign_runs(bursts, runs)
    manual = [r.run_id for r in runs if r.run_type != "asset_triggered"]
    if manual:
        raise RuntimeError(f"ingest runs not started by the topic watcher: {manual}")
    return bursts, up_s


def run_direct(work: Path, plan: list[list[dict]], say) -> tuple[list[Burst], float]:
    """The same bursts through drain() in this process, against a bare broker; also the
    seconds of this process's first (cold: GX imported and built on first use) drain()."""
    from pipeline.ingest import drain
    from resilience.stack import kafka_broker
    from resilience.stack.stack import migrate_warehouse
    from resilience.stack.topics import ensure_topics
    from schemas.validation import validate_batch
    from synthetic.generator import generate_report

    run = work / "direct"
    bursts = [Burst(reports) for reports in plan]
    say("direct baseline: bare Kafka broker")
    broker = kafka_broker.up(run, Settings().kafka_lib_dir, port=0, timeout_s=180)
    try:
        settings = Settings(
            kafka_bootstrap_servers=broker.bootstrap,
            warehouse_path=run / "warehouse" / "resilience.duckdb",
            analyst_path=run / "warehouse" / "analyst.duckdb",
        )
        ensure_topics(settings)
        migrate_warehouse(settings)
        # Warm GX and drain() itself (imports, first DuckDB and consumer-group round trips);
        # that first drain is timed too: it is what a fresh task process pays.
        warm = [generate_report(c, WARMUP_CYCLE, seed=1).report for c in ("DEU", "FRA")]
        produce(settings, warm)
        started = time.perf_counter()
        drain(settings)
        cold_s = time.perf_counter() - started
        validate_batch(warm)
        for n, burst in enumerate(bursts, 1):
            burst.acked = produce(settings, burst.reports)
            started = time.perf_counter()
            result = drain(settings)
            burst.drain_s = time.perf_counter() - started
            if result.reports != len(burst.ids):
                raise RuntimeError(f"direct burst {n}: drained {result.summary()}")
            say(f"direct burst {n}: {len(burst.ids)} report(s) drained in {burst.drain_s:.2f}s")
    finally:
        kafka_broker.down(run)
    read_committed(settings.warehouse_path, bursts)
    return bursts, cold_s




def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--bursts",
        default=",".join(["1"] * 20 + ["10"]),
        help="burst sizes, comma separated (default: 20 spaced single reports, then 10 at once)",
    )
    parser.add_argument("--gap", type=float, default=3.0, help="seconds between bursts")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    console = Console()
    if not console.is_terminal:  # captured (run_all.py, a file): room for the wide table
        console = Console(width=180)

    def say(message: str) -> None:
        console.log(message, highlight=False)

    sizes = [int(s) for s in args.bursts.split(",") if s.strip()]
    if not sizes or min(sizes) < 1:
        raise SystemExit(f"--bursts needs positive sizes, got {args.bursts!r}")
    plan = plan_reports(sizes, args.seed)
    work = Path(tempfile.mkdtemp(prefix="bench-latency-"))
    wall = time.monotonic()
    stack_bursts, up_s = run_stack(work, plan, args.gap, say)
    direct_bursts, cold_s = run_direct(work, plan, say)

    mismatched = [
        sid
        for s, d in zip(stack_bursts, direct_bursts, strict=True)
        for sid in s.ids
        if s.statuses[sid] != d.statuses[sid]
    ]
    if mismatched:
        raise SystemExit(f"stack and direct verdicts differ for {mismatched}")

    committed = [x for b in stack_bursts for x in b.latencies(b.committed)]
    visible = [x for b in stack_bursts for x in b.latencies(b.visible)]
    direct = [x for b in direct_bursts for x in b.latencies(b.committed)]
    stack_total = sum(b.span(b.committed) for b in stack_bursts)
    direct_total = sum(b.drain_s for b in direct_bursts)

    per_burst = Table(title="Per burst: first ack -> last verdict (seconds)")
    columns = (
        "burst",
        "reports",
        "ingest runs",
        "ack -> run queued",
        "queued -> task start",
        "task start -> committed",
        "of it drain() in task",
        "committed -> visible",
        "stack committed",
        "stack visible",
        "drain() direct",
        "ratio",
    )
    for name in columns:
        per_burst.add_column(name, justify="right")
    for n, (s, d) in enumerate(zip(stack_bursts, direct_bursts, strict=True), 1):
        phases = s.phases()
        cut = [f"{v:.2f}" for v in phases.values()] if phases else ["-"] * 5
        per_burst.add_row(
            str(n),
            str(len(s.ids)),
            str(len(s.runs)),
            *cut,
            f"{s.span(s.committed):.2f}",
            f"{s.span(s.visible):.2f}",
            f"{d.drain_s:.2f}",
            f"{s.span(s.committed) / d.drain_s:.1f}x",
        )
    cuts = [p for b in stack_bursts if (p := b.phases())]
    phase_medians = {
        f"median_{k}": round(statistics.median(values), 2)
        for k in (cuts[0] if cuts else {})
        if (values := [c[k] for c in cuts if not math.isnan(c[k])])
    }
    per_report = Table(title=f"Per report: ack -> verdict, {len(committed)} reports (seconds)")
    for name in ("path", "median", "p90", "max"):
        per_report.add_column(name, justify="right" if name != "path" else "left")
    for name, values in (
        ("stack, committed in the warehouse", committed),
        ("stack, visible in the analyst copy", visible),
        ("drain() direct, committed", direct),
    ):
        per_report.add_row(
            name,
            f"{statistics.median(values):.2f}",
            f"{pct(values, 0.9):.2f}",
            f"{max(values):.2f}",
        )
    console.print(per_burst)
    console.print(per_report)
    counts = {
        s: sum(1 for b in stack_bursts for x in b.statuses.values() if x == s)
        for s in ("accepted", "accepted_with_warnings", "rejected")
    }
    console.print(
        f"stack up in {up_s:.0f}s; first (cold) direct drain() of 2 reports {cold_s:.2f}s; "
        f"verdicts {counts}; whole benchmark "
        f"{time.monotonic() - wall:.0f}s",
        highlight=False,
    )

    r2 = lambda x: round(x, 2)  # noqa: E731
    print(
        json.dumps(
            {
                "name": "latency",
                "ratio": round(stack_total / direct_total, 2),
                "what": "seconds from a burst's first produce-ack to its last verdict committed "
                "on the event-driven Airflow stack, over drain() time of the same bursts "
                "called directly (summed over the bursts)",
                "figures": {
                    "reports": len(committed),
                    "bursts": ",".join(map(str, sizes)),
                    "stack_committed_median_s": r2(statistics.median(committed)),
                    "stack_committed_p90_s": r2(pct(committed, 0.9)),
                    "stack_committed_max_s": r2(max(committed)),
                    "stack_visible_median_s": r2(statistics.median(visible)),
                    "stack_visible_p90_s": r2(pct(visible, 0.9)),
                    "stack_visible_max_s": r2(max(visible)),
                    "direct_committed_median_s": r2(statistics.median(direct)),
                    "direct_committed_p90_s": r2(pct(direct, 0.9)),
                    "direct_committed_max_s": r2(max(direct)),
                    "stack_bursts_total_s": r2(stack_total),
                    "direct_drain_total_s": r2(direct_total),
                    **phase_medians,
                    "direct_first_drain_cold_s": r2(cold_s),
                    "stack_up_s": r2(up_s),
                },
            }
        )
    )


if __name__ == "__main__":
    main()
