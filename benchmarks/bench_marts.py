"""Mart build cost on a generated history of 32 allies x 40 cycles.

Measures, on a real DuckDB file:
- the bulk load of the history through warehouse.load.load_accepted (rows/s);
- a full build_marts() against a plain CREATE TABLE AS of the same queries (no transaction,
  no reference refresh, no comments): the overhead of the managed build;
- the refresh of one cycle after one new report against a full rebuild: what the per-cycle
  refresh saves the aggregation DAG.
Peak memory is the process RSS sampled every 5 ms during each step, above the RSS before it.
Prints the JSON line of benchmarks/README.md last.
"""

from __future__ import annotations

import json
import logging
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from schemas.flatten import flatten  # noqa: E402
from schemas.reference import cycles as reference_cycles  # noqa: E402
from synthetic.generator import generate_report, generate_reports  # noqa: E402
from warehouse.db import connect  # noqa: E402
from warehouse.load import load_accepted, record_verdicts  # noqa: E402
from warehouse.marts import MARTS, build_marts, load_mart  # noqa: E402
from warehouse.migrate import prepare  # noqa: E402

N_CYCLES = 40
REPEATS = 3


class PeakRss:
    """Highest RSS of this process while the block runs, above the RSS at its start."""

    def __init__(self) -> None:
        self.process = psutil.Process()
        self.peak = 0
        self._stop = threading.Event()

    def __enter__(self) -> PeakRss:
        self.start = self.process.memory_info().rss
        self.peak = self.start
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.005)

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)

    @property
    def delta_mb(self) -> float:
        return (self.peak - self.start) / 2**20


def measure(step: Callable[[], object], repeats: int = REPEATS) -> tuple[float, float]:
    """Median seconds and max peak-RSS delta (MiB) over `repeats` runs of `step`."""
    times, peaks = [], []
    for _ in range(repeats):
        with PeakRss() as rss:
            started = time.perf_counter()
            step()
            times.append(time.perf_counter() - started)
        peaks.append(rss.delta_mb)
    return statistics.median(times), max(peaks)


def history_rows(cycles: list[str]) -> tuple[dict[str, list[dict]], list[dict]]:
    rows: dict[str, list[dict]] = {}
    verdicts = []
    for generated in generate_reports(cycles=cycles, seed=7, defect_rate=0.0):
        report = generated.report
        for table, table_rows in flatten(report).items():
            rows.setdefault(table, []).extend(table_rows)
        verdicts.append(verdict(report))
    return rows, verdicts


def verdict(report: dict) -> dict:
    return {
        "submission_id": report["submission_id"],
        "validation_run_id": "bench",
        "country": report["country"],
        "cycle": report["cycle"],
        "version": report["version"],
        "status": "accepted",
        "judged_at": report["submitted_at"],
    }


def bulk_load(path: Path, rows: dict[str, list[dict]], copies: int) -> dict[str, float]:
    """Load `copies` versions of every report (~10k reports) in one load_accepted call."""
    many = {
        table: [{**row, "version": version} for version in range(1, copies + 1) for row in rows_]
        for table, rows_ in rows.items()
    }
    n_rows = sum(len(v) for v in many.values())
    con = connect(path)
    prepare(con)
    started = time.perf_counter()
    con.execute("begin transaction")
    load_accepted(con, {"report": many["report"][:1]})  # first call pays DuckDB's Arrow setup
    con.execute("rollback")
    first_call_s = time.perf_counter() - started
    with PeakRss() as rss:
        started = time.perf_counter()
        con.execute("begin transaction")
        load_accepted(con, many)
        con.execute("commit")
        load_s = time.perf_counter() - started
    con.close()
    print(f"bulk: {n_rows} rows of {len(many['report'])} reports in {load_s:.2f}s", flush=True)
    return {
        "bulk_reports": len(many["report"]),
        "bulk_rows": n_rows,
        "bulk_load_s": round(load_s, 3),
        "bulk_rows_per_s": round(n_rows / load_s),
        "bulk_peak_rss_mb": round(rss.delta_mb, 1),
        "first_load_call_setup_s": round(first_call_s, 3),
    }


def plain_ctas(con) -> None:
    for name in MARTS:
        mart = load_mart(name)
        con.execute(f"create or replace table plain_{mart.table} as {mart.query}", {"cycles": None})


def main() -> None:
    logging.disable(logging.INFO)
    all_cycles = sorted(reference_cycles())
    cycles = all_cycles[all_cycles.index("2021-H1") : all_cycles.index("2021-H1") + N_CYCLES]
    started = time.perf_counter()
    rows, verdicts = history_rows(cycles)
    generate_s = time.perf_counter() - started
    n_rows = sum(len(v) for v in rows.values())
    print(f"generated {len(verdicts)} reports, {n_rows} rows in {generate_s:.1f}s", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        bulk = bulk_load(Path(tmp) / "bulk.duckdb", rows, copies=8)
        con = connect(Path(tmp) / "bench.duckdb")
        prepare(con)
        with PeakRss() as load_rss:
            started = time.perf_counter()
            con.execute("begin transaction")
            load_accepted(con, rows)
            record_verdicts(con, verdicts)
            con.execute("commit")
            load_s = time.perf_counter() - started
        print(f"loaded in {load_s:.2f}s ({n_rows / load_s:,.0f} rows/s)", flush=True)

        build_marts(con)  # warm-up: creates the tables
        full_s, full_mb = measure(lambda: build_marts(con))
        plain_s, plain_mb = measure(lambda: plain_ctas(con))
        print(f"full rebuild {full_s:.3f}s / plain CTAS {plain_s:.3f}s", flush=True)

        # One new report: a resubmission (v2) for one ally in the latest cycle.
        latest = cycles[-1]
        new = generate_report("DEU", latest, version=2, seed=11).report
        new["submission_id"] = str(uuid.uuid4())
        con.execute("begin transaction")
        load_accepted(con, flatten(new))
        record_verdicts(con, [verdict(new)])
        con.execute("commit")
        refresh_s, refresh_mb = measure(lambda: build_marts(con, [latest]))
        mart_rows = {
            f"mart_{name}": con.execute(f"select count(*) from mart_{name}").fetchall()[0][0]
            for name in MARTS
        }
        con.close()

    figures = {
        "allies": 32,
        "cycles": N_CYCLES,
        "reports": len(verdicts),
        "accepted_rows": n_rows,
        "load_s": round(load_s, 3),
        "load_rows_per_s": round(n_rows / load_s),
        "load_peak_rss_mb": round(load_rss.delta_mb, 1),
        **bulk,
        "full_rebuild_s": round(full_s, 4),
        "full_rebuild_peak_rss_mb": round(full_mb, 1),
        "plain_ctas_s": round(plain_s, 4),
        "plain_ctas_peak_rss_mb": round(plain_mb, 1),
        "rebuild_over_plain_ctas": round(full_s / plain_s, 3),
        "refresh_one_cycle_s": round(refresh_s, 4),
        "refresh_peak_rss_mb": round(refresh_mb, 1),
        "full_over_refresh": round(full_s / refresh_s, 2),
        **mart_rows,
    }
    for key, value in figures.items():
        print(f"  {key}: {value}")
    print(
        json.dumps(
            {
                "name": "marts",
                "ratio": figures["full_over_refresh"],
                "what": "time of a full mart rebuild over the one-cycle refresh after one new "
                "report (32 allies x 40 cycles); rebuild_over_plain_ctas is the managed "
                "build's overhead over plain CREATE TABLE AS",
                "figures": figures,
            }
        )
    )


if __name__ == "__main__":
    main()
