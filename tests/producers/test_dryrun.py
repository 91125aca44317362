"""POST /v1/reports:validate: the verdict a report would get, nothing published or stored."""

from __future__ import annotations

import duckdb
import httpx
import pytest

from schemas.flatten import flatten
from schemas.validation import validate_batch
from tests.producers.kafka_read import read_topic
from tests.producers.reports import make_report, to_body

pytestmark = pytest.mark.integration

JSON = {"Content-Type": "application/json"}


def client(gateway, country: str | None = "FRA", role: str = "submitter") -> httpx.Client:
    token = gateway.issue_token(country, role=role)
    return httpx.Client(
        base_url=gateway.base_url, headers={"Authorization": f"Bearer {token}", **JSON}, timeout=60
    )


def broken_report(**top) -> dict:
    report = make_report("FRA", **top)
    report["measures"][0]["milestones"][0]["completion_pct"] = 40  # done at 40 %
    report["goals"][0]["domain"] = "space_weather"  # not a known domain
    report["risks"][0]["likelihood"] = 9  # outside 1..5
    return report


def accepted_history(path, *reports: dict) -> None:
    """An analyst copy holding these reports as accepted (the rows the ingest loads)."""
    from warehouse.load import load_accepted
    from warehouse.migrate import migrate

    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        migrate(con)
        for report in reports:
            load_accepted(con, {t: rows for t, rows in flatten(report).items() if rows})


def test_a_dry_run_answers_what_the_pipeline_would_and_stores_nothing(gateway):
    report = broken_report()
    with client(gateway) as fra:
        response = fra.post("/v1/reports:validate", content=to_body(report))
        assert response.status_code == 200, response.text
        listed = fra.get("/v1/reports").json()["reports"]
    answer = response.json()

    expected = validate_batch([report])[report["submission_id"]]
    assert answer["status"] == str(expected.status) == "accepted_with_warnings"
    got = {(f["rule_code"], f["severity"], f["location"], f["value"]) for f in answer["findings"]}
    assert got == {(f.rule_code, str(f.severity), f.location, f.value) for f in expected.findings}
    assert {"MIL-003", "GOL-001", "RSK-002"} <= {code for code, *_ in got}
    assert answer["counts"] == expected.counts()
    assert answer["prior_cycle"] is None
    # nothing stored, nothing published
    assert listed == []
    assert read_topic(gateway.settings.kafka_bootstrap_servers, gateway.settings.report_topic,
                      expect=0) == []  # fmt: skip


def test_structure_is_refused_as_a_post_would_be(gateway):
    report = make_report("FRA")
    del report["plan"]
    report["version"] = "two"
    with client(gateway) as fra:
        dry = fra.post("/v1/reports:validate", content=to_body(report))
        post = fra.post("/v1/reports", content=to_body(report))
    assert dry.status_code == post.status_code == 422
    assert dry.json() == post.json()
    assert {i["pointer"] for i in dry.json()["detail"]} >= {"/version"}


def test_a_submitter_cannot_dry_run_for_another_country(gateway):
    with client(gateway, "DEU") as deu, client(gateway, None, role="analyst") as analyst:
        other = deu.post("/v1/reports:validate", content=to_body(make_report("FRA")))
        reader = analyst.post("/v1/reports:validate", content=to_body(make_report("FRA")))
    no_token = httpx.post(
        f"{gateway.base_url}/v1/reports:validate", content=to_body(make_report("FRA")), headers=JSON
    )
    assert other.status_code == 403 and "DEU only" in other.json()["detail"]
    assert reader.status_code == 403
    assert no_token.status_code == 401


def test_cross_report_rules_run_against_the_last_accepted_cycle(gateway):
    prior = make_report("FRA", cycle="2025-H2", submitted_at="2026-01-20T09:00:00Z")
    prior["goals"][0]["indicators"][0]["current_value"] = 5.0  # 62.5 now: a jump of 1150 %
    taken = make_report("FRA", cycle="2026-H1", version=2)
    accepted_history(gateway.settings.analyst_path, prior, taken)

    report = make_report("FRA", cycle="2026-H1", version=3)
    duplicate = make_report("FRA", cycle="2026-H1", version=2)
    with client(gateway) as fra:
        jumped = fra.post("/v1/reports:validate", content=to_body(report)).json()
        again = fra.post("/v1/reports:validate", content=to_body(duplicate)).json()

    assert jumped["prior_cycle"] == "2025-H2"
    [ind] = [f for f in jumped["findings"] if f["rule_code"] == "IND-003"]
    assert ind["location"] == "/goals/0/indicators/0"
    priors = [{"country": "FRA", "cycle": "2025-H2", "goal_id": "G-01",
               "indicator_id": "I-0101", "current_value": 5.0}]  # fmt: skip
    expected = validate_batch([report], priors)[report["submission_id"]]
    assert {f["rule_code"] for f in jumped["findings"]} == {f.rule_code for f in expected.findings}
    # the version the country already has accepted: rejected as the ingest would (RPT-004)
    assert again["status"] == "rejected"
    assert [f["rule_code"] for f in again["findings"]] == ["RPT-004"]
    assert taken["submission_id"] in again["findings"][0]["value"]


def test_a_burst_of_dry_runs_is_told_to_retry_and_posts_still_go_through(gateway):
    from concurrent.futures import ThreadPoolExecutor

    from producers.gateway.dryrun import MAX_QUEUED

    body = to_body(make_report("FRA"))
    with client(gateway) as fra, ThreadPoolExecutor(MAX_QUEUED + 4) as pool:
        burst = [
            pool.submit(fra.post, "/v1/reports:validate", content=body)
            for _ in range(MAX_QUEUED + 3)
        ]
        post = fra.post("/v1/reports", content=to_body(make_report("FRA")))
        answers = [f.result() for f in burst]
    assert post.status_code == 202, post.text
    busy = [a for a in answers if a.status_code == 503]
    assert busy and all(a.headers["Retry-After"] for a in busy)
    assert {a.status_code for a in answers} <= {200, 503}
    assert len({a.json()["status"] for a in answers if a.status_code == 200}) == 1
