"""A warehouse of generated history, judged by the real suites: for previews of the HTML
report and the screenshot in docs/ (`python -m resilience.sample OUT.png`).

The stack's demo submits one cycle; the report's trends need several, so this builds the
demo's allies and seed over the cycles up to the demo's, without Kafka or Airflow: generated
submissions (late ones and resubmissions included) -> validate_batch -> the accepted tables,
verdicts and findings -> the marts.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

log = logging.getLogger(__name__)

SAMPLE_CYCLES = ("2024-H1", "2024-H2", "2025-H1", "2025-H2", "2026-H1")
SAMPLE_SEED = 2026  # the demo's
SAMPLE_DEFECT_RATE = 0.15  # the demo's
RUN_ID = "sample"


def build_sample_warehouse(
    path: Path,
    *,
    cycles: tuple[str, ...] = SAMPLE_CYCLES,
    seed: int = SAMPLE_SEED,
    defect_rate: float = SAMPLE_DEFECT_RATE,
) -> dict[str, int]:
    """Write a judged, aggregated warehouse to ``path``; returns the verdicts by status."""
    from schemas.prepare import priors_of
    from schemas.validation import validate_batch
    from synthetic.generator import generate_history
    from warehouse.db import connect
    from warehouse.load import (
        load_accepted,
        record_findings,
        record_validation_run,
        record_verdicts,
    )
    from warehouse.marts import build_marts
    from warehouse.migrate import prepare

    history = generate_history(None, list(cycles), seed=seed, defect_rate=defect_rate)
    reports = [g.report for g in history]
    priors = priors_of(reports)
    started = datetime.now(UTC)
    result = validate_batch(reports, priors)
    rows: dict[str, list[dict]] = {}
    verdicts, findings, statuses = [], [], {}
    for report in reports:
        judged = result[report["submission_id"]]
        for table, table_rows in judged.accepted_rows.items():
            rows.setdefault(table, []).extend(table_rows)
        counts = judged.counts()
        statuses[str(judged.status)] = statuses.get(str(judged.status), 0) + 1
        verdicts.append(
            {
                "submission_id": report["submission_id"],
                "validation_run_id": RUN_ID,
                "country": report["country"],
                "cycle": report["cycle"],
                "version": report["version"],
                "status": str(judged.status),
                "n_blocker": counts["BLOCKER"],
                "n_error": counts["ERROR"],
                "n_warning": counts["WARNING"],
                "n_info": counts["INFO"],
                "judged_at": report["submitted_at"],
                "suite_version": result.suite_version,
            }
        )
        findings += [
            {
                "submission_id": f.submission_id,
                "validation_run_id": RUN_ID,
                "rule_code": f.rule_code,
                "severity": str(f.severity),
                "table_name": f.table,
                "location": f.location,
                "message": f.message,
                "value": f.value,
            }
            for f in judged.findings
        ]
    con = connect(Path(path))
    try:
        prepare(con)
        record_validation_run(
            con,
            {
                "validation_run_id": RUN_ID,
                "started_at": started,
                "finished_at": datetime.now(UTC),
                "events": len(reports),
                "reports": len(reports),
                **{f"n_{s.lower()}": n for s, n in result.counts.items()},
                "suite_version": result.suite_version,
                "trigger": "sample",
            },
        )
        load_accepted(con, rows)
        record_verdicts(con, verdicts)
        record_findings(con, findings)
        build_marts(con)
    finally:
        con.close()
    log.info("sample warehouse %s: %d submissions, %s", path, len(reports), statuses)
    return statuses


def screenshot(html: Path, png: Path, *, width: int = 1100, height: int = 2280) -> Path:
    """A PNG of the page's top ``height`` pixels by Debian's headless Chromium."""
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        raise RuntimeError("chromium is not installed (apt-get install -y chromium)")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                binary, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                "--disable-background-networking", "--disable-component-update", "--no-first-run",
                f"--user-data-dir={profile}", f"--window-size={width},{height}",
                f"--screenshot={png}", html.resolve().as_uri(),
            ],
            check=True, capture_output=True, timeout=180,
        )  # fmt: skip
    return png


def main(argv: list[str]) -> int:
    from warehouse.report.html import write_report

    if len(argv) != 1:
        print("usage: python -m resilience.sample OUT.png", file=sys.stderr)
        return 2
    png = Path(argv[0])
    with tempfile.TemporaryDirectory() as tmp:
        warehouse = Path(tmp) / "sample.duckdb"
        statuses = build_sample_warehouse(warehouse)
        html = write_report(warehouse, Path(tmp) / "alliance-report.html")
        png.parent.mkdir(parents=True, exist_ok=True)
        screenshot(html, png)
    print(f"{png}: report of {sum(statuses.values())} generated submissions {statuses}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
