"""`resilience demo`: one full reporting cycle, live, through the real stack.

Stack up; a submitter token per ally; first the history of three earlier cycles
(generate_history: late reports and corrections at the generator's rates, most allies moving
to schema 1.1 from 2025-H2), so that the report's trends have points to draw; then a
generated 2026-H1 report for each of the 32 allies (realistic defects at a modest rate,
one late submission, one corrected resubmission);
each posted over HTTP through the gateway with its own country's token; then wait until
every submission has its verdict in the analyst copy and the aggregation ran after the
last one - the AssetWatcher on the topic starts the DAGs, nothing is triggered by hand.

Reruns are safe: every run submits above the highest version the gateway or warehouse has
seen per country (fresh submission ids, a real resubmission for the pipeline).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from rich.console import Console
from rich.table import Table

from common.settings import Settings
from resilience.stack import gateway_proc, ops_status, stack
from warehouse import reads

log = logging.getLogger(__name__)

CYCLE = "2026-H1"
HISTORY_CYCLES = ("2024-H2", "2025-H1", "2025-H2")  # submitted first, oldest first
DEFECT_RATE = 0.15
SEED = 2026
LATE_COUNTRY = "ISL"
RESUBMIT_COUNTRY = "EST"
# v1 of the resubmitting ally repeats a goal_id (BLOCKER: rejected); v2 is the clean fix.
RESUBMIT_V1_DEFECTS = ("GOL-002",)


@dataclass(frozen=True)
class Planned:
    country: str
    version: int
    submission_id: str
    body: bytes
    note: str  # what is special about it, shown in the receipts table


@dataclass
class DemoResult:
    submissions: list[Planned]
    receipts: list[dict[str, Any]]
    statuses: dict[str, str]
    total_s: float = 0.0
    stack_up_s: float = 0.0
    first_submit_to_summary_s: float = 0.0
    peak_rss_bytes: int = 0
    first_submit_at: float = 0.0  # monotonic clock


class DemoError(RuntimeError):
    """The demo could not finish; the message says which step and where to look."""


# --- planning --------------------------------------------------------------------------


def base_versions(settings: Settings, cycle: str = CYCLE) -> dict[str, int]:
    """Highest version per country already received (gateway) or judged (analyst copy)."""
    from producers.gateway import db, receipts

    seen: dict[str, int] = {}
    if db.exists(settings.gateway_store):
        for receipt in receipts.list_receipts(settings.gateway_store, country=None, cycle=cycle):
            seen[receipt.country] = max(seen.get(receipt.country, 0), receipt.version)
    rows = reads.analyst_rows(settings.analyst_path, "demo_base_version", cycle=cycle)
    for country, version in rows:
        seen[country] = max(seen.get(country, 0), version)
    return seen


def plan_history(
    base: dict[tuple[str, str], int],
    *,
    cycles: tuple[str, ...] = HISTORY_CYCLES,
    seed: int = SEED,
    defect_rate: float = DEFECT_RATE,
) -> list[Planned]:
    """The earlier cycles as generate_history draws them, in submission order. ``base``:
    the highest version already seen per (country, cycle); a rerun submits above it, with
    fresh submission ids."""
    import uuid

    from synthetic.generator import generate_history

    planned: list[Planned] = []
    for generated in generate_history(None, list(cycles), seed=seed, defect_rate=defect_rate):
        report = generated.report
        seen = base.get((report["country"], report["cycle"]), 0)
        if seen:
            version = seen + report["version"]
            sid = uuid.uuid5(uuid.NAMESPACE_URL, f"{report['submission_id']}/{version}")
            report = {**report, "version": version, "submission_id": str(sid)}
        codes = dict.fromkeys(d.rule_code for d in generated.planted)
        planned.append(_planned(report, ", ".join(codes) or "history"))
    return planned


def history_base_versions(
    settings: Settings, cycles: tuple[str, ...] = HISTORY_CYCLES
) -> dict[tuple[str, str], int]:
    """base_versions of each history cycle, keyed (country, cycle)."""
    return {
        (country, cycle): version
        for cycle in cycles
        for country, version in base_versions(settings, cycle).items()
    }


def plan_submissions(
    base: dict[str, int], *, cycle: str = CYCLE, seed: int = SEED, defect_rate: float = DEFECT_RATE
) -> list[Planned]:
    """Every ally's report for ``cycle`` above its ``base`` version; the late one and the
    resubmitter's v1 included, the resubmitter's corrected v2 last."""
    from schemas import reference
    from synthetic.generator import generate_report, generate_reports

    deadline = reference.cycles()[cycle].deadline
    late_at = datetime.combine(deadline + timedelta(days=3), dtime(9, 30), tzinfo=UTC)
    planned: list[Planned] = []
    for generated in generate_reports(None, [cycle], seed=seed, defect_rate=defect_rate):
        country = generated.report["country"]
        version = base.get(country, 0) + 1
        defects = list(dict.fromkeys(p.rule_code for p in generated.planted))
        note = ", ".join(defects)
        submitted_at = None
        if country == RESUBMIT_COUNTRY:
            defects, note = list(RESUBMIT_V1_DEFECTS), "v1 with a duplicate goal_id"
        if country == LATE_COUNTRY:
            submitted_at, note = late_at, "late (after the deadline)"
        report = generate_report(
            country, cycle, version=version, seed=seed, defects=defects, submitted_at=submitted_at
        ).report
        planned.append(_planned(report, note))
    v1 = next(p for p in planned if p.country == RESUBMIT_COUNTRY)
    fixed = generate_report(RESUBMIT_COUNTRY, cycle, version=v1.version + 1, seed=seed).report
    planned.append(_planned(fixed, "resubmission, corrected"))
    return planned


def _planned(report: dict, note: str) -> Planned:
    return Planned(
        country=report["country"],
        version=report["version"],
        submission_id=report["submission_id"],
        body=json.dumps(report).encode(),
        note=note,
    )


def issue_tokens(gateway_store: Path | SecretStr, countries: list[str]) -> dict[str, str]:
    """A submitter token per country (only the secret is returned; the gateway keeps a hash)."""
    from producers.gateway import tokens

    issued: dict[str, str] = {}
    for country in sorted(set(countries)):
        _, secret = tokens.issue(gateway_store, role="submitter", country=country, label="demo")
        issued[country] = secret
    return issued


def submit_all(gateway_url: str, planned: list[Planned], tokens: dict[str, str]) -> list[dict]:
    """Post each report with its own country's token; returns the receipts in order."""
    from producers.client import GatewayCallFailed, GatewayClient

    receipts: list[dict] = []
    for item in planned:
        with GatewayClient(gateway_url, tokens[item.country]) as client:
            try:
                receipt, _ = client.submit(item.body)
            except GatewayCallFailed as exc:
                raise DemoError(
                    f"the gateway refused {item.country} v{item.version}: {exc.describe()}"
                ) from None
        receipts.append(receipt)
    return receipts


# --- waiting ---------------------------------------------------------------------------


def judged(settings: Settings, ids: list[str]) -> tuple[dict[str, str], datetime | None]:
    """Current status of each id in the analyst copy, and the latest judged_at among them."""
    statuses = reads.statuses_of(settings.analyst_path, ids)
    rows = reads.analyst_rows(settings.analyst_path, "demo_latest_judged", submission_ids=ids)
    return statuses, (rows[0][0] if rows else None)


def aggregated_after(airflow_url: str, airflow_home: Path, moment: datetime) -> bool:
    """Whether an aggregate_marts run started after ``moment`` and succeeded."""
    token = ops_status.airflow_token(airflow_url, airflow_home)
    run = ops_status.last_dag_runs(airflow_url, token, ("aggregate_marts",))[0]
    if run.state != "success" or run.run_after is None:
        return False
    return datetime.fromisoformat(run.run_after.replace("Z", "+00:00")) >= moment


def wait_for_pipeline(
    settings: Settings,
    airflow_url: str,
    ids: list[str],
    *,
    timeout_s: float,
    on_progress: Any = None,
) -> dict[str, str]:
    """Poll until every id has a verdict and the aggregation ran after the last verdict."""
    from producers.client import FINAL

    deadline = time.monotonic() + timeout_s
    statuses: dict[str, str] = {}
    while time.monotonic() < deadline:
        statuses, latest = judged(settings, ids)
        done = sum(1 for s in statuses.values() if s in FINAL)
        if on_progress:
            on_progress(done, len(ids))
        if done == len(ids) and latest is not None:
            try:
                if aggregated_after(airflow_url, settings.airflow_home, latest):
                    return statuses
            except Exception as exc:  # Airflow busy or restarting: poll again
                log.info("aggregation check: %s", exc)
        time.sleep(2)
    waiting = sorted(i for i, s in statuses.items() if s not in FINAL)
    raise DemoError(
        f"after {timeout_s:.0f}s, {len(waiting)} of {len(ids)} submissions have no verdict "
        f"yet (or the aggregation has not run since); see `resilience status` and the logs "
        f"under {settings.run_dir / 'logs'}"
    )


class PeakRss:
    """Samples the stack's resident memory every few seconds; keeps the peak."""

    def __init__(self, settings: Settings, interval_s: float = 2.0) -> None:
        self.settings = settings
        self.interval_s = interval_s
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="peak-rss", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, stack.rss_bytes(self.settings))
            except Exception as exc:  # a component restarting between two samples
                log.debug("rss sample: %s", exc)
            self._stop.wait(self.interval_s)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


# --- output ----------------------------------------------------------------------------


def _table(title: str, rows: list[tuple], columns: list[str]) -> Table:
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("-" if v is None else str(v) for v in row))
    return table


def receipts_table(planned: list[Planned], receipts: list[dict]) -> Table:
    rows = [
        (p.country, p.version, r["submission_id"][:8], r.get("partition"), r.get("offset"), p.note)
        for p, r in zip(planned, receipts, strict=True)
    ]
    return _table(
        "Receipts", rows, ["country", "version", "submission", "partition", "offset", "note"]
    )


def summary_tables(settings: Settings, ids: list[str], cycle: str = CYCLE) -> list[Table]:
    """Verdicts by status/severity and a few alliance marts, from the analyst copy."""
    path = settings.analyst_path
    return [
        _table(
            "Verdicts of this demo by status (findings by severity)",
            reads.analyst_rows(path, "demo_verdicts", submission_ids=ids),
            ["status", "submissions", "BLOCKER", "ERROR", "WARNING", "INFO"],
        ),
        _table(
            f"Alliance timeliness {cycle}",
            reads.analyst_rows(path, "demo_compliance", cycle=cycle),
            ["allies", "submitted", "on time", "late", "nothing accepted", "resubmitted"],
        ),
        _table(
            f"Implementation progress {cycle} (measures and milestones)",
            reads.analyst_rows(path, "demo_progress", cycle=cycle),
            ["domain", "allies", "measures", "done %", "on time %", "budget MEUR", "spent %"],
        ),
        _table(
            f"Critical infrastructure {cycle}",
            reads.analyst_rows(path, "demo_infrastructure", cycle=cycle),
            ["sector", "allies", "assets", "redundancy %", "incidents", "outage h", "EU NIS2 %"],
        ),
        _table(
            "Significant incidents by cause over the cycles (causes from schema 1.1 on)",
            reads.analyst_rows(path, "demo_cyber_incidents"),
            ["cycle", "allies", "on 1.1", "incidents", "cyber", "sabotage", "cause unknown"],
        ),
    ]


# --- reminders and releases --------------------------------------------------------------


def reminder_days(cycle: str = CYCLE) -> list[str]:
    """The days the demo runs the reminder DAG for: each kind's day of the cycle."""
    from pipeline.reminders import KINDS
    from schemas import reference

    deadline = reference.cycles()[cycle].deadline
    return [(deadline + timedelta(days=days)).isoformat() for days in KINDS.values()]


def remind(settings: Settings, airflow_url: str, step: Any, *, timeout_s: float = 300) -> None:
    """Run the reminder DAG through Airflow's REST API as of each reminder day of the cycle
    (its ``today`` param), one after the other: the allies without an accepted report by
    that day are reminded, each (ally, kind) once however often the demo is rerun."""
    import httpx

    token = ops_status.airflow_token(airflow_url, settings.airflow_home)
    with httpx.Client(
        base_url=airflow_url.rstrip("/"), headers={"Authorization": f"Bearer {token}"}, timeout=10
    ) as client:
        for day in reminder_days():
            response = client.post(
                "/api/v2/dags/remind_deadlines/dagRuns",
                json={"logical_date": None, "conf": {"today": day}},
            )
            response.raise_for_status()
            run_id = response.json()["dag_run_id"]
            deadline = time.monotonic() + timeout_s
            state = None
            while time.monotonic() < deadline:
                run = client.get(f"/api/v2/dags/remind_deadlines/dagRuns/{run_id}").json()
                state = run.get("state")
                if state in ("success", "failed"):
                    break
                time.sleep(1)
            if state != "success":
                raise DemoError(f"the reminder DAG as of {day} ended {state or 'not at all'}")
            step(f"reminder DAG ran as of {day}")


def reminders_table(settings: Settings, cycle: str = CYCLE) -> Table:
    """The reminders sent for the cycle: one row per ally that was reminded."""
    from warehouse.reminders import sent_reminders

    kinds: dict[str, list[str]] = {}
    for _, country, kind, *_ in sent_reminders(settings.analyst_path, cycle):
        kinds.setdefault(country, []).append(kind)
    rows = [(country, ", ".join(found)) for country, found in sorted(kinds.items())]
    return _table(
        f"Deadline reminders sent for {cycle} ({len(rows)} allies without an accepted report "
        "by a reminder day)",
        rows,
        ["ally", "reminders (notifications topic)"],
    )


def _print_release(console: Console, settings: Settings, result: DemoResult) -> None:
    """One release of this demo: where it is and the manifest hash its submitter got."""
    from warehouse.releases import releases

    ours = {p.submission_id: p for p in result.submissions}
    found = [r for r in releases(settings.analyst_path) if r["submission_id"] in ours]
    if not found:
        console.print("no release recorded yet for this demo's submissions")
        return
    of_cycle = [r for r in found if r["cycle"] == CYCLE] or found
    last = next((r for r in of_cycle if r["country"] == RESUBMIT_COUNTRY), of_cycle[-1])
    console.print(
        f"{len(found)} releases written for this demo's accepted reports; e.g. "
        f"{last['country']} {last['cycle']} "
        f"v{last['version']}: {last['manifest_path']}\n  manifest sha256 "
        f"{last['manifest_sha256']} (resilience release verify --submission "
        f"{last['submission_id']})",
        highlight=False,
    )


# --- the demo --------------------------------------------------------------------------


def run(
    settings: Settings,
    console: Console,
    *,
    keep_running: bool = False,
    airflow_port: int | None = None,
    timeout_s: float = 300,
) -> DemoResult:
    """The whole demo; stops the stack at the end unless ``keep_running``."""
    started = time.monotonic()

    def step(message: str) -> None:
        console.print(f"[dim]{time.monotonic() - started:6.1f}s[/dim] {message}", highlight=False)

    try:
        with console.status("starting the stack") as spinner:
            info = stack.up(
                settings,
                airflow_port=airflow_port,
                progress=lambda m: (step(m), spinner.update(f"starting: {m}")),
            )
        stack_up_s = time.monotonic() - started
        live = info.settings
        with PeakRss(live) as peak:
            result = _submit_and_wait(live, info.airflow_url, console, step, timeout_s)
            result.peak_rss_bytes = peak.peak
        result.stack_up_s = stack_up_s
        for table in summary_tables(live, [p.submission_id for p in result.submissions]):
            console.print(table)
        remind(live, info.airflow_url, step)
        console.print(reminders_table(live))
        _print_release(console, live, result)
        review_two(live, info.airflow_url, console, step, result)
        console.print(
            _table(
                f"Technical acceptance {CYCLE} (latest accepted version per ally)",
                reads.analyst_rows(live.analyst_path, "demo_reviews", cycle=CYCLE),
                ["review", "allies"],
            )
        )
        result.first_submit_to_summary_s = time.monotonic() - result.first_submit_at
        _where_next(console, live, info.airflow_url)
    finally:
        if not keep_running:
            step("stopping the stack")
            stack.down(settings)
    result.total_s = time.monotonic() - started
    console.print(
        f"demo {result.total_s:.0f}s in all: stack up {result.stack_up_s:.0f}s, first "
        f"submission to alliance summary {result.first_submit_to_summary_s:.0f}s, peak stack "
        f"memory {result.peak_rss_bytes / 2**20:.0f} MiB",
        highlight=False,
    )
    return result


def _submit_and_wait(
    settings: Settings, airflow_url: str, console: Console, step: Any, timeout_s: float
) -> DemoResult:
    base = base_versions(settings)
    if base:
        step(
            f"earlier runs found (versions up to {max(base.values())}): each ally submits "
            "above its highest version so far"
        )
    history = plan_history(history_base_versions(settings))
    current = plan_submissions(base)
    planned = history + current
    countries = [p.country for p in planned]
    step(
        f"{len(history)} reports generated for the earlier cycles {', '.join(HISTORY_CYCLES)} "
        f"and {len(current)} for {len(set(countries))} allies in cycle {CYCLE}"
    )
    tokens = issue_tokens(settings.gateway_store, countries)
    step(f"{len(tokens)} submitter tokens issued (one per ally, bound to its country)")
    first_submit = time.monotonic()
    receipts = submit_all(gateway_proc.url(settings), planned, tokens)
    step(f"{len(receipts)} reports posted over HTTP; every one has a receipt")
    console.print(receipts_table(current, receipts[len(history) :]))
    ids = [p.submission_id for p in planned]
    with console.status("waiting for the pipeline") as spinner:
        statuses = wait_for_pipeline(
            settings,
            airflow_url,
            ids,
            timeout_s=timeout_s,
            on_progress=lambda done, total: spinner.update(
                f"waiting for the pipeline: {done}/{total} verdicts in the analyst copy"
            ),
        )
    step("every submission judged, aggregation ran after the last one")
    result = DemoResult(submissions=planned, receipts=receipts, statuses=statuses)
    result.first_submit_at = first_submit
    return result


CORRECTION = "Measure M-1: the budget spent exceeds the budget allocated; please check both."


def review_two(
    settings: Settings, airflow_url: str, console: Console, step: Any, result: DemoResult
) -> None:
    """Answer two reviews through Airflow's REST API as a reviewer would (accept one, request
    a correction of the other) and print what each submitter now sees."""
    from resilience import reviewing
    from resilience.stack import ops_status

    accepted = [
        p
        for p in result.submissions
        if json.loads(p.body)["cycle"] == CYCLE
        and result.statuses.get(p.submission_id) == "accepted"
    ][:2]
    token = ops_status.airflow_token(airflow_url, settings.airflow_home, timeout_s=60)
    for planned, choice in zip(accepted, ("accept", "correct"), strict=False):
        path = _wait_for_review_task(settings, planned.submission_id)
        if path is None:
            step(f"review of {planned.country} not opened within 120 s; skipped")
            continue
        message = CORRECTION if choice == "correct" else ""
        reviewing.answer(airflow_url, token, path, choice, message, timeout_s=300)
        review = _wait_for_decision(settings, planned.submission_id)
        step(
            f"reviewer answered {planned.country} {CYCLE} v{planned.version} through "
            f"PATCH {path}: the submitter sees "
            + (f"{review.state}: {review.message or ''}" if review else "no decision yet")
        )


def _wait_for_review_task(settings: Settings, submission_id: str) -> str | None:
    from resilience import reviewing

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            return reviewing.hitl_path(settings.analyst_path, submission_id)
        except reviewing.ReviewNotOpen:
            time.sleep(2)
    return None


def _wait_for_decision(settings: Settings, submission_id: str) -> reads.Review | None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        review = reads.verdict_of(settings.analyst_path, submission_id).review
        if review is not None and review.state != "pending":
            return review
        time.sleep(2)
    return None


def _where_next(console: Console, settings: Settings, airflow_url: str) -> None:
    from resilience.stack import airflow_stack

    console.print("\n[bold]Where to look next[/bold]")
    console.print(
        f"  Airflow UI     {airflow_url}  user {airflow_stack.ADMIN_USER}, password in "
        f"{airflow_stack.password_file(settings.airflow_home)}",
        highlight=False,
    )
    console.print(f"  Gateway docs   {gateway_proc.url(settings)}/docs", highlight=False)
    console.print(f"  Warehouse      {settings.warehouse_path}", highlight=False)
    console.print(f"  Analyst copy   {settings.analyst_path}", highlight=False)
    console.print(
        f'  SQL            resilience sql "select country, on_time, days_late from '
        f"mart_compliance where cycle = '{CYCLE}' order by days_late desc limit 5\"",
        highlight=False,
    )
