"""Who may do what: every caller kind x every gateway endpoint and CLI command, on a real
gateway and broker, with one FRA and one DEU report judged into the analyst copy.

A submitter of one country never learns that another country's submission exists (404,
identical to an unknown id); analyst SQL cannot write; tokens are stored only hashed.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import duckdb
import httpx
import pytest
from typer.testing import CliRunner

from common.settings import Settings, get_settings
from synthetic.generator import generate_report
from tests.security.helpers import auth, own_settings, report_body, running_gateway

pytestmark = pytest.mark.integration

CYCLE = "2026-H1"


class World(NamedTuple):
    settings: Settings
    tokens: dict[str, str]  # caller kind -> raw token (only the token-bearing kinds)
    fra_id: str
    deu_id: str


@pytest.fixture(scope="module")
def world(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    from pipeline.ingest import drain
    from producers.gateway import tokens
    from resilience.stack.topics import ensure_topics
    from warehouse.analyst import publish_analyst_copy

    settings = own_settings(kafka_bootstrap, tmp_path_factory.mktemp("access"))
    ensure_topics(settings)
    with running_gateway(settings) as settings:
        db = settings.gateway_db
        issued = {
            "fra": tokens.issue(db, role="submitter", country="FRA", label="FRA team"),
            "deu": tokens.issue(db, role="submitter", country="DEU", label="DEU team"),
            "analyst": tokens.issue(db, role="analyst", country=None, label="analyst"),
            "admin": tokens.issue(db, role="admin", country=None, label="admin"),
            "reviewer": tokens.issue(db, role="reviewer", country=None, label="reviewer"),
            "revoked": tokens.issue(db, role="submitter", country="FRA", label="old FRA"),
        }
        tokens.revoke(db, issued["revoked"][0].token_id)
        raw = {kind: token for kind, (_, token) in issued.items()}
        ids = {}
        for kind, country, seed in (("fra", "FRA", 1), ("deu", "DEU", 2)):
            report = generate_report(country, CYCLE, seed=seed).report
            response = httpx.post(
                f"{settings.gateway_url}/v1/reports",
                content=report_body(report),
                headers={**auth(raw[kind]), "Content-Type": "application/json"},
                timeout=30,
            )
            assert response.status_code == 202, response.text
            ids[kind] = report["submission_id"]
        assert drain(settings).reports == 2
        publish_analyst_copy(settings.warehouse_path, settings.analyst_path)
        yield World(settings, raw, ids["fra"], ids["deu"])


def _headers(world: World, caller: str) -> dict[str, str]:
    """The Authorization header a caller kind sends (none, valid, revoked or malformed)."""
    tokens = world.tokens
    if caller in AUTHED or caller == "revoked":
        return auth(tokens[caller])
    return {
        "none": {},
        "basic": {"Authorization": "Basic dXNlcjpwYXNzd29yZA=="},
        "bearer_empty": {"Authorization": "Bearer"},
        "bearer_garbage": {"Authorization": "Bearer not-a-token"},
        "bearer_tampered": {"Authorization": f"Bearer {tokens['fra'][:-2]}xx"},
        "bearer_twice": {"Authorization": f"Bearer {tokens['fra']} {tokens['fra']}"},
    }[caller]


AUTHED = ("fra", "deu", "analyst", "admin", "reviewer")
MISSING = ("none", "basic", "bearer_empty")  # no usable bearer credentials at all
REFUSED = ("revoked", "bearer_garbage", "bearer_tampered", "bearer_twice")
CALLERS = AUTHED + MISSING + REFUSED
STAFF = ("analyst", "admin", "reviewer")  # Alliance staff: read every country, submit for none


def _row(expected: dict[str, int], public: bool = False) -> dict[str, int]:
    """Expected status per caller; unauthenticated callers get 401 unless public."""
    unauth = 200 if public else 401
    return {**{c: unauth for c in MISSING + REFUSED}, **expected}


# endpoint -> caller -> status. POST posts a fresh FRA report; {fra}/{deu} are the stored ids.
MATRIX: dict[str, dict[str, int]] = {
    "POST /v1/reports": _row({"fra": 202, **dict.fromkeys(("deu", *STAFF), 403)}),
    "GET /v1/reports/{fra}": _row({"fra": 200, "deu": 404, **dict.fromkeys(STAFF, 200)}),
    "GET /v1/reports/{deu}": _row({"fra": 404, "deu": 200, **dict.fromkeys(STAFF, 200)}),
    "GET /v1/reports/{unknown}": _row(dict.fromkeys(AUTHED, 404)),
    # the long poll keeps the same rules (both reports are judged: it answers at once)
    "GET /v1/reports/{fra}?wait=30": _row({"fra": 200, "deu": 404, **dict.fromkeys(STAFF, 200)}),
    "GET /v1/reports/{deu}?wait=30": _row({"fra": 404, "deu": 200, **dict.fromkeys(STAFF, 200)}),
    "GET /v1/reports/{unknown}?wait=30": _row(dict.fromkeys(AUTHED, 404)),
    "GET /v1/reports?cycle=2026-H1": _row(dict.fromkeys(AUTHED, 200)),
    "GET /v1/reports?country=DEU": _row({"fra": 403, "deu": 200, **dict.fromkeys(STAFF, 200)}),
    "GET /healthz": _row(dict.fromkeys(AUTHED, 200), public=True),
    "GET /docs": _row(dict.fromkeys(AUTHED, 200), public=True),
    "GET /openapi.json": _row(dict.fromkeys(AUTHED, 200), public=True),
}
CASES = [(endpoint, caller) for endpoint in MATRIX for caller in CALLERS]


def _call(world: World, endpoint: str, caller: str) -> httpx.Response:
    method, path = endpoint.split(" ", 1)
    path = path.format(fra=world.fra_id, deu=world.deu_id, unknown=uuid.uuid4())
    headers = _headers(world, caller)
    with httpx.Client(base_url=world.settings.gateway_url, timeout=30) as client:
        if method == "POST":
            report = generate_report("FRA", CYCLE, seed=7).report
            body = report_body({**report, "submission_id": str(uuid.uuid4())})
            headers["Content-Type"] = "application/json"
            return client.post(path, content=body, headers=headers)
        return client.get(path, headers=headers)


@pytest.mark.parametrize(("endpoint", "caller"), CASES, ids=[f"{e} as {c}" for e, c in CASES])
def test_access_matrix(world: World, endpoint: str, caller: str) -> None:
    response = _call(world, endpoint, caller)
    assert response.status_code == MATRIX[endpoint][caller], response.text
    if response.status_code == 401:
        assert response.headers["www-authenticate"] == "Bearer"
        wanted = "missing bearer token" if caller in MISSING else "unknown or revoked"
        assert wanted in response.json()["detail"]
    if response.status_code == 403:
        detail = response.json()["detail"]
        assert "cannot submit" in detail or f"{caller.upper()} only" in detail


def test_lists_show_only_the_callers_country(world: World) -> None:
    def ids(caller: str) -> set[str]:
        response = _call(world, "GET /v1/reports?cycle=2026-H1", caller)
        return {r["submission_id"] for r in response.json()["reports"]}

    for caller, own, other in (("fra", world.fra_id, world.deu_id),
                               ("deu", world.deu_id, world.fra_id)):  # fmt: skip
        assert own in ids(caller) and other not in ids(caller)
        assert {r["country"] for r in _call(world, "GET /v1/reports?cycle=2026-H1", caller)
                .json()["reports"]} == {caller.upper()}  # fmt: skip
    assert {world.fra_id, world.deu_id} <= ids("analyst") & ids("admin") & ids("reviewer")


def test_another_countrys_report_is_indistinguishable_from_an_unknown_one(world: World) -> None:
    """FRA asking for DEU's id gets exactly the answer of an id that never existed."""
    unknown = str(uuid.uuid4())
    with httpx.Client(base_url=world.settings.gateway_url, headers=auth(world.tokens["fra"])) as c:
        theirs = c.get(f"/v1/reports/{world.deu_id}")
        nobody = c.get(f"/v1/reports/{unknown}")
    assert theirs.status_code == nobody.status_code == 404
    assert theirs.json()["detail"].replace(world.deu_id, "<id>") == nobody.json()["detail"].replace(
        unknown, "<id>"
    )
    assert sorted(theirs.headers.keys()) == sorted(nobody.headers.keys())
    assert "DEU" not in theirs.text


def test_own_report_shows_its_verdict_and_never_the_other_countrys(world: World) -> None:
    with httpx.Client(base_url=world.settings.gateway_url, headers=auth(world.tokens["fra"])) as c:
        own = c.get(f"/v1/reports/{world.fra_id}").json()
    assert own["country"] == "FRA" and own["status"] in ("accepted", "accepted_with_warnings")
    assert world.deu_id not in str(own)


def test_reusing_another_countrys_submission_id_does_not_reveal_its_receipt(world: World) -> None:
    """FRA posts its own report under DEU's submission_id: refused, but the answer must not
    hand FRA the fingerprint (sha256) of DEU's report or name DEU."""
    from producers.gateway import receipts

    deu_receipt = receipts.get(world.settings.gateway_db, world.deu_id)
    report = {**generate_report("FRA", CYCLE, seed=9).report, "submission_id": world.deu_id}
    response = httpx.post(
        f"{world.settings.gateway_url}/v1/reports",
        content=report_body(report),
        headers={**auth(world.tokens["fra"]), "Content-Type": "application/json"},
    )
    assert response.status_code == 409
    assert deu_receipt.sha256 not in response.text, response.text
    assert "DEU" not in response.text


def test_tokens_are_stored_only_as_salted_hashes(world: World) -> None:
    """The raw tokens, their secrets and their unsalted hashes appear nowhere in the SQLite
    files (main file, WAL and shared memory)."""
    files = [p for p in world.settings.gateway_db.parent.iterdir() if p.is_file()]
    stored = b"".join(p.read_bytes() for p in files)
    assert any(p.name.endswith(".sqlite3") for p in files)
    assert world.tokens["fra"].split("_")[1].encode() in stored  # the id is stored: scan is real
    for token in world.tokens.values():
        secret = token.split("_", 2)[2]
        for needle in (token, secret):
            assert needle.encode() not in stored
            assert hashlib.sha256(needle.encode()).digest() not in stored
            assert hashlib.sha256(needle.encode()).hexdigest().encode() not in stored


# ----------------------------------------------------------------------------- the CLI


@pytest.fixture
def cli(world: World, tmp_path: Path):
    runner = CliRunner()
    env = {
        "RESILIENCE_GATEWAY_URL": world.settings.gateway_url,
        "RESILIENCE_GATEWAY_DB": str(world.settings.gateway_db),
        "RESILIENCE_ANALYST_PATH": str(world.settings.analyst_path),
        "RESILIENCE_KAFKA_BOOTSTRAP_SERVERS": world.settings.kafka_bootstrap_servers,
        "COLUMNS": "250",
    }

    def invoke(*args: str, caller: str = "none"):
        from resilience.cli.app import app

        token = world.tokens.get(caller, "")
        get_settings.cache_clear()
        try:
            return runner.invoke(app, list(args), env={**env, "RESILIENCE_TOKEN": token})
        finally:
            get_settings.cache_clear()

    return invoke


CLI_SUBMIT = {  # caller -> (exit code, words in the output)
    "fra": (0, "received"),
    "deu": (1, "HTTP 403"),
    "analyst": (1, "cannot submit"),
    "admin": (1, "cannot submit"),
    "reviewer": (1, "cannot submit"),
    "none": (2, "no token"),
    "revoked": (1, "HTTP 401"),
}


@pytest.mark.parametrize("caller", list(CLI_SUBMIT))
def test_cli_submit(cli, tmp_path: Path, caller: str) -> None:
    path = tmp_path / "fra.json"
    path.write_bytes(report_body(generate_report("FRA", CYCLE, seed=21).report))
    result = cli("submit", str(path), caller=caller)
    code, words = CLI_SUBMIT[caller]
    assert result.exit_code == code, result.output
    assert words in result.output
    assert "Traceback" not in result.output


CLI_REPORTS = {  # caller -> (exit code, ids that must show, ids that must not)
    "fra": (0, {"fra"}, {"deu"}),
    "deu": (0, {"deu"}, {"fra"}),
    "analyst": (0, {"fra", "deu"}, set()),
    "admin": (0, {"fra", "deu"}, set()),
    "reviewer": (0, {"fra", "deu"}, set()),
    "none": (2, set(), {"fra", "deu"}),
    "revoked": (1, set(), {"fra", "deu"}),
}


@pytest.mark.parametrize("caller", list(CLI_REPORTS))
def test_cli_reports(cli, world: World, caller: str) -> None:
    result = cli("reports", "--cycle", CYCLE, caller=caller)
    code, shown, hidden = CLI_REPORTS[caller]
    ids = {"fra": world.fra_id, "deu": world.deu_id}
    assert result.exit_code == code, result.output
    assert all(ids[k] in result.output for k in shown)
    assert not any(ids[k] in result.output for k in hidden)


def test_cli_reports_of_another_country_is_refused(cli) -> None:
    result = cli("reports", "--country", "DEU", caller="fra")
    assert result.exit_code == 1 and "HTTP 403" in result.output and "FRA only" in result.output


WRITES = [
    "insert into verdict (submission_id) values ('x')",
    "update verdict set status = 'accepted'",
    "delete from finding",
    "drop table verdict",
    "create table stolen as select * from verdict",
    "alter table verdict add column x int",
    "copy verdict to '/tmp/resilience-stolen.csv'",
    "export database '/tmp/resilience-export'",
    "attach '/tmp/resilience-other.duckdb' as other",
    "checkpoint",
    "set threads = 1",
    "install httpfs",
    "load httpfs",
    "pragma enable_profiling",
    "call pragma_version()",
    "select 1; drop table verdict",
    "with x as (select 1) delete from finding",
    "begin; delete from finding; commit",
]


def test_cli_sql_refuses_every_write_and_leaves_the_copy_untouched(cli, world: World) -> None:
    before = hashlib.sha256(world.settings.analyst_path.read_bytes()).hexdigest()
    counts_before = cli("sql", "select count(*) as n from finding", "--format", "csv").stdout
    refused = []
    for statement in WRITES:
        result = cli("sql", statement)
        assert result.exit_code == 2, (statement, result.output)
        assert "Traceback" not in result.output
        refused.append(statement)
    assert len(refused) == len(WRITES)
    assert cli("sql", "select count(*) as n from finding", "--format", "csv").stdout == (
        counts_before
    )
    assert hashlib.sha256(world.settings.analyst_path.read_bytes()).hexdigest() == before
    assert not Path("/tmp/resilience-stolen.csv").exists()


def test_cli_sql_reads(cli, world: World) -> None:
    result = cli("sql", "select count(*) as n from verdict", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.stdout.split() == ["n", "2"]


def test_analyst_connection_is_read_only_even_past_the_statement_check(world: World) -> None:
    """The second lock: the connection itself refuses writes a parser slip would let by."""
    from warehouse.query import open_analyst

    con = open_analyst(world.settings.analyst_path)
    try:
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("delete from finding")
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("create table x (a int)")
    finally:
        con.close()


def test_refused_posts_put_nothing_on_the_topic(world: World) -> None:
    """Whatever the matrix refused (401/403/409) never reached Kafka: the topic holds
    exactly the submissions that have a receipt, each once."""
    from producers.gateway import receipts
    from tests.faults.helpers import read_topic

    stored = {
        r.submission_id
        for r in receipts.list_receipts(world.settings.gateway_db, country=None, cycle=None)
    }
    records = read_topic(world.settings, world.settings.report_topic, expected=len(stored))
    on_topic = [dict(r.headers)["submission_id"].decode() for r in records]
    assert sorted(on_topic) == sorted(stored)
    assert {world.fra_id, world.deu_id} <= stored
