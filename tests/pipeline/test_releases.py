"""Release records on real Kafka and DuckDB: written for accepted verdicts only, verified,
tampering named, and a replay adding a release beside the first, which stays as it was."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline import releases
from resilience.cli.app import app
from schemas.record import content_sha256
from schemas.rules import SUITE_VERSION
from synthetic.generator import generate_report
from tests.pipeline.kafka_helpers import produce, report_event
from warehouse.analyst import publish_analyst_copy
from warehouse.releases import releases as recorded

pytestmark = pytest.mark.integration
runner = CliRunner()


def _digests(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in directory.iterdir()}


def test_accepted_reports_are_released_verified_and_a_replay_adds_a_release(
    pipeline_settings, settings_in_env, tmp_path
) -> None:
    from pipeline.ingest import drain
    from pipeline.replay import replay

    settings = settings_in_env(pipeline_settings)
    fra = generate_report("FRA", "2026-H1", seed=11).report
    deu = generate_report("DEU", "2026-H1", seed=12, defects=["RSK-003"]).report  # rejected
    events = [report_event(fra), report_event(deu)]
    produce(settings, events)
    ingested = drain(settings)
    assert (ingested.accepted + ingested.accepted_with_warnings, ingested.rejected) == (1, 1)

    first = releases.write_releases(settings)
    assert [r["submission_id"] for r in first.written] == [fra["submission_id"]]
    assert releases.write_releases(settings).written == []  # once
    (release,) = first.written
    directory = Path(release["manifest_path"]).parent
    assert directory.parent == settings.release_root / "FRA" / "2026-H1" / "v1"

    check = releases.verify(directory, expected_manifest_sha256=release["manifest_sha256"])
    assert check.ok, check.problems
    manifest = check.manifest
    assert manifest["receipt_sha256"] == content_sha256(events[0][1])
    assert manifest["rule_suite_version"] == SUITE_VERSION
    assert manifest["verdict"]["status"] in ("accepted", "accepted_with_warnings")
    assert manifest["kafka"]["topic"] == settings.report_topic
    names = {f["name"]: f["rows"] for f in manifest["files"]}
    assert names["report.parquet"] == 1 and names["goal.parquet"] == len(fra["goals"])
    assert "findings.parquet" in names and len(names) == 8

    # a flipped byte in a copy of the release is found and named
    spoiled = tmp_path / "spoiled"
    shutil.copytree(directory, spoiled)
    target = spoiled / "goal.parquet"
    target.chmod(0o644)
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))
    bad = releases.verify(spoiled)
    assert len(bad.problems) == 1 and bad.problems[0].startswith("goal.parquet: SHA-256")
    assert "bytes " in bad.problems[0] and "changed" in bad.problems[0]
    # a changed letter in a goal's text is named down to the row
    import pyarrow.parquet as pq

    reworded = tmp_path / "reworded"
    shutil.copytree(directory, reworded)
    target = reworded / "goal.parquet"
    target.chmod(0o644)
    text = pq.read_table(target).to_pylist()[1]["description"].encode()
    data = bytearray(target.read_bytes())
    at = data.find(text[-6:])
    data[at] ^= 0x20  # upper/lower case of one letter
    target.write_bytes(bytes(data))
    (problem,) = releases.verify(reworded).problems
    # (rows sharing the same text share its dictionary entry: each of them is named)
    assert problem.startswith("goal.parquet: SHA-256") and "rows 1 (/goals/1)" in problem
    publish_analyst_copy(settings.warehouse_path, settings.analyst_path)
    ok = runner.invoke(app, ["release", "verify", "--submission", fra["submission_id"]])
    assert ok.exit_code == 0 and "ok" in ok.output
    tampered = runner.invoke(app, ["release", "verify", str(spoiled)])
    assert tampered.exit_code == 1 and "TAMPERED" in tampered.output
    assert "goal.parquet" in tampered.output

    # a replay: a new verdict and a new release; the first one byte for byte as it was
    before = _digests(directory)
    replay(settings, cycle="2026-H1", country="FRA")
    second = releases.write_releases(settings)
    assert [r["submission_id"] for r in second.written] == [fra["submission_id"]]
    assert Path(second.written[0]["manifest_path"]).parent != directory
    assert _digests(directory) == before
    assert len(recorded(settings.warehouse_path, fra["submission_id"])) == 2
    assert recorded(settings.warehouse_path, deu["submission_id"]) == []
    assert json.loads(Path(second.written[0]["manifest_path"]).read_text())["version"] == 1
