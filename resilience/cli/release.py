"""`resilience release verify PATH | --submission ID`: recompute every hash of a release.

Exit codes: 0 every release checked is intact, 1 something differs (each difference named:
the file, the rows, the byte ranges), 2 nothing to check (bad path, unknown submission).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from resilience.cli import output

app = typer.Typer(no_args_is_help=True, help="Release records: verify them.")


@app.command("verify")
def verify_command(
    path: Annotated[
        Path | None, typer.Argument(help="A release directory or its manifest.json")
    ] = None,
    submission: Annotated[
        str | None, typer.Option("--submission", help="Every release of this submission")
    ] = None,
    manifest_sha256: Annotated[
        str | None, typer.Option("--manifest-sha256", help="The hash the submitter received")
    ] = None,
) -> None:
    """Recompute every hash of a release (files and manifest); say exactly what differs."""
    from pipeline.releases import verify

    if (path is None) == (submission is None):
        raise output.fail("give a release PATH or --submission ID (one of them)")
    if path is not None:
        if not path.exists():
            raise output.fail(f"no release at {path}")
        checks = [verify(path, expected_manifest_sha256=manifest_sha256)]
    else:
        from common.settings import get_settings
        from warehouse.releases import releases

        found = releases(get_settings().analyst_path, submission)
        if not found:
            raise output.fail(
                f"no release recorded for submission {submission}",
                hint="only accepted verdicts are released, after the aggregation ran",
            )
        checks = [
            verify(Path(r["manifest_path"]), expected_manifest_sha256=r["manifest_sha256"])
            for r in found
        ]
    for check in checks:
        files = len((check.manifest or {}).get("files", []))
        if check.ok:
            output.out().print(
                f"ok        {check.path}  manifest sha256 {check.manifest_sha256}  {files} files"
            )
        else:
            output.out().print(f"[bold red]TAMPERED[/]  {check.path}")
            for problem in check.problems:
                output.out().print(f"  {problem}")
    if not all(c.ok for c in checks):
        raise typer.Exit(1)
