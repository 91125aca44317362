"""Two gateway replicas whose tokens, receipts, same-id claims and portal sessions live in
PostgreSQL (RESILIENCE_GATEWAY_DATABASE_URL), as the production topology runs them: a post
and its retry may land on either replica, a token is one token on both, and the CLI's client
moves to the other replica when one stops.

The two-process tests of tests/producers/test_gateway_replicas.py are imported here, so
pytest collects them again in this module, where ``replica_settings`` is PostgreSQL's.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from resilience.stack import cluster_profile, postgres
from tests.producers.reports import make_report, to_body
from tests.producers.test_gateway_replicas import (  # noqa: F401  (collected here, on PostgreSQL)
    _post,
    test_a_claim_left_by_a_dead_process_is_taken_over,
    test_a_retry_on_the_other_process_gets_the_first_receipt,
    test_one_id_two_bodies_two_processes_one_is_published,
)

pytestmark = [pytest.mark.integration, pytest.mark.cluster]


@pytest.fixture(scope="module")
def postgres_server():
    base = Path(tempfile.mkdtemp(prefix="resilience-pg-", dir="/var/tmp"))
    os.chmod(base, 0o711)  # noqa: S103  (traverse only: the server runs as postgres)
    try:
        yield postgres.up(base / "run")
    finally:
        postgres.down(base / "run")
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def replica_settings(pipeline_settings, postgres_server):
    """The replicas' settings on a database of this test's own."""
    name = f"gateway_{uuid.uuid4().hex[:12]}"
    postgres.ensure_database(postgres_server, name)
    url = SecretStr(cluster_profile.database_url(postgres_server, name))
    return pipeline_settings.model_copy(
        update={"gateway_warm_dry_run": False, "gateway_database_url": url}
    )


def _reads(url: str, token: str) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.get(f"{url}/v1/reports", headers=headers, timeout=30).status_code


def test_a_token_from_the_cli_is_one_token_on_both_replicas(
    two_gateways, replica_settings, settings_in_env
):
    from resilience.cli.app import app

    settings_in_env(replica_settings)
    runner = CliRunner()
    issued = runner.invoke(app, ["token", "issue", "--country", "DEU", "--label", "DEU team"])
    assert issued.exit_code == 0, issued.output
    token = issued.stdout.strip().splitlines()[-1]
    assert [_reads(url, token) for url in two_gateways.urls] == [200, 200]
    listed = runner.invoke(app, ["token", "list"])
    assert "DEU team" in listed.stdout

    # A portal sign-in on one replica is a session on the other.
    first, second = two_gateways.urls
    form = httpx.get(f"{first}/portal/sign-in", timeout=30)
    csrf = form.cookies["portal_sign_in"]
    signed_in = httpx.post(
        f"{first}/portal/sign-in",
        data={"token": token, "csrf_token": csrf},
        cookies={"portal_sign_in": csrf},
        timeout=30,
    )
    assert signed_in.status_code == 303
    session = {"portal_session": signed_in.cookies["portal_session"]}
    home = httpx.get(f"{second}/portal/", cookies=session, timeout=30)
    assert home.status_code == 200 and "DEU" in home.text

    revoked = runner.invoke(app, ["token", "revoke", token.split("_")[1]])
    assert revoked.exit_code == 0, revoked.output
    assert [_reads(url, token) for url in two_gateways.urls] == [401, 401]
    after = httpx.get(f"{second}/portal/", cookies=session, timeout=30)
    assert after.status_code == 303 and after.headers["location"].endswith("/sign-in")


def test_reconcile_reads_the_receipts_the_replicas_wrote(two_gateways, replica_settings):
    from resilience.reconcile import read_receipts

    answers = []
    for url in [*two_gateways.urls, *two_gateways.urls]:  # both replicas write receipts
        posted = _post(url, two_gateways.token, to_body(make_report("FRA")))()
        assert posted.status_code == 202, posted.text
        answers.append(posted.json())
    rows = read_receipts(replica_settings.gateway_store, cycle=None)
    columns = ("submission_id", "topic", "partition", "offset", "sha256")
    assert sorted(tuple(r[c] for c in columns) for r in rows) == sorted(
        tuple(a[c] for c in columns) for a in answers
    )


def test_the_client_moves_to_the_other_replica_when_one_stops(two_gateways):
    from producers.client import GatewayClient

    first, second = two_gateways.urls
    body = to_body(make_report("FRA"))
    with GatewayClient(f"{first},{second}", two_gateways.token) as client:
        receipt, replay = client.submit(body)
        assert not replay
        two_gateways.stop(0)
        again, replay = client.submit(body)  # the first replica is gone: the second answers
        assert replay and again == receipt
        fresh, replay = client.submit(to_body(make_report("FRA")))
        assert not replay and fresh["submission_id"] != receipt["submission_id"]
        assert client.urls[0] == second  # asked first from now on
        sid = receipt["submission_id"]
        assert client.report(sid)["submission_id"] == sid  # reads fail over too


def test_the_database_password_is_never_in_a_replicas_log(two_gateways, postgres_server):
    """The URL is a secret: a replica's start-up, requests and stop leave no trace of it."""
    first = two_gateways.urls[0]
    assert _reads(first, two_gateways.token) == 200
    assert _post(first, two_gateways.token, b"{")().status_code == 422
    log = two_gateways.stop(0)
    assert "Application startup complete" in log  # the log was captured
    assert postgres_server.password not in log
    assert quote(postgres_server.password, safe="") not in log
