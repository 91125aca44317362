"""Dry-run latency on a warm gateway against validate_batch of the same report in-process.

    .venv/bin/python benchmarks/bench_dryrun.py [--runs 20]

The real gateway in its own process (`resilience gateway serve`, no broker: a dry run never
touches Kafka) with an analyst copy holding the country's previous cycle as accepted, so the
cross-report rules read it as they would in production. A typical generated report (FRA
2026-H1, seed 0, no planted defects) is posted to POST /v1/reports:validate `--runs` times one
after the other; the baseline is the same report judged by validate_batch in this process
(warm), interleaved with the posts. Prints p50/p90 of both and the ratio; the issue's
budget is p50 <= 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.serve import gateway_process  # noqa: E402
from benchmarks.stats import pct  # noqa: E402
from resilience.stack.ports import free_port  # noqa: E402


def history(analyst_path: Path) -> tuple[dict, list[dict]]:
    """The 2026-H1 report to judge, and an analyst copy with FRA 2025-H2 accepted."""
    import duckdb

    from schemas.flatten import flatten
    from synthetic.generator import generate_reports
    from warehouse.load import load_accepted, prior_indicators
    from warehouse.migrate import migrate

    prior, report = (
        g.report for g in generate_reports(["FRA"], ["2025-H2", "2026-H1"], defect_rate=0.0)
    )
    with duckdb.connect(str(analyst_path)) as con:
        migrate(con)
        load_accepted(con, {t: rows for t, rows in flatten(prior).items() if rows})
        priors = prior_indicators(con, [("FRA", "2026-H1")])
    return report, priors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    from common.settings import Settings
    from producers.gateway import tokens

    work = Path(tempfile.mkdtemp(prefix="bench-dryrun-"))
    port = free_port()
    settings = Settings(gateway_db=work / "gateway.sqlite3", analyst_path=work / "analyst.duckdb")
    report, priors = history(settings.analyst_path)
    body = json.dumps(report).encode()
    token = tokens.issue(settings.gateway_db, role="submitter", country="FRA", label="bench")[1]
    env = {
        **os.environ,
        "RESILIENCE_KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{free_port()}",  # nobody: no broker
        "RESILIENCE_GATEWAY_BROKER_TIMEOUT_S": "0.5",
        "RESILIENCE_GATEWAY_DB": str(settings.gateway_db),
        "RESILIENCE_ANALYST_PATH": str(settings.analyst_path),
        "RESILIENCE_GATEWAY_PORT": str(port),
    }
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    with gateway_process(env, port, work / "gateway.log") as url:  # noqa: SIM117
        with httpx.Client(base_url=url, headers=headers, timeout=120) as client:
            started = time.perf_counter()
            first = client.post("/v1/reports:validate", content=body)
            first_s = time.perf_counter() - started  # waits for the start-up warm-up
            if first.status_code != 200:
                raise SystemExit(f"dry run answered {first.status_code}: {first.text[:300]}")
            answer = first.json()
            client.post("/v1/reports:validate", content=body)
            from schemas.validation import validate_batch

            validate_batch([{**report, "submission_id": str(uuid.uuid4())}], priors)  # warm
            # Interleaved, so both see the same load on this shared machine.
            latencies, local = [], []
            for _ in range(args.runs):
                started = time.perf_counter()
                response = client.post("/v1/reports:validate", content=body)
                latencies.append(time.perf_counter() - started)
                response.raise_for_status()
                started = time.perf_counter()
                validate_batch([report], priors)
                local.append(time.perf_counter() - started)

    from schemas.flatten import flatten

    rows = {t: len(v) for t, v in flatten(report).items()}
    dry_p50, local_p50 = statistics.median(latencies), statistics.median(local)
    print(
        f"typical report ({sum(rows.values())} rows: {rows}), {args.runs} runs each; "
        f"verdict {answer['status']}, prior cycle {answer['prior_cycle']}\n"
        f"dry run over HTTP (warm gateway)   p50 {dry_p50 * 1000:7.1f} ms  "
        f"p90 {pct(latencies, 0.9) * 1000:7.1f} ms  (first after start {first_s:.2f} s)\n"
        f"validate_batch in-process (warm)   p50 {local_p50 * 1000:7.1f} ms  "
        f"p90 {pct(local, 0.9) * 1000:7.1f} ms\n"
        f"ratio dry run / in-process {dry_p50 / local_p50:.2f}; budget p50 <= 1 s: "
        f"{'met' if dry_p50 <= 1 else 'NOT met'}"
    )
    print(
        json.dumps(
            {
                "name": "dryrun",
                "ratio": round(dry_p50 / local_p50, 3),
                "what": "p50 of POST /v1/reports:validate on a warm gateway over p50 of "
                "validate_batch of the same report in-process (budget: dry run p50 <= 1 s)",
                "figures": {
                    "runs": args.runs,
                    "report_rows": sum(rows.values()),
                    "dry_run_p50_ms": round(dry_p50 * 1000, 1),
                    "dry_run_p90_ms": round(pct(latencies, 0.9) * 1000, 1),
                    "first_dry_run_after_start_s": round(first_s, 2),
                    "in_process_p50_ms": round(local_p50 * 1000, 1),
                    "in_process_p90_ms": round(pct(local, 0.9) * 1000, 1),
                    "budget_p50_ms": 1000,
                },
            }
        )
    )


if __name__ == "__main__":
    main()
