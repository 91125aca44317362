"""reconcile() and `resilience reconcile` on a real DuckDB warehouse file and a real gateway
SQLite file, written the way the gateway and the pipeline write them (no broker needed):
each test plants one gap and checks reconcile names it with the right counts."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import pytest
import typer
from typer.testing import CliRunner

from common.settings import Settings
from resilience.reconcile import ReconcileError, reconcile
from schemas.flatten import flatten
from synthetic.generator import generate_report

pytestmark = pytest.mark.integration

TOPIC = "resilience.reports.v1"


def event(report: dict, offset: int, partition: int = 0) -> dict:
    body = json.dumps(report).encode("utf-8")
    sha = hashlib.sha256(body).hexdigest()
    return {
        "topic": TOPIC,
        "partition": partition,
        "offset": offset,
        "key": report["country"].encode(),
        "value": body,
        "headers": [
            ("schema_version", b"1"),
            ("submission_id", report["submission_id"].encode()),
            ("content_sha256", sha.encode()),
        ],
        "sha": sha,
    }


class World:
    """A warehouse file plus a gateway file, filled through the real writers."""

    def __init__(self, warehouse_path, tmp_path) -> None:
        self.settings = Settings(
            warehouse_path=warehouse_path,
            gateway_db=tmp_path / "gateway" / "gateway.sqlite3",
            run_dir=tmp_path / "run",
        )
        self.next_offset = 0
        self.runs = 0

    def con(self):
        from warehouse.db import connect

        return connect(self.settings.warehouse_path)

    def land(self, ev: dict) -> None:
        from schemas.record import RawEvent
        from warehouse.load import land_raw

        con = self.con()
        try:
            land_raw(
                con,
                [
                    RawEvent(
                        ev["topic"],
                        ev["partition"],
                        ev["offset"],
                        ev["key"],
                        ev["value"],
                        ev["headers"],
                    )
                ],
            )
        finally:
            con.close()

    def receipt(self, report: dict, ev: dict) -> None:
        from producers.gateway import receipts

        receipts.store(
            self.settings.gateway_db,
            receipts.Receipt(
                submission_id=report["submission_id"],
                country=report["country"],
                cycle=report["cycle"],
                version=report["version"],
                received_at=datetime.now(UTC).isoformat(),
                topic=ev["topic"],
                partition=ev["partition"],
                offset=ev["offset"],
                sha256=ev["sha"],
            ),
        )

    def judge(
        self, report: dict, status: str, *, trigger: str = "ingest", rows: bool | None = None
    ) -> None:
        """One validation run with one verdict; accepted rows unless rejected (or `rows`)."""
        from warehouse.load import load_accepted, record_validation_run, record_verdicts

        self.runs += 1
        run_id = f"run-{self.runs}"
        now = datetime(2026, 8, 1, 12, self.runs, tzinfo=UTC)
        con = self.con()
        try:
            record_validation_run(
                con, {"validation_run_id": run_id, "started_at": now, "trigger": trigger}
            )
            record_verdicts(
                con,
                [
                    {
                        "submission_id": report["submission_id"],
                        "validation_run_id": run_id,
                        "country": report["country"],
                        "cycle": report["cycle"],
                        "version": report["version"],
                        "status": status,
                        "judged_at": now,
                    }
                ],
            )
            if rows if rows is not None else status != "rejected":
                load_accepted(con, flatten(report))
        finally:
            con.close()

    def quarantine(self, ev: dict, reason: str = "not JSON") -> None:
        from warehouse.load import record_quarantine

        con = self.con()
        try:
            record_quarantine(
                con,
                [
                    {
                        "source": "dead_letter",
                        "reason": reason,
                        "row": None,
                        "topic": ev["topic"],
                        "partition": ev["partition"],
                        "offset": ev["offset"],
                    }
                ],
            )
        finally:
            con.close()

    def submit(self, report: dict, status: str = "accepted") -> dict:
        """The whole happy path: receipt, landed event, verdict, rows."""
        ev = event(report, self.next_offset)
        self.next_offset += 1
        self.receipt(report, ev)
        self.land(ev)
        self.judge(report, status)
        return ev

    def poison(self, value: bytes, *, quarantined: bool = True) -> dict:
        ev = {
            "topic": TOPIC,
            "partition": 1,
            "offset": self.next_offset,
            "key": None,
            "value": value,
            "headers": [],
            "sha": "",
        }
        self.next_offset += 1
        self.land(ev)
        if quarantined:
            self.quarantine(ev)
        return ev


@pytest.fixture
def world(warehouse_path, tmp_path) -> World:
    return World(warehouse_path, tmp_path)


def counts(report, name: str) -> tuple[int, int, int, int]:
    c = report.check(name)
    return c.expected, c.found, c.lost, c.doubled


def fra(cycle="2026-H1", version=1, seed=1) -> dict:
    return generate_report("FRA", cycle, version=version, seed=seed).report


def test_a_clean_history_reconciles_with_every_count(world) -> None:
    world.submit(fra())
    world.submit(fra(version=2, seed=2))
    world.submit(generate_report("DEU", "2026-H1", seed=3).report, "rejected")
    world.poison(b"not json at all")

    report = reconcile(world.settings)

    assert report.clean and (report.lost, report.doubled) == (0, 0)
    assert counts(report, "receipts landed") == (3, 3, 0, 0)
    assert counts(report, "reports judged") == (3, 3, 0, 0)
    assert counts(report, "poison quarantined") == (1, 1, 0, 0)
    assert counts(report, "accepted rows match verdicts") == (2, 2, 0, 0)
    rows = sum(len(r) for r in flatten(fra()).values()) + sum(
        len(r) for r in flatten(fra(version=2, seed=2)).values()
    )
    keys = report.check("accepted natural keys")
    assert (keys.found, keys.lost, keys.doubled) == (rows, 0, 0)
    assert keys.expected == rows


def test_a_receipt_whose_event_never_landed_is_lost(world) -> None:
    report_v1 = fra()
    world.submit(report_v1)
    missing = generate_report("NOR", "2026-H1", seed=4).report
    world.receipt(missing, event(missing, 99))  # acknowledged by Kafka, never consumed

    result = reconcile(world.settings)

    assert counts(result, "receipts landed") == (2, 1, 1, 0)
    assert not result.clean and result.lost == 1
    (problem,) = result.check("receipts landed").problems
    assert missing["submission_id"] in problem and "@99 was never landed" in problem


def test_a_landed_event_with_other_bytes_than_its_receipt_is_lost(world) -> None:
    report = fra()
    ev = event(report, 0)
    world.land(ev)
    world.judge(report, "accepted")
    world.receipt(report, {**ev, "sha": "0" * 64})

    result = reconcile(world.settings)

    assert counts(result, "receipts landed") == (1, 0, 1, 0)
    assert "not the receipt's" in result.check("receipts landed").problems[0]


def test_a_landed_report_without_verdict_is_unjudged(world) -> None:
    world.submit(fra())
    late = generate_report("ITA", "2026-H1", seed=5).report
    world.land(event(late, 7))  # landed, then the ingest died before judging it

    result = reconcile(world.settings, receipts=False)

    assert counts(result, "reports judged") == (2, 1, 1, 0)
    assert result.check("receipts landed").skipped
    assert result.check("reports judged").problems == [
        f"UNJUDGED: submission {late['submission_id']} (event {TOPIC}/0@7) has no verdict"
    ]


def test_a_redelivered_event_judged_twice_is_doubled_but_a_replay_is_not(world) -> None:
    report = fra()
    world.submit(report)
    world.land(event(report, 50))  # the same bytes delivered again at another offset
    world.judge(report, "accepted", trigger="replay")
    assert reconcile(world.settings).clean

    world.judge(report, "accepted")  # a second *ingest* verdict: judged twice

    result = reconcile(world.settings)
    assert counts(result, "reports judged") == (1, 1, 0, 1)
    assert "judged 2 times by the ingest" in result.check("reports judged").problems[0]


def test_a_rejected_submission_with_accepted_rows_is_doubled(world) -> None:
    report = fra()
    ev = event(report, 0)
    world.receipt(report, ev)
    world.land(ev)
    world.judge(report, "rejected", rows=True)

    result = reconcile(world.settings)

    assert counts(result, "accepted rows match verdicts") == (0, 0, 0, 1)
    assert (
        "is rejected yet has accepted rows in goal"
        in (result.check("accepted rows match verdicts").problems[0])
    )


def test_an_accepted_verdict_without_its_rows_is_lost(world) -> None:
    report = fra()
    ev = event(report, 0)
    world.receipt(report, ev)
    world.land(ev)
    world.judge(report, "accepted_with_warnings", rows=False)

    result = reconcile(world.settings)

    assert counts(result, "accepted rows match verdicts") == (1, 0, 1, 0)


def test_poison_without_quarantine_row_is_lost_and_twice_quarantined_is_doubled(world) -> None:
    world.poison(b"", quarantined=False)
    twice = world.poison(b'{"hello": "world"}')
    world.quarantine(twice)

    result = reconcile(world.settings, receipts=False)

    assert counts(result, "poison quarantined") == (2, 1, 1, 1)
    problems = result.check("poison quarantined").problems
    assert any("empty value" in p and p.startswith("LOST") for p in problems)
    assert any("quarantined 2 times" in p for p in problems)


def test_cycle_limits_every_check_to_that_cycle(world) -> None:
    world.submit(fra())
    h2 = generate_report("FRA", "2026-H2", seed=6).report
    world.receipt(h2, event(h2, 40))  # a gap, but in 2026-H2

    assert reconcile(world.settings, cycle="2026-H1").clean
    only_h2 = reconcile(world.settings, cycle="2026-H2")
    assert counts(only_h2, "receipts landed") == (1, 0, 1, 0)
    assert counts(only_h2, "reports judged") == (0, 0, 0, 0)
    assert not reconcile(world.settings).clean


def test_missing_warehouse_or_gateway_file_is_a_clear_error(world, tmp_path) -> None:
    with pytest.raises(ReconcileError, match="warehouse file .*nowhere.duckdb does not exist"):
        reconcile(world.settings.model_copy(update={"warehouse_path": tmp_path / "nowhere.duckdb"}))
    with pytest.raises(ReconcileError, match="gateway database .*gateway.sqlite3 does not exist"):
        reconcile(world.settings)
    assert reconcile(world.settings, receipts=False).clean


# --- the command ----------------------------------------------------------------------------


def run_cli(world: World, monkeypatch, *args: str):
    from common.settings import get_settings
    from resilience.cli import reconcile as reconcile_cli

    monkeypatch.setenv("RESILIENCE_WAREHOUSE_PATH", str(world.settings.warehouse_path))
    monkeypatch.setenv("RESILIENCE_GATEWAY_DB", str(world.settings.gateway_db))
    monkeypatch.setenv("COLUMNS", "160")
    get_settings.cache_clear()
    root = typer.Typer()  # mounted the way resilience.cli.app mounts area apps
    root.add_typer(reconcile_cli.app)

    @root.callback()
    def _root() -> None:
        pass

    try:
        return CliRunner().invoke(root, ["reconcile", *args])
    finally:
        get_settings.cache_clear()


def test_cli_prints_the_table_and_exits_0_when_clean(world, monkeypatch) -> None:
    world.submit(fra())
    world.poison(b"\x00\x01")

    result = run_cli(world, monkeypatch)

    assert result.exit_code == 0, result.output
    lines = [
        " ".join(line.replace("│", " ").replace("┃", " ").split())
        for line in result.output.splitlines()
    ]
    assert "check expected found lost doubled" in lines
    assert "receipts landed 1 1 0 0" in lines
    assert "poison quarantined 1 1 0 0" in lines
    assert "clean: nothing lost, nothing doubled" in result.output


def test_cli_exits_1_and_names_each_gap(world, monkeypatch) -> None:
    world.submit(fra())
    lost = generate_report("NOR", "2026-H1", seed=4).report
    world.receipt(lost, event(lost, 99))

    result = run_cli(world, monkeypatch, "--cycle", "2026-H1")

    assert result.exit_code == 1, result.output
    assert "gaps: 1 lost, 0 doubled" in result.output
    assert f"LOST: receipt {lost['submission_id']}" in result.output


def test_cli_exits_2_with_a_message_when_a_file_is_missing(world, monkeypatch) -> None:
    world.land(event(fra(), 0))  # no gateway file yet

    result = run_cli(world, monkeypatch)
    assert result.exit_code == 2
    assert "gateway database" in result.output and "does not exist" in result.output
    assert "Traceback" not in result.output

    skipped = run_cli(world, monkeypatch, "--skip-receipts")
    assert skipped.exit_code == 1  # the landed report has no verdict
    assert "UNJUDGED" in skipped.output

    bad = run_cli(world, monkeypatch, "--cycle", "2026-Q1")
    assert bad.exit_code == 2 and "not a cycle like 2026-H1" in bad.output
