"""The gateway over real HTTP (uvicorn in a thread) on a real broker."""

from __future__ import annotations

import hashlib
import logging
import threading
import uuid
from collections import Counter

import duckdb
import httpx
import pytest

from tests.producers.analyst_copy import RELEASE_SHA256, analyst_copy, publish_copy
from tests.producers.kafka_read import read_topic
from tests.producers.reports import make_report, to_body

pytestmark = pytest.mark.integration

JSON = {"Content-Type": "application/json"}


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **JSON}


@pytest.fixture
def fra(gateway) -> httpx.Client:
    with httpx.Client(base_url=gateway.base_url, headers=auth(gateway.issue_token("FRA"))) as c:
        yield c


def test_receipt_matches_what_a_consumer_reads(gateway, fra):
    report = make_report("FRA", cycle="2026-H1", version=3)
    body = to_body(report)
    response = fra.post("/v1/reports", content=body)
    assert response.status_code == 202, response.text
    receipt = response.json()
    assert receipt["submission_id"] == report["submission_id"]
    assert (receipt["country"], receipt["cycle"], receipt["version"]) == ("FRA", "2026-H1", 3)
    assert receipt["topic"] == gateway.settings.report_topic
    assert receipt["sha256"] == hashlib.sha256(body).hexdigest()

    [record] = read_topic(gateway.settings.kafka_bootstrap_servers, receipt["topic"], expect=1)
    assert (record.partition, record.offset) == (receipt["partition"], receipt["offset"])
    assert record.key == b"FRA"
    assert record.value == body  # byte-identical, indentation and all
    assert dict(record.headers) == {
        "schema_version": b"1",
        "submission_id": report["submission_id"].encode(),
        "content_sha256": receipt["sha256"].encode(),
    }


def test_the_schema_version_header_is_the_reports_own(gateway, fra):
    """A 1.1 report goes out with header 1.1, so a consumer that reads only 1.0 can refuse
    it unread (docs/report-contract.md, "Versions and compatibility")."""
    report = make_report("FRA", cycle="2026-H1", version=4, schema_version="1.1")
    report["infrastructure"][0]["incidents_by_cause"] = {
        "cyber": 0, "sabotage": 0, "natural_hazard": 0, "technical_failure": 0, "other": 0,
    }  # fmt: skip
    report["infrastructure"][0]["significant_incidents"] = 0
    response = fra.post("/v1/reports", content=to_body(report))
    assert response.status_code == 202, response.text
    receipt = response.json()
    [record] = read_topic(gateway.settings.kafka_bootstrap_servers, receipt["topic"], expect=1)
    assert dict(record.headers)["schema_version"] == b"1.1"


def test_a_report_larger_than_the_brokers_1mb_default_goes_through(gateway, fra):
    report = make_report("FRA")
    goal, measure = report["goals"][0], report["measures"][0]
    report["goals"] = [
        {**goal, "goal_id": f"G-{g:02d}", "description": "d" * 500, "indicators": [
            {**goal["indicators"][0], "indicator_id": f"I-{g:02d}{i:02d}", "name": "n" * 200}
            for i in range(20)
        ]}
        for g in range(100)
    ]  # fmt: skip
    report["measures"] = [
        {**measure, "measure_id": f"M-{m:02d}", "title": "t" * 200, "milestones": [
            {**measure["milestones"][0], "milestone_id": f"MS-{m:02d}{s:02d}", "title": "m" * 200}
            for s in range(10)
        ]}
        for m in range(100)
    ]  # fmt: skip
    body = to_body(report)
    assert 1_100_000 < len(body) < gateway.settings.gateway_max_body_bytes
    response = fra.post("/v1/reports", content=body)
    assert response.status_code == 202, response.text
    [record] = read_topic(gateway.settings.kafka_bootstrap_servers, response.json()["topic"],
                          expect=1)  # fmt: skip
    assert record.value == body


def test_same_id_same_body_is_idempotent_other_body_conflicts(gateway, fra):
    report = make_report("FRA")
    body = to_body(report)
    first = fra.post("/v1/reports", content=body)
    again = fra.post("/v1/reports", content=body)
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json() == first.json()

    changed = to_body({**report, "version": 2})
    conflict = fra.post("/v1/reports", content=changed)
    assert conflict.status_code == 409
    assert report["submission_id"] in conflict.json()["detail"]

    records = read_topic(gateway.settings.kafka_bootstrap_servers, gateway.settings.report_topic,
                         expect=1)  # fmt: skip
    assert len(records) == 1  # neither the replay nor the conflict reached the topic


def test_authentication_and_country_binding(gateway):
    fra_token = gateway.issue_token("FRA")
    body = to_body(make_report("FRA"))
    with httpx.Client(base_url=gateway.base_url) as c:
        missing = c.post("/v1/reports", content=body, headers=JSON)
        assert missing.status_code == 401
        assert missing.headers["www-authenticate"] == "Bearer"
        wrong = c.post("/v1/reports", content=body, headers=auth(fra_token[:-4] + "AAAA"))
        assert wrong.status_code == 401
        assert wrong.json()["detail"] == "token is unknown or revoked"
        basic = c.post("/v1/reports", content=body, headers={"Authorization": "Basic eDp5", **JSON})
        assert basic.status_code == 401

        deu = c.post("/v1/reports", content=to_body(make_report("DEU")), headers=auth(fra_token))
        assert deu.status_code == 403
        assert "FRA only" in deu.json()["detail"] and "DEU" in deu.json()["detail"]
        analyst = c.post(
            "/v1/reports", content=body, headers=auth(gateway.issue_token(role="analyst"))
        )
        assert analyst.status_code == 403

        from producers.gateway import tokens

        [info] = [t for t in tokens.list_tokens(gateway.settings.gateway_db) if t.country == "FRA"]
        tokens.revoke(gateway.settings.gateway_db, info.token_id)
        revoked = c.post("/v1/reports", content=body, headers=auth(fra_token))
        assert revoked.status_code == 401


def test_body_limits_and_content_type(gateway, fra):
    limit = gateway.settings.gateway_max_body_bytes
    wrong_type = fra.post("/v1/reports", content=b"{}", headers={"Content-Type": "text/plain"})
    assert wrong_type.status_code == 415
    assert "application/json" in wrong_type.json()["detail"]

    huge = fra.post("/v1/reports", content=b" " * (limit + 1))
    assert huge.status_code == 413
    assert str(limit) in huge.json()["detail"]

    def endless():  # chunked, no Content-Length: refused while reading
        for _ in range(limit // 65536 + 2):
            yield b" " * 65536

    streamed = fra.post("/v1/reports", content=endless())
    assert streamed.status_code == 413


@pytest.mark.parametrize(
    ("body", "pointer", "words"),
    [
        (b'{"country": "FRA",', "", "not valid JSON"),
        (b"[" * 100 + b"]" * 100, "", "nested 100 levels"),
        (b'{"country": "FR\xff"}', "", "not valid UTF-8"),
        (b'{"version": NaN}', "", "NaN"),
        (b'{"version": Infinity}', "", "Infinity"),
        (b'{"country": "FRA", "country": "FRA"}', "/country", "more than once"),
        (b"", "", "empty"),
    ],
)
def test_bad_json_is_a_clear_422(fra, body, pointer, words):
    response = fra.post("/v1/reports", content=body)
    assert response.status_code == 422, response.text
    [issue] = response.json()["detail"]
    assert issue["pointer"] == pointer
    assert words in issue["message"]


def test_every_schema_problem_is_listed_with_its_pointer(fra):
    report = make_report("FRA", cycle="2026-H3", version=0)
    del report["plan"]["horizon_end"]
    report["goals"][0]["indicators"][0]["unit"] = "furlongs"
    response = fra.post("/v1/reports", content=to_body(report))
    assert response.status_code == 422
    pointers = {i["pointer"] for i in response.json()["detail"]}
    assert pointers == {"/cycle", "/version", "/plan/horizon_end", "/goals/0/indicators/0/unit"}


def test_reads_are_scoped_to_the_callers_country(gateway, fra):
    mine = make_report("FRA", cycle="2026-H1")
    older = make_report("FRA", cycle="2025-H2")
    for report in (mine, older):
        assert fra.post("/v1/reports", content=to_body(report)).status_code == 202
    deu_token = gateway.issue_token("DEU")
    theirs = make_report("DEU", cycle="2026-H1")
    with httpx.Client(base_url=gateway.base_url, headers=auth(deu_token)) as deu:
        assert deu.post("/v1/reports", content=to_body(theirs)).status_code == 202
        hidden = deu.get(f"/v1/reports/{mine['submission_id']}")
        assert hidden.status_code == 404  # not 403: existence is not revealed
        assert deu.get("/v1/reports", params={"country": "FRA"}).status_code == 403

    listed = fra.get("/v1/reports", params={"cycle": "2026-H1"}).json()["reports"]
    assert [r["submission_id"] for r in listed] == [mine["submission_id"]]
    assert listed[0]["status"] == "received"
    assert len(fra.get("/v1/reports").json()["reports"]) == 2
    assert fra.get(f"/v1/reports/{uuid.uuid4()}").status_code == 404

    analyst = httpx.get(
        f"{gateway.base_url}/v1/reports", headers=auth(gateway.issue_token(role="analyst"))
    )
    assert {r["country"] for r in analyst.json()["reports"]} == {"FRA", "DEU"}


def test_status_and_findings_come_from_theanalyst_copy(gateway, fra):
    report = make_report("FRA")
    fra.post("/v1/reports", content=to_body(report))
    url = f"/v1/reports/{report['submission_id']}"
    assert fra.get(url).json()["status"] == "received"  # no analyst copy yet

    analyst_copy(gateway.settings.analyst_path, report["submission_id"])
    judged = fra.get(url).json()
    assert judged["status"] == "accepted_with_warnings"  # the latest verdict wins
    assert judged["counts"] == {"BLOCKER": 0, "ERROR": 1, "WARNING": 1, "INFO": 0}
    assert [(f["severity"], f["rule_code"], f["location"]) for f in judged["findings"]] == [
        ("ERROR", "IND-001", "/goals/0/indicators/0"),
        ("WARNING", "MIL-002", "/measures/0/milestones/0"),
    ]
    assert judged["findings"][0]["message"] == "current_value outside 0-100"
    assert judged["manifest_sha256"] == RELEASE_SHA256  # the release of the verdict shown
    listed = fra.get("/v1/reports").json()["reports"]
    assert listed[0]["status"] == "accepted_with_warnings"


def test_analyst_copy_without_verdict_tables_means_received(gateway, fra):
    report = make_report("FRA")
    fra.post("/v1/reports", content=to_body(report))
    gateway.settings.analyst_path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(gateway.settings.analyst_path)) as con:
        con.execute("create table unrelated (x int)")
    assert fra.get(f"/v1/reports/{report['submission_id']}").json()["status"] == "received"


def test_no_token_or_authorization_value_reaches_the_log(gateway, caplog):
    caplog.set_level(logging.DEBUG)
    token = gateway.issue_token("FRA")
    forged = token[:-4] + "AAAA"
    with httpx.Client(base_url=gateway.base_url) as c:
        assert (
            c.post("/v1/reports", content=to_body(make_report()), headers=auth(token)).status_code
            == 202
        )
        assert c.get("/v1/reports", headers=auth(forged)).status_code == 401
        assert c.get(f"/v1/reports?token={token}", headers=auth(token)).status_code == 200
    # Something that would leak if the redaction were not installed:
    logging.getLogger("producers.gateway.routes").warning(
        "headers were %s", {"authorization": f"Bearer {token}"}
    )
    text = "\n".join(r.getMessage() for r in caplog.records) + caplog.text
    assert any(r.name == "uvicorn.access" for r in caplog.records)  # the access log was captured
    assert token not in text and forged not in text
    assert token.split("_", 2)[2] not in text  # not even the secret part
    assert "headers were {'authorization': 'Bearer [REDACTED]'}" in text


def test_healthz_reports_the_broker(gateway):
    response = httpx.get(f"{gateway.base_url}/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok", "broker": "reachable", "topic": gateway.settings.report_topic,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("submitted_at", "2016-12-31T23:59:60Z", "leap second"),
        ("cycle", "0000-H1", "outside 2010 to 2040"),
    ],
)
def test_a_value_the_warehouse_cannot_hold_is_a_422_with_its_pointer(fra, field, value, words):
    report = make_report("FRA")
    report[field] = value
    response = fra.post("/v1/reports", content=to_body(report))
    assert response.status_code == 422, response.text
    [issue] = response.json()["detail"]
    assert issue["pointer"] == f"/{field}"
    assert words in issue["message"]


# ------------------------------------------------------------------ long poll: ?wait=


def _wait_in_background(client: httpx.Client, url: str) -> tuple[threading.Thread, dict]:
    answer: dict = {}
    thread = threading.Thread(target=lambda: answer.update(response=client.get(url)))
    thread.start()
    return thread, answer


def test_wait_answers_with_the_verdict_once_it_lands(gateway, fra):
    report = make_report("FRA")
    assert fra.post("/v1/reports", content=to_body(report)).status_code == 202
    url = f"/v1/reports/{report['submission_id']}"
    publish_copy(gateway.settings.analyst_path, str(uuid.uuid4()))  # a copy, not judging it

    thread, answer = _wait_in_background(fra, f"{url}?wait=30")
    thread.join(timeout=1.0)  # a head start for the request; no assertion on time
    assert thread.is_alive(), answer  # still waiting: the verdict is not there yet
    publish_copy(gateway.settings.analyst_path, report["submission_id"])
    thread.join(timeout=60)
    response = answer["response"]
    assert response.status_code == 200, response.text
    judged = response.json()
    assert judged["status"] == "accepted_with_warnings"  # the verdict, not "still judging"
    assert judged["counts"] == {"BLOCKER": 0, "ERROR": 1, "WARNING": 1, "INFO": 0}
    assert [f["rule_code"] for f in judged["findings"]] == ["IND-001", "MIL-002"]


def test_wait_ends_with_the_current_state_when_no_verdict_comes(gateway, fra):
    report = make_report("FRA")
    assert fra.post("/v1/reports", content=to_body(report)).status_code == 202
    url = f"/v1/reports/{report['submission_id']}"

    thread, answer = _wait_in_background(fra, f"{url}?wait=2")
    # The copy changes while the request waits, but judges another report: still pending.
    publish_copy(gateway.settings.analyst_path, str(uuid.uuid4()))
    thread.join(timeout=60)
    pending = answer["response"]
    assert pending.status_code == 200, pending.text
    body = pending.json()
    assert body["status"] == "received" and body["findings"] == []
    assert body["submission_id"] == report["submission_id"]

    # wait=0 is the plain read
    assert fra.get(url, params={"wait": 0}).json()["status"] == "received"


def test_wait_keeps_the_country_rules(gateway, fra):
    mine = make_report("FRA")
    assert fra.post("/v1/reports", content=to_body(mine)).status_code == 202
    publish_copy(gateway.settings.analyst_path, mine["submission_id"])
    with httpx.Client(base_url=gateway.base_url, headers=auth(gateway.issue_token("DEU"))) as deu:
        hidden = deu.get(f"/v1/reports/{mine['submission_id']}", params={"wait": 30})
        unknown = deu.get(f"/v1/reports/{uuid.uuid4()}", params={"wait": 30})
    assert hidden.status_code == unknown.status_code == 404
    assert "FRA" not in hidden.text
    with httpx.Client(base_url=gateway.base_url) as anonymous:
        refused = anonymous.get(f"/v1/reports/{mine['submission_id']}", params={"wait": 5})
    assert refused.status_code == 401
    analyst = httpx.get(
        f"{gateway.base_url}/v1/reports/{mine['submission_id']}",
        params={"wait": 5},
        headers=auth(gateway.issue_token(role="analyst")),
    )
    assert analyst.json()["status"] == "accepted_with_warnings"


@pytest.mark.parametrize("value", ["-1", "31", "3600", "abc", "1.5", "nan", "inf", ""])
def test_a_bad_wait_is_a_422_naming_the_parameter(fra, value):
    report = make_report("FRA")
    assert fra.post("/v1/reports", content=to_body(report)).status_code == 202
    response = fra.get(f"/v1/reports/{report['submission_id']}?wait={value}")
    assert response.status_code == 422, response.text
    assert [i["pointer"] for i in response.json()["detail"]] == ["/query/wait"]


def test_openapi_documents_the_bounded_wait(gateway):
    from producers.gateway.hints import MAX_WAIT_S

    spec = httpx.get(f"{gateway.base_url}/openapi.json").json()
    [param] = [
        p for p in spec["paths"]["/v1/reports/{submission_id}"]["get"]["parameters"]
        if p["name"] == "wait"
    ]  # fmt: skip
    assert param["in"] == "query" and not param.get("required")
    assert param["schema"]["minimum"] == 0 and param["schema"]["maximum"] == MAX_WAIT_S


def test_the_client_skips_a_gateway_it_cannot_reach(gateway):
    from producers.client import GatewayCallFailed, GatewayClient
    from resilience.stack.ports import free_port

    nobody = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    token = gateway.issue_token("FRA")
    with GatewayClient(f"{nobody}, {gateway.base_url}", token) as client:
        receipt, replay = client.submit(to_body(make_report("FRA")))
        assert not replay and client.report(receipt["submission_id"])["status"] == "received"
        assert client.urls == [gateway.base_url, nobody]  # the one that answered, first
    with GatewayClient(nobody, token) as alone, pytest.raises(GatewayCallFailed) as failed:
        alone.reports()
    assert failed.value.status is None and f"gateway {nobody} not reachable" in str(failed.value)


def test_a_gateway_whose_database_is_down_answers_503_and_the_client_moves_on(gateway, caplog):
    from pydantic import SecretStr

    from producers.client import GatewayClient
    from producers.gateway.app import create_app
    from producers.gateway.hints import RETRY_AFTER_STORE_DOWN_S
    from resilience.stack.ports import free_port
    from tests.fixtures.gateway import ServerThread, bound_socket

    password = "never-in-the-log"
    nowhere = f"postgresql://resilience:{password}@127.0.0.1:{free_port()}/gateway"
    settings = gateway.settings.model_copy(
        update={"gateway_database_url": SecretStr(nowhere), "gateway_warm_dry_run": False}
    )
    sock = bound_socket()
    server = ServerThread(create_app(settings), sock)
    server.start()  # the database is not needed to start: the replica waits for it
    token = gateway.issue_token("FRA")
    try:
        down = f"http://127.0.0.1:{sock.getsockname()[1]}"
        answer = httpx.get(f"{down}/v1/reports", headers={"Authorization": f"Bearer {token}"})
        with GatewayClient(f"{down},{gateway.base_url}", token) as client:
            receipt, _ = client.submit(to_body(make_report("FRA")))  # the other one takes it
    finally:
        server.stop()
    assert answer.status_code == 503, answer.text
    assert answer.headers["retry-after"] == str(RETRY_AFTER_STORE_DOWN_S)
    assert "database is unavailable" in caplog.text and password not in caplog.text
    assert client.urls[0] == gateway.base_url and receipt["country"] == "FRA"


def test_the_clients_wait_returns_when_the_verdict_lands(gateway):
    from producers.client import GatewayClient

    token = gateway.issue_token("FRA")
    with GatewayClient(gateway.base_url, token) as client:
        receipt, _ = client.submit(to_body(make_report("FRA")))
        sid = receipt["submission_id"]
        assert client.wait(sid, timeout_s=1)["status"] == "received"  # nothing comes: its state

        answer: dict = {}
        thread = threading.Thread(target=lambda: answer.update(r=client.wait(sid, timeout_s=120)))
        thread.start()
        thread.join(timeout=1.0)
        assert thread.is_alive()
        publish_copy(gateway.settings.analyst_path, sid)
        thread.join(timeout=60)
    assert answer["r"]["status"] == "accepted_with_warnings"


def test_reads_stay_whole_while_the_pipeline_replaces_the_copy(gateway, fra, tmp_path):
    """The pipeline republishes the analyst copy after every load (checkpoint, copy,
    os.replace) while submitters read: every read answers the verdict, never a 5xx, never
    "received" for a judged report, never a half-copied file."""
    from warehouse.analyst import publish_analyst_copy

    report = make_report("FRA")
    assert fra.post("/v1/reports", content=to_body(report)).status_code == 202
    live = tmp_path / "live.duckdb"  # stands in for the warehouse the loads write to
    analyst_copy(live, report["submission_id"])
    publish_analyst_copy(live, gateway.settings.analyst_path)
    stop, published = threading.Event(), []

    def republish() -> None:
        while not stop.is_set():
            publish_analyst_copy(live, gateway.settings.analyst_path)
            published.append(1)

    thread = threading.Thread(target=republish, daemon=True)
    thread.start()
    try:
        answers = []
        while len(answers) < 100 or len(published) < 8:
            response = fra.get(f"/v1/reports/{report['submission_id']}")
            answers.append((response.status_code, response.json().get("status")))
    finally:
        stop.set()
        thread.join(timeout=60)
    assert set(answers) == {(200, "accepted_with_warnings")}, Counter(answers)
