"""Throughput of validate_batch (the GX suites) against flatten alone, side by side.

    .venv/bin/python benchmarks/bench_validation.py [--reports 10000] [--batch 500]

Reports are generated batch by batch (10 % with planted defects) outside the clock; each
batch is timed once through `flatten` only (the baseline: what loading without validation
costs) and once through `validate_batch`.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from collections.abc import Iterator

from schemas import reference
from schemas.flatten import flatten
from synthetic.generator import generate_reports


def batches(total: int, size: int, seed: int) -> Iterator[list[dict]]:
    """`total` realistic reports in lists of `size`: every ally x cycle, seed after seed."""
    cycles = sorted(reference.cycles())
    stream = (
        g.report
        for s in itertools.count(seed)
        for g in generate_reports(cycles=cycles, seed=s, defect_rate=0.1)
    )
    stream = itertools.islice(stream, total)
    while batch := list(itertools.islice(stream, size)):
        yield batch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    from schemas.validation import validate_batch  # imports GX; keep it off the clock

    validate_batch(next(batches(20, 20, args.seed + 1000)))  # warm up GX's registries
    reports = rows = 0
    flatten_s = validate_s = validate_cpu_s = 0.0
    statuses: dict[str, int] = {}
    for batch in batches(args.reports, args.batch, args.seed):
        started = time.perf_counter()
        flat = [flatten(r) for r in batch]
        flatten_s += time.perf_counter() - started
        started, cpu = time.perf_counter(), time.process_time()
        result = validate_batch(batch)
        validate_s += time.perf_counter() - started
        validate_cpu_s += time.process_time() - cpu
        reports += len(batch)
        rows += sum(len(t) for f in flat for t in f.values())
        for s in result.submissions.values():
            statuses[s.status] = statuses.get(s.status, 0) + 1

    print(f"{reports} reports, {rows} rows, batches of {args.batch}")
    print(f"{'':16}{'seconds':>10}{'reports/s':>12}{'rows/s':>12}")
    for name, seconds in (("flatten only", flatten_s), ("validate_batch", validate_s)):
        print(f"{name:16}{seconds:10.2f}{reports / seconds:12.0f}{rows / seconds:12.0f}")
    print(f"validate_batch takes {validate_s / flatten_s:.1f}x the time of flatten alone")
    print(f"validate_batch CPU time {validate_cpu_s:.2f}s (wall time suffers on a shared machine)")
    print("statuses:", ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())))
    result = {
        "name": "validation",
        "ratio": validate_s / flatten_s,
        "what": "time of validate_batch (GX suites) over time of flatten alone, same reports",
        "figures": {
            "reports": reports,
            "rows": rows,
            "batch_size": args.batch,
            "flatten_s": round(flatten_s, 3),
            "validate_s": round(validate_s, 3),
            "validate_cpu_s": round(validate_cpu_s, 3),
            "flatten_reports_per_s": round(reports / flatten_s, 1),
            "validate_reports_per_s": round(reports / validate_s, 1),
            "flatten_rows_per_s": round(rows / flatten_s, 1),
            "validate_rows_per_s": round(rows / validate_s, 1),
        },
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
