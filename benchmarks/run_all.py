"""Run every benchmarks/bench_*.py and print one table of their ratios (`make bench`).

Convention (see benchmarks/README.md): a benchmark is a script `benchmarks/bench_<name>.py`
that runs on its own (`python benchmarks/bench_<name>.py`), may print anything, and prints
as its LAST stdout line one JSON object:

    {"name": "<short name>", "ratio": <number>, "what": "<what the ratio compares>",
     "figures": {"<figure>": <number or string>, ...}}

`ratio` is the one headline number (e.g. "rows/s of the bulk load over rows/s of row-by-row
inserts"); `figures` are the measured values behind it, with units in their names
(`load_s`, `events_per_s`). A benchmark that exits non-zero, times out or whose last line is
not such an object is reported as failed, and this runner then exits 1.

Benchmarks run one after the other (the machine is shared), each in its own process.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
REQUIRED = {"name": str, "ratio": (int, float), "what": str, "figures": dict}


@dataclass
class Outcome:
    script: str
    seconds: float
    result: dict | None = None
    error: str | None = None


def parse_last_line(stdout: str) -> dict:
    """The benchmark's result object from its last non-empty stdout line, or ValueError."""
    lines = [line for line in stdout.splitlines() if line.strip()]
    if not lines:
        raise ValueError("printed nothing; the last line must be the JSON result object")
    try:
        result = json.loads(lines[-1])
    except json.JSONDecodeError as exc:
        raise ValueError(f"last line is not JSON ({exc.msg}): {lines[-1][:120]!r}") from None
    if not isinstance(result, dict):
        raise ValueError(f"last line is JSON but not an object: {lines[-1][:120]!r}")
    for key, kind in REQUIRED.items():
        if key not in result:
            raise ValueError(f"result lacks {key!r}: {lines[-1][:120]!r}")
        if not isinstance(result[key], kind) or isinstance(result[key], bool):
            raise ValueError(f"result field {key!r} has the wrong type: {result[key]!r}")
    return result


def run_one(script: Path, timeout_s: float) -> Outcome:
    started = time.monotonic()
    try:
        proc = subprocess.run(
            [sys.executable, str(script)],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return Outcome(
            script.name, time.monotonic() - started, error=f"timed out after {timeout_s:g}s"
        )
    outcome = Outcome(script.name, time.monotonic() - started)
    if proc.returncode != 0:
        tail = " | ".join(proc.stderr.strip().splitlines()[-3:]) or "no stderr"
        outcome.error = f"exit code {proc.returncode}: {tail}"
        return outcome
    try:
        outcome.result = parse_last_line(proc.stdout)
    except ValueError as exc:
        outcome.error = str(exc)
    return outcome


def _figures(figures: dict) -> str:
    parts = []
    for key, value in figures.items():
        if isinstance(value, float):
            shown = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"
        else:
            shown = f"{value:,}" if isinstance(value, int) else str(value)
        parts.append(f"{key}={shown}")
    return "\n".join(parts)


def table(outcomes: list[Outcome]) -> Table:
    out = Table(title="Benchmarks", show_lines=True)
    out.add_column("benchmark")
    out.add_column("ratio", justify="right")
    out.add_column("what")
    out.add_column("figures", overflow="fold")
    out.add_column("time", justify="right")
    for o in outcomes:
        if o.result is not None:
            out.add_row(
                o.result["name"],
                f"{o.result['ratio']:,.3g}",
                o.result["what"],
                _figures(o.result["figures"]),
                f"{o.seconds:.1f}s",
            )
        else:
            out.add_row(
                o.script, "[red]failed[/red]", f"[red]{o.error}[/red]", "", f"{o.seconds:.1f}s"
            )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("names", nargs="*", help="run only bench_<name>.py for these names")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per benchmark")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    parser.add_argument("--dir", type=Path, default=BENCH_DIR, help="folder of bench_*.py")
    args = parser.parse_args(argv)

    console = Console()
    scripts = sorted(args.dir.glob("bench_*.py"))
    if args.names:
        wanted = {f"bench_{n.removeprefix('bench_').removesuffix('.py')}.py" for n in args.names}
        unknown = wanted - {s.name for s in scripts}
        if unknown:
            console.print(f"[red]no such benchmark: {', '.join(sorted(unknown))}[/red]")
            return 2
        scripts = [s for s in scripts if s.name in wanted]
    if not scripts:
        console.print(f"[yellow]no bench_*.py found in {args.dir}[/yellow]")
        return 1

    outcomes = []
    for script in scripts:
        with console.status(f"running {script.name}"):
            outcomes.append(run_one(script, args.timeout))
    console.print(table(outcomes))
    if args.json:
        args.json.write_text(
            json.dumps(
                [
                    {"script": o.script, "seconds": o.seconds, "result": o.result, "error": o.error}
                    for o in outcomes
                ],
                indent=2,
            ),
            encoding="utf-8",
        )
    failed = [o.script for o in outcomes if o.result is None]
    if failed:
        console.print(f"[red]{len(failed)} benchmark(s) failed: {', '.join(failed)}[/red]")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
