"""The fault suite on the production topology (`stack up --profile cluster`, one stack for
the module): a Kafka node, a scheduler, a gateway replica killed with SIGKILL while reports
stream in, and PostgreSQL stopped for 20 s. Each case ends in `resilience reconcile` with
nothing lost and nothing doubled, and every report posted has its verdict without anyone
acting: the test restarts nothing the stack would not restart itself (the keeper starts a
dead Airflow component or gateway replica again); where an operator starts a Kafka node or
PostgreSQL again, the test uses the stack's own start (`stack up`, the server's start).

Clients are several threads, each given every replica's URL (the client fails over), one
country each. Each case prints (never asserts) how long after the fault a report posted
after it got its verdict, and the reconcile table, for docs/operating.md. The cases run in
file order on the same stack; the reconcile of each covers everything posted so far."""

from __future__ import annotations

import json
import signal
import threading
import time
from dataclasses import dataclass, field

import pytest

from producers.client import FINAL, GatewayCallFailed, GatewayClient
from resilience.stack import kafka_cluster, processes, stack
from synthetic.generator import generate_report
from tests.faults.helpers import assert_reconciled

pytestmark = [pytest.mark.e2e, pytest.mark.cluster, pytest.mark.timeout(1800)]

CYCLE = "2026-H1"
COUNTRIES = ("NOR", "DNK", "ISL", "NLD")  # one client thread each
VERDICT_TIMEOUT_S = 900


@dataclass
class Traffic:
    """Reports posted through every replica, and when each was received and judged."""

    urls: str
    tokens: dict[str, str]
    reader: str
    watching: threading.Event | None = None
    streamed_s: float = 0.0
    posted: dict[str, float] = field(default_factory=dict)  # id -> monotonic receipt time
    receipts: dict[str, dict] = field(default_factory=dict)
    judged: dict[str, float] = field(default_factory=dict)  # id -> when its verdict showed
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def stream(self, count: int, *, first_version: int, fault_after: int, fault) -> float:
        """Post ``count`` reports from one thread per country; run ``fault`` once
        ``fault_after`` were received; returns the fault's monotonic time."""
        fired = threading.Event()
        self.watching = self.watch()
        at: list[float] = []
        done = [0]

        def client_thread(n: int, country: str, versions: list[int]) -> None:
            urls = self.urls.split(",")
            urls = ",".join(urls[n % len(urls) :] + urls[: n % len(urls)])  # both, spread
            with GatewayClient(urls, self.tokens[country], timeout_s=60) as client:
                for version in versions:
                    report = generate_report(country, CYCLE, version=version, seed=version).report
                    body = json.dumps(report).encode()
                    for attempt in range(5):  # what a submitter does: post the same file again
                        try:
                            receipt, _ = client.submit(body)
                            break
                        except GatewayCallFailed as exc:
                            if exc.status is not None and exc.status < 500:
                                raise  # the report itself was refused: a test error
                            with self.lock:
                                self.failures.append(f"{country} v{version} #{attempt}: {exc}")
                            time.sleep(2)
                    else:
                        continue
                    with self.lock:
                        self.posted[receipt["submission_id"]] = time.monotonic()
                        self.receipts[receipt["submission_id"]] = receipt
                        done[0] += 1
                        if done[0] >= fault_after and not fired.is_set():
                            fired.set()
                            at.append(time.monotonic())
                            fault()

        per = [list(range(first_version + i, first_version + count, len(COUNTRIES)))
               for i in range(len(COUNTRIES))]  # fmt: skip
        threads = [
            threading.Thread(target=client_thread, args=(n, c, v), daemon=True)
            for n, (c, v) in enumerate(zip(COUNTRIES, per, strict=True))
        ]
        for t in threads:
            t.start()
        began = time.monotonic()
        for t in threads:
            t.join(timeout=VERDICT_TIMEOUT_S)
        self.streamed_s = time.monotonic() - began
        assert fired.is_set(), "the fault never fired"
        return at[0]

    def watch(self) -> threading.Event:
        """Read every report's status through the gateways (an analyst's token) once a
        second and note when each verdict first showed, until the returned event is set."""
        stop = threading.Event()

        def watcher() -> None:
            with GatewayClient(self.urls, self.reader, timeout_s=30, unavailable_wait_s=0) as c:
                while not stop.is_set():
                    try:
                        listed = c.reports(cycle=CYCLE)
                    except GatewayCallFailed:
                        listed = []  # PostgreSQL or a replica down: read again in a second
                    now = time.monotonic()
                    with self.lock:
                        for row in listed:
                            if row["status"] in FINAL:
                                self.judged.setdefault(row["submission_id"], now)
                    stop.wait(1)

        threading.Thread(target=watcher, daemon=True).start()
        return stop

    def wait_judged(self, *, timeout_s: float = VERDICT_TIMEOUT_S) -> list[str]:
        """Until every report posted has a verdict; returns the ids still without one."""
        deadline = time.monotonic() + timeout_s
        while True:
            with self.lock:
                missing = sorted(set(self.posted) - set(self.judged))
            if not missing or time.monotonic() > deadline:
                return missing
            time.sleep(1)


def _tokens(settings) -> tuple[dict[str, str], str]:
    from producers.gateway import tokens

    store = settings.gateway_store
    submitters = {
        c: tokens.issue(store, role="submitter", country=c, label=f"fault {c}")[1]
        for c in COUNTRIES
    }
    return submitters, tokens.issue(store, role="analyst", country=None, label="fault reader")[1]


@pytest.fixture(scope="module")
def traffic(cluster_stack) -> Traffic:
    submitters, reader = _tokens(cluster_stack.settings)
    return Traffic(",".join(cluster_stack.gateway_urls), submitters, reader)


def _kill(settings, name: str) -> int:
    proc = processes.running_process(settings.run_dir, name)
    assert proc is not None, f"{name} is not running"
    proc.send_signal(signal.SIGKILL)
    return proc.pid


def _finish(case: str, traffic: Traffic, settings, fault_at: float) -> None:
    """Every report posted has its verdict; reconcile (the CLI, then its numbers) is clean;
    prints when verdicts flowed again and the reconcile table."""
    from typer.testing import CliRunner

    from common.settings import get_settings
    from resilience.cli.app import app

    unjudged = traffic.wait_judged()
    traffic.watching.set()
    assert unjudged == [], f"{len(unjudged)} reports without a verdict, e.g. {unjudged[:3]}"
    after = [traffic.judged[sid] for sid, t in traffic.posted.items() if t > fault_at]
    flowed = min(after) - fault_at if after else float("nan")
    last = max(traffic.judged.values()) - fault_at
    get_settings.cache_clear()
    try:
        shown = CliRunner().invoke(app, ["reconcile"], env=_env(settings))
    finally:
        get_settings.cache_clear()
    print(
        f"\n[{case}] posted {len(traffic.posted)} in all (this case's stream "
        f"{traffic.streamed_s:.1f} s), failed calls {len(traffic.failures)}; "
        f"first verdict of a report posted after the fault {flowed:.1f} s after it, "
        f"last verdict {last:.1f} s after it\n{shown.output}"
    )
    assert shown.exit_code == 0, shown.output
    assert_reconciled(settings, receipts=True)


def _env(settings) -> dict[str, str]:
    from resilience.stack.airflow_stack import resilience_env

    return {**resilience_env(settings), "COLUMNS": "200"}


def _operator_starts_what_is_down(settings) -> None:
    """`resilience stack up --profile cluster`: starts what is not running, waits for health."""
    stack.up(settings, profile="cluster", timeout_s=300)


def _kept_back(settings, name: str, fault_at: float) -> None:
    """The keeper started the killed component again and it is healthy (nobody acted)."""
    deadline = time.monotonic() + 300  # a stall detector, not a speed claim
    while True:
        row = next(r for r in stack.status(settings) if r.component == name)
        if row.healthy or time.monotonic() > deadline:
            break
        time.sleep(1)
    print(f"[{name}] healthy again {time.monotonic() - fault_at:.1f} s after the kill (keeper)")
    assert row.healthy, processes.log_tail(settings.run_dir, "keeper")


def test_a_kafka_node_killed_while_500_reports_stream(cluster_stack, traffic):
    settings = cluster_stack.settings
    run_dir = settings.run_dir
    victim = kafka_cluster.layout(run_dir).node(2)
    fault_at = traffic.stream(
        500, first_version=1, fault_after=150, fault=lambda: _kill(settings, victim.name)
    )
    assert processes.running_process(run_dir, victim.name) is None
    _finish("kafka node", traffic, settings, fault_at)

    started = time.monotonic()
    _operator_starts_what_is_down(settings)
    cluster = kafka_cluster.layout(run_dir)
    kafka_cluster.wait_brokers(run_dir, cluster, 3, timeout_s=180)
    assert kafka_cluster.live_brokers(cluster) == {1, 2, 3}  # it rejoined
    print(f"[kafka node] `stack up` to the node unfenced again {time.monotonic() - started:.1f} s")


def test_a_scheduler_killed_while_reports_stream(cluster_stack, traffic):
    settings = cluster_stack.settings
    fault_at = traffic.stream(
        50, first_version=501, fault_after=10, fault=lambda: _kill(settings, "airflow-scheduler")
    )
    _finish("scheduler", traffic, settings, fault_at)
    assert processes.running_process(settings.run_dir, "airflow-scheduler-2") is not None
    _kept_back(settings, "airflow-scheduler", fault_at)


def test_a_gateway_replica_killed_while_reports_stream(cluster_stack, traffic):
    settings = cluster_stack.settings
    fault_at = traffic.stream(
        50, first_version=551, fault_after=10, fault=lambda: _kill(settings, "gateway")
    )
    _finish("gateway replica", traffic, settings, fault_at)
    # a post whose answer was lost was posted again and got the first receipt: the receipt
    # each client holds is the one the replicas' database keeps
    from resilience.reconcile import read_receipts

    stored = {r["submission_id"]: r for r in read_receipts(settings.gateway_store, cycle=CYCLE)}
    for sid, receipt in traffic.receipts.items():
        assert (receipt["partition"], receipt["offset"]) == (
            stored[sid]["partition"],
            stored[sid]["offset"],
        ), sid
    _kept_back(settings, "gateway", fault_at)


def test_postgres_stopped_for_20_s(cluster_stack, traffic):
    from resilience.stack import postgres

    settings = cluster_stack.settings
    run_dir = settings.run_dir
    before = {r.component: r.pid for r in stack.status(settings)}
    outage: list[threading.Thread] = []
    fault_at: list[float] = []

    def stop_for_20_s() -> None:
        proc = processes.running_process(run_dir, postgres.NAME)
        fault_at.append(time.monotonic())
        proc.send_signal(signal.SIGINT)  # a fast shutdown: sessions end, the server exits
        proc.wait(timeout=60)
        time.sleep(20)
        postgres.up(run_dir)  # back, as an operator starts it (the stack's own start)

    def fault() -> None:
        outage.append(threading.Thread(target=stop_for_20_s))
        outage[0].start()

    traffic.stream(50, first_version=601, fault_after=10, fault=fault)
    outage[0].join(timeout=180)
    _finish("postgres 20 s", traffic, settings, fault_at[0])

    deadline = time.monotonic() + 300  # a stall detector, not a speed claim
    rows = stack.status(settings)
    while not all(r.healthy for r in rows) and time.monotonic() < deadline:
        time.sleep(2)
        rows = stack.status(settings)
    restarted = sorted(r.component for r in rows if r.pid != before.get(r.component))
    print(
        f"[postgres 20 s] started again after the outage: {', '.join(restarted) or 'none'}; "
        f"every component healthy {time.monotonic() - fault_at[0]:.1f} s after the stop\n"
        + "\n".join(line for line in processes.log_tail(run_dir, "keeper", lines=200).splitlines()
                    if " WARNING " in line)
    )  # fmt: skip
    assert [r.component for r in rows if not r.healthy] == []
