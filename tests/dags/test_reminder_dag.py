"""The reminder DAG through dag.test(): a chosen day, re-run, and the webhook notifier."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from schemas import reference
from tests.dags.test_dag_runs import load_dag, query
from tests.pipeline.kafka_helpers import read_to_end

pytestmark = pytest.mark.integration


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict]]]:
    """A tiny local HTTP server; every JSON body POSTed to it is kept, in order."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append({**json.loads(body), "_key": self.headers["Idempotency-Key"]})
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_reminders_run_at_a_chosen_day_once_and_reach_the_webhook(
    airflow_home, pipeline_settings, settings_in_env, webhook
) -> None:
    url, received = webhook
    settings = settings_in_env(pipeline_settings.model_copy(update={"reminder_webhook_url": url}))
    dag = load_dag("remind_deadlines")
    today = "2024-02-15"  # 14 days before the 2023-H2 deadline: Finland a member, Sweden not

    for _ in range(2):  # a second run of the same day sends nothing more
        assert dag.test(run_conf={"today": today}).state == "success"

    events = [json.loads(r.value) for r in read_to_end(settings, settings.notification_topic)]
    members = set(reference.members_on(reference.cycles()["2023-H2"].ends_on))
    assert sorted(e["country"] for e in events) == sorted(members)
    assert "FIN" in members and "SWE" not in members
    # the webhook got exactly the emitted reminders, each once, keyed by its id
    assert sorted(r["reminder_id"] for r in received) == sorted(e["reminder_id"] for e in events)
    assert all(r["_key"] == r["reminder_id"] for r in received)
    # analysts see them in their copy
    rows = query(settings.analyst_path, "select country, kind, delivery from reminder")
    assert set(rows) == {(c, "due_in_14_days", "delivered") for c in members}
