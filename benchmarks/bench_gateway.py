"""Gateway throughput and latency against raw kafka-python, same payloads, one run.

    .venv/bin/python benchmarks/bench_gateway.py [--reports 400] [--clients 4]

Uses the broker named by KAFKA_BOOTSTRAP_SERVERS / RESILIENCE_KAFKA_BOOTSTRAP_SERVERS
(else starts a throwaway local one), a fresh topic, and the real gateway in its own
process (`resilience gateway serve`) over real HTTP. Prints reports/s, p50/p99 latency,
and the gateway/raw ratios.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.serve import gateway_process  # noqa: E402
from benchmarks.stats import pct  # noqa: E402
from resilience.stack.ports import free_port  # noqa: E402


def report(country: str, n: int) -> bytes:
    """A realistic v1 report (~15 kB): 8 goals x 3 indicators, 10 measures x 3 milestones."""
    goals = [
        {
            "goal_id": f"G-{g:02d}", "domain": "energy_supply",
            "description": f"Goal {g}: harden critical services against prolonged outages",
            "target_date": "2029-12-31", "status": "on_track",
            "indicators": [
                {
                    "indicator_id": f"I-{g:02d}{i:02d}", "name": f"Indicator {g}.{i}",
                    "unit": "percent", "baseline_value": 30 + i, "target_value": 90,
                    "current_value": 55.5 + i, "measured_at": "2026-06-30",
                }
                for i in range(1, 4)
            ],
        }
        for g in range(1, 9)
    ]  # fmt: skip
    measures = [
        {
            "measure_id": f"M-{m:02d}", "title": f"Measure {m}", "domain": "energy_supply",
            "goal_ids": [f"G-{(m % 8) + 1:02d}"],
            "budget": {"allocated_meur": 10.0 * m, "spent_meur": 4.0 * m},
            "milestones": [
                {
                    "milestone_id": f"MS-{m:02d}{s:02d}", "title": f"Milestone {m}.{s}",
                    "due_date": "2026-09-30", "status": "in_progress", "completion_pct": 20 * s,
                }
                for s in range(1, 4)
            ],
        }
        for m in range(1, 11)
    ]  # fmt: skip
    sectors = ["energy", "communications", "transport", "water", "health", "finance"]
    doc = {
        "schema_version": "1", "submission_id": str(uuid.uuid4()), "country": country,
        "cycle": "2026-H1", "version": 1 + n % 999, "submitted_at": "2026-07-15T09:30:00Z",
        "classification": "PUBLIC",
        "plan": {"adopted_on": "2025-01-15", "horizon_end": "2030-12-31"},
        "goals": goals, "measures": measures,
        "infrastructure": [
            {
                "sector": s, "assets_assessed": 100, "redundancy_pct": 70.0,
                "significant_incidents": 1, "outage_hours": 3.5,
                "eu_alignment": {"cer": "partial", "nis2": "full"},
            }
            for s in sectors
        ],
        "risks": [
            {"risk_id": f"R-{r:02d}", "threat": "cyber", "likelihood": 3, "impact": 4,
             "description": "Ransomware against operators"}
            for r in range(1, 8)
        ],
    }  # fmt: skip
    return json.dumps(doc).encode()






def bench_gateway(url: str, token: str, bodies: list[bytes], clients: int) -> dict:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    chunks = [bodies[i::clients] for i in range(clients)]

    def worker(chunk: list[bytes]) -> list[float]:
        latencies = []
        with httpx.Client(base_url=url, headers=headers, timeout=60) as c:
            for body in chunk:
                t = time.perf_counter()
                r = c.post("/v1/reports", content=body)
                latencies.append(time.perf_counter() - t)
                if r.status_code != 202:
                    raise RuntimeError(f"gateway answered {r.status_code}: {r.text[:200]}")
        return latencies

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        latencies = [x for part in pool.map(worker, chunks) for x in part]
    elapsed = time.perf_counter() - started
    return {"rate": len(bodies) / elapsed, "p50": pct(latencies, 0.5), "p99": pct(latencies, 0.99)}


def bench_raw(bootstrap: str, topic: str, bodies: list[bytes]) -> tuple[dict, dict]:
    from kafka import KafkaProducer

    # Same producer settings as the gateway (acks=all, idempotent, gzip), so the ratio is
    # the cost of HTTP, auth, the schema check and the receipt.
    producer = KafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=0,
        compression_type="gzip",
    )  # fmt: skip
    try:
        latencies = []
        started = time.perf_counter()
        for body in bodies:  # like the gateway: send, then wait for the ack
            t = time.perf_counter()
            producer.send(topic, value=body, key=b"FRA").get(timeout=30)
            latencies.append(time.perf_counter() - t)
        each = {
            "rate": len(bodies) / (time.perf_counter() - started),
            "p50": pct(latencies, 0.5),
            "p99": pct(latencies, 0.99),
        }
    finally:
        producer.close()
    # Batched: what the producer does when nobody waits per record (linger, big batches).
    producer = KafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=True,
        linger_ms=20, batch_size=1_048_576, compression_type="gzip",
    )  # fmt: skip
    try:
        started = time.perf_counter()
        for body in bodies:
            producer.send(topic, value=body, key=b"FRA")
        producer.flush(timeout=60)
        batched = {"rate": len(bodies) / (time.perf_counter() - started)}
    finally:
        producer.close()
    return each, batched


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=400)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()

    from common.settings import Settings
    from producers.gateway import tokens
    from resilience.stack import kafka_broker
    from resilience.stack.topics import create_topics

    work = Path(tempfile.mkdtemp(prefix="bench-gateway-"))
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or os.environ.get(
        "RESILIENCE_KAFKA_BOOTSTRAP_SERVERS"
    )
    own_broker = not bootstrap
    if own_broker:
        bootstrap = kafka_broker.up(work / "run", Settings().kafka_lib_dir, port=0).bootstrap
    port = free_port()
    settings = Settings(
        kafka_bootstrap_servers=bootstrap,
        report_topic=f"bench.reports.{uuid.uuid4().hex[:8]}",
        gateway_db=work / "gateway.sqlite3",
        analyst_path=work / "analyst.duckdb",
        gateway_port=port,
    )
    raw_topic = f"bench.raw.{uuid.uuid4().hex[:8]}"
    create_topics(settings, [settings.report_topic, raw_topic])
    # RESILIENCE_GATEWAY_DATABASE_URL in the environment: the same run on PostgreSQL
    token = tokens.issue(settings.gateway_store, role="submitter", country="FRA", label="bench")[1]
    env = {
        **os.environ,
        "RESILIENCE_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "RESILIENCE_REPORT_TOPIC": settings.report_topic,
        "RESILIENCE_GATEWAY_DB": str(settings.gateway_db),
        "RESILIENCE_ANALYST_PATH": str(settings.analyst_path),
        "RESILIENCE_GATEWAY_PORT": str(port),
    }
    try:
        with gateway_process(env, port, work / "gateway.log") as url:
            warm = [report("FRA", i) for i in range(20)]
            bench_gateway(url, token, warm, 2)  # connections, warm-up of the producer
            bodies = [report("FRA", i) for i in range(args.reports)]
            size = statistics.mean(len(b) for b in bodies)
            gateway = bench_gateway(url, token, bodies, args.clients)
            each, batched = bench_raw(
                bootstrap, raw_topic, [report("FRA", i) for i in range(args.reports)]
            )
    finally:
        if own_broker:
            kafka_broker.down(work / "run")

    ms = 1000
    lines = [
        f"{args.reports} reports of {size / 1024:.1f} kB, {args.clients} concurrent HTTP clients",
        f"gateway (HTTP+auth+schema+produce/ack+receipt) {gateway['rate']:8.1f} reports/s"
        f"  p50 {gateway['p50'] * ms:6.1f} ms  p99 {gateway['p99'] * ms:6.1f} ms",
        f"raw producer, send + wait for each ack        {each['rate']:8.1f} reports/s"
        f"  p50 {each['p50'] * ms:6.1f} ms  p99 {each['p99'] * ms:6.1f} ms",
        f"raw producer, batched (send all, flush once)  {batched['rate']:8.1f} reports/s",
        f"ratios: gateway/raw-each {gateway['rate'] / each['rate']:.2f}, "
        f"gateway/raw-batched {gateway['rate'] / batched['rate']:.3f}",
    ]
    print("\n".join(lines))
    result = {
        "name": "gateway",
        "ratio": gateway["rate"] / each["rate"],
        "what": "reports/s through the gateway (real HTTP, 4 clients) over raw kafka-python "
        "send + wait for each ack, same payloads",
        "figures": {
            "reports": args.reports,
            "clients": args.clients,
            "report_kb": round(size / 1024, 1),
            "gateway_reports_per_s": round(gateway["rate"], 1),
            "gateway_p50_ms": round(gateway["p50"] * ms, 1),
            "gateway_p99_ms": round(gateway["p99"] * ms, 1),
            "raw_each_reports_per_s": round(each["rate"], 1),
            "raw_each_p50_ms": round(each["p50"] * ms, 1),
            "raw_each_p99_ms": round(each["p99"] * ms, 1),
            "raw_batched_reports_per_s": round(batched["rate"], 1),
            "gateway_over_raw_batched": round(gateway["rate"] / batched["rate"], 4),
        },
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
