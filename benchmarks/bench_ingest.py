"""drain() throughput (land, dead-letter check, GX validation, load, commit) against a bare
kafka-python consume + DuckDB insert of the same rows, and the drain's peak memory.

    .venv/bin/python benchmarks/bench_ingest.py [--reports 10000] [--batch 2000]

Uses the broker named by KAFKA_BOOTSTRAP_SERVERS, else starts the local one in a temp dir
(stopped at the end). Reports are generated and produced outside the clock; each one gets
its own (country, cycle, version) so nothing is rejected as a duplicate.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import tempfile
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path

import psutil

from common.settings import Settings
from schemas.record import report_headers


def generate(total: int, seed: int) -> Iterator[dict]:
    from schemas import reference
    from synthetic.generator import generate_reports

    cycles = sorted(reference.cycles())
    stream = (
        (version, g.report)
        for version in itertools.count(1)
        for g in generate_reports(cycles=cycles, seed=seed + version, defect_rate=0.1)
    )
    for version, report in itertools.islice(stream, total):
        report["version"] = version  # unique (country, cycle, version) per report
        yield report


def produce(settings: Settings, reports: Iterable[dict]) -> tuple[int, int]:
    """Send every report like the gateway does; returns (count, bytes). Streams, so the
    generated reports are not held in memory during the drain."""
    from kafka import KafkaProducer

    producer = KafkaProducer(
        bootstrap_servers=settings.bootstrap_list, acks="all", linger_ms=20, batch_size=1 << 20
    )
    total = count = 0
    try:
        for report in reports:
            count += 1
            body = json.dumps(report).encode()
            total += len(body)
            producer.send(
                settings.report_topic,
                key=report["country"].encode(),
                value=body,
                headers=report_headers(report, body),
            )
        producer.flush(timeout=120)
    finally:
        producer.close()
    return count, total


class PeakRss:
    """Samples this process's RSS every 50 ms while running."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        proc = psutil.Process()
        while not self._stop.is_set():
            self.peak = max(self.peak, proc.memory_info().rss)
            self._stop.wait(0.05)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def bare_consume_and_insert(settings: Settings, expected: int) -> tuple[float, int]:
    """The baseline: consume in another group, json.loads + flatten, insert, commit offsets."""
    from kafka import KafkaConsumer

    from schemas.flatten import flatten
    from warehouse.db import connect
    from warehouse.load import load_accepted
    from warehouse.migrate import migrate

    path = settings.warehouse_path.with_name("baseline.duckdb")
    con = connect(path)
    migrate(con)
    consumer = KafkaConsumer(
        settings.report_topic,
        bootstrap_servers=settings.bootstrap_list,
        group_id=f"baseline-{uuid.uuid4().hex[:8]}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_partition_fetch_bytes=4 << 20,
    )
    started = time.perf_counter()
    seen = rows = 0
    try:
        while seen < expected:
            polled = consumer.poll(timeout_ms=1000, max_records=settings.ingest_batch_size)
            batch = [r for records in polled.values() for r in records]
            if not batch:
                continue
            tables: dict[str, list[dict]] = {}
            for record in batch:
                for table, table_rows in flatten(json.loads(record.value)).items():
                    tables.setdefault(table, []).extend(table_rows)
            con.begin()
            load_accepted(con, tables)
            con.commit()
            consumer.commit()
            seen += len(batch)
            rows += sum(len(t) for t in tables.values())
        return time.perf_counter() - started, rows
    finally:
        consumer.close()
        con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=Settings().ingest_batch_size)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    from pipeline.ingest import drain
    from resilience.stack.topics import ensure_topics
    from schemas.validation import validate_batch

    work = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "").strip()
    started_broker = not bootstrap
    if started_broker:
        from resilience.stack.kafka_broker import up

        print("starting a local Kafka broker ...", flush=True)
        bootstrap = up(work / "kafka", Settings().kafka_lib_dir, port=0, timeout_s=180).bootstrap
    try:
        suffix = uuid.uuid4().hex[:8]
        settings = Settings(
            kafka_bootstrap_servers=bootstrap,
            report_topic=f"bench.reports.{suffix}",
            dead_letter_topic=f"bench.reports.dlq.{suffix}",
            ingest_group=f"bench-ingest-{suffix}",
            ingest_batch_size=args.batch,
            ingest_max_batches=100_000,
            warehouse_path=work / "warehouse" / "resilience.duckdb",
            analyst_path=work / "warehouse" / "analyst.duckdb",
        )
        ensure_topics(settings)
        n, size = produce(settings, generate(args.reports, args.seed))
        print(f"produced {n} reports, {size / 1e6:.1f} MB", flush=True)
        # GX's first call warms its registries: keep it off the clock.
        validate_batch(list(itertools.islice(generate(20, args.seed + 10_000), 20)))

        rss_before = psutil.Process().memory_info().rss
        with PeakRss() as rss:
            started, cpu = time.perf_counter(), time.process_time()
            result = drain(settings)
            drain_s = time.perf_counter() - started
            drain_cpu_s = time.process_time() - cpu
        assert result.events == n, result.summary()
        base_s, rows = bare_consume_and_insert(settings, n)
    finally:
        if started_broker:
            from resilience.stack.kafka_broker import down

            down(work / "kafka")

    drain_rate, base_rate = n / drain_s, n / base_s
    print(f"{n} events ({size / 1e6:.1f} MB), {rows} flattened rows, batches of {args.batch}")
    print(f"{'':28}{'seconds':>10}{'events/s':>12}")
    print(f"{'drain() (validated)':28}{drain_s:10.2f}{drain_rate:12.1f}")
    print(f"{'bare consume + insert':28}{base_s:10.2f}{base_rate:12.1f}")
    print(
        f"drain CPU {drain_cpu_s:.1f} s; peak RSS {rss.peak / 2**20:.0f} MiB "
        f"(before the drain {rss_before / 2**20:.0f} MiB)"
    )
    s = result.summary()
    print(
        f"accepted {s['accepted']}, with warnings {s['accepted_with_warnings']}, "
        f"rejected {s['rejected']}, findings {s['findings']}"
    )
    print(
        json.dumps(
            {
                "name": "ingest",
                "ratio": round(drain_rate / base_rate, 4),
                "what": "events/s of drain() (validated, audited) over events/s of a bare "
                "kafka-python consume + DuckDB insert of the same rows",
                "figures": {
                    "events": n,
                    "megabytes": round(size / 1e6, 1),
                    "flattened_rows": rows,
                    "batch_size": args.batch,
                    "drain_s": round(drain_s, 2),
                    "drain_cpu_s": round(drain_cpu_s, 2),
                    "drain_events_per_s": round(drain_rate, 1),
                    "baseline_s": round(base_s, 2),
                    "baseline_events_per_s": round(base_rate, 1),
                    "peak_rss_mib": round(rss.peak / 2**20),
                    "rss_before_drain_mib": round(rss_before / 2**20),
                },
            }
        )
    )


if __name__ == "__main__":
    main()
