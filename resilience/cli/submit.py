"""`resilience` commands: submit, reports, token, gateway.

Heavy imports stay inside the commands so `resilience --help` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from resilience.cli import output
from resilience.cli.contract import content_type_of, is_workbook, read_report_file

app = typer.Typer(no_args_is_help=True)
token_app = typer.Typer(no_args_is_help=True, help="Issue, revoke and list gateway tokens.")
gateway_app = typer.Typer(no_args_is_help=True, help="The submission gateway (HTTP).")
app.add_typer(token_app, name="token")
app.add_typer(gateway_app, name="gateway")


SEVERITY_STYLE = {"BLOCKER": "bold red", "ERROR": "red", "WARNING": "yellow", "INFO": "dim"}
STATUS_STYLE = {
    "accepted": "green",
    "accepted_with_warnings": "yellow",
    "rejected": "bold red",
    "received": "cyan",
}


def _client(settings):
    from producers.client import GatewayClient

    if settings.token is None or not settings.token.get_secret_value().strip():
        output.err().print(
            "[red]no token:[/] set RESILIENCE_TOKEN (issued by `resilience token issue`)"
        )
        raise typer.Exit(2)
    return GatewayClient(settings.gateway_url, settings.token.get_secret_value().strip())


def _check_locally(path: Path, max_bytes: int) -> tuple[bytes | None, list[str]]:
    """The file's bytes when it is a structurally valid report, else the problems (a
    workbook's named by cell; the gateway converts it)."""
    from schemas.contract import ContractViolation, check_report, parse_json

    if is_workbook(path):
        report, problems, cells = read_report_file(path)
        if report is None:
            return None, problems
        _cells_of[report["submission_id"]] = cells
        return path.read_bytes(), []
    try:
        body = path.read_bytes()
    except OSError as exc:
        return None, [f"cannot read: {exc.strerror or exc}"]
    try:
        issues = check_report(parse_json(body, max_bytes=max_bytes))
    except ContractViolation as violation:
        issues = violation.issues
    return (None, [str(i) for i in issues]) if issues else (body, [])


_cells_of: dict = {}  # submission_id -> CellMap of a workbook submitted in this command


def _findings_table(report: dict) -> Table:
    from resilience.cli.contract import findings_with_cells

    found = findings_with_cells(report.get("findings", []), _cells_of.get(report["submission_id"]))
    return _table(report["submission_id"], found)


def _table(submission_id: str, findings: list[dict]) -> Table:
    table = Table(title=f"{submission_id} findings", title_justify="left")
    with_cells = any(f.get("cell") for f in findings)
    for column in ("severity", "rule", *(["cell"] if with_cells else []), "location", "message"):
        table.add_column(column, overflow="fold")
    for f in findings:
        style = SEVERITY_STYLE.get(f["severity"], "")
        cells = [f.get("cell") or ""] if with_cells else []
        table.add_row(
            f"[{style}]{f['severity']}[/]", f["rule_code"], *cells, f.get("location") or "",
            f["message"],
        )  # fmt: skip
    return table


def _status(status: str) -> str:
    return f"[{STATUS_STYLE.get(status, '')}]{status}[/]"


@app.command()
def submit(
    files: Annotated[list[Path], typer.Argument(help="Report files: JSON (v1) or .xlsx")],
    wait: Annotated[bool, typer.Option("--wait", help="Wait until each report is judged")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds --wait waits per report")] = 300.0,
) -> None:
    """Check each report against the contract locally, post the valid ones, print receipts.

    Exit code 1 when any file was invalid or refused (or, with --wait, rejected).
    """
    from rich.progress import Progress

    from producers.client import GatewayCallFailed
    from resilience.cli.running import stack_settings

    settings = stack_settings()
    failed = 0
    received: list[dict] = []
    with _client(settings) as client, Progress(console=output.err(), transient=True,
                                               disable=len(files) < 3) as progress:  # fmt: skip
        task = progress.add_task("submitting", total=len(files))
        for path in files:
            body, problems = _check_locally(path, settings.gateway_max_body_bytes)
            if body is None:
                failed += 1
                progress.console.print(f"[red]{path}: not posted, {len(problems)} problem(s)[/]")
                for problem in problems:
                    progress.console.print(f"  {problem}")
            else:
                try:
                    receipt, replay = client.submit(body, content_type_of(path))
                except GatewayCallFailed as exc:
                    failed += 1
                    progress.console.print(f"[red]{path}: refused[/] {exc.describe()}")
                else:
                    received.append(receipt)
                    output.out().print(
                        f"{path}: {'already received' if replay else 'received'} "
                        f"{receipt['submission_id']} {receipt['country']} {receipt['cycle']} "
                        f"v{receipt['version']} -> {receipt['topic']}[{receipt['partition']}]"
                        f"@{receipt['offset']} sha256 {receipt['sha256'][:12]}"
                    )
            progress.advance(task)
        if wait:
            for receipt in received:
                try:
                    report = client.wait(receipt["submission_id"], timeout_s=timeout)
                except GatewayCallFailed as exc:
                    failed += 1
                    output.err().print(f"[red]{receipt['submission_id']}:[/] {exc.describe()}")
                    continue
                counts = ", ".join(f"{n} {s}" for s, n in report.get("counts", {}).items() if n)
                output.out().print(
                    f"{report['submission_id']}: {_status(report['status'])}"
                    + (f" ({counts})" if counts else "")
                )
                if report["status"] == "received":
                    output.out().print(
                        f"  no verdict within {timeout:.0f}s; check later with `resilience reports`"
                    )
                if report["status"] == "rejected":
                    failed += 1
                if report.get("findings"):
                    output.out().print(_findings_table(report))
                if report["status"] in ("accepted", "accepted_with_warnings"):
                    _print_release(client, report, timeout)
                    output.out().print(f"  {review_line(report.get('review'))}")
    if failed:
        raise typer.Exit(1)


RELEASE_WAIT_S = 60.0  # the release is written by the aggregation, seconds after the verdict


def _print_release(client, report: dict, timeout: float) -> None:
    """The manifest hash of the accepted verdict's release (waits a little for it)."""
    import time

    deadline = time.monotonic() + min(timeout, RELEASE_WAIT_S)
    while not report.get("manifest_sha256") and time.monotonic() < deadline:
        time.sleep(1)
        report = client.report(report["submission_id"], wait_s=0)
    if report.get("manifest_sha256"):
        output.out().print(
            f"  release manifest sha256 {report['manifest_sha256']} "
            f"(check it: resilience release verify --submission {report['submission_id']})"
        )
    else:
        output.out().print("  release not written yet; GET /v1/reports/{id} shows its hash later")


def review_line(review: dict | None) -> str:
    """The technical acceptance of an accepted verdict, in one line."""
    if not review:
        return "technical acceptance: not opened yet (a reviewer is asked after the rules)"
    state = review["state"]
    line = f"technical acceptance: {state.replace('_', ' ')}"
    if state == "pending" and review.get("due_at"):
        line += f" (a reviewer decides by {review['due_at']})"
    elif state == "superseded":
        line += f" by {review.get('superseded_by')}"
    elif review.get("reviewer"):
        line += f" by {review['reviewer']} at {review['at']}"
    if review.get("message"):
        line += f": {review['message']}"
    return line


@app.command()
def verdict(submission_id: Annotated[str, typer.Argument(help="The submission id")]) -> None:
    """One submission's verdict, findings and technical acceptance (review)."""
    from producers.client import GatewayCallFailed
    from resilience.cli.running import stack_settings

    settings = stack_settings()
    with _client(settings) as client:
        try:
            found = client.report(submission_id, wait_s=0)
        except GatewayCallFailed as exc:
            output.err().print(f"[red]{submission_id}:[/] {exc.describe()}")
            raise typer.Exit(1) from exc
    counts = ", ".join(f"{n} {s}" for s, n in found.get("counts", {}).items() if n)
    output.out().print(
        f"{found['submission_id']} ({found['country']} {found['cycle']} v{found['version']}): "
        f"{_status(found['status'])}" + (f" ({counts})" if counts else "")
    )
    if found.get("findings"):
        output.out().print(_findings_table(found))
    if found["status"] in ("accepted", "accepted_with_warnings"):
        output.out().print(f"  {review_line(found.get('review'))}")


@app.command()
def reports(
    cycle: Annotated[str | None, typer.Option(help="Only this cycle, e.g. 2026-H1")] = None,
    country: Annotated[str | None, typer.Option(help="Analyst/admin: only this country")] = None,
) -> None:
    """List your submissions with their status (analyst/admin tokens: every country)."""
    from producers.client import GatewayCallFailed
    from resilience.cli.running import stack_settings

    with _client(stack_settings()) as client:
        try:
            found = client.reports(cycle=cycle, country=country)
        except GatewayCallFailed as exc:
            output.err().print(f"[red]{exc.describe()}[/]")
            raise typer.Exit(1) from None
    table = Table(title=f"{len(found)} submission(s)", title_justify="left")
    for column in ("submission_id", "country", "cycle", "version", "received_at", "status"):
        table.add_column(column, no_wrap=column == "submission_id")
    for r in found:
        table.add_row(
            r["submission_id"], r["country"], r["cycle"], str(r["version"]), r["received_at"],
            _status(r["status"]),
        )  # fmt: skip
    output.out().print(table)


@token_app.command("issue")
def token_issue(
    label: Annotated[str, typer.Option(help="Who holds the token, e.g. 'FRA ministry team'")],
    country: Annotated[str | None, typer.Option(help="Submitter's country (ISO alpha-3)")] = None,
    role: Annotated[str, typer.Option(help="submitter, analyst, admin or reviewer")] = "submitter",
) -> None:
    """Issue a token. It is printed once, here; only its salted hash is stored."""
    from producers.gateway import tokens
    from resilience.cli.running import stack_settings

    settings = stack_settings()
    try:
        info, token = tokens.issue(settings.gateway_store, role=role, country=country, label=label)
    except ValueError as exc:
        output.err().print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None
    scope = info.country or "every country"
    output.err().print(
        f"issued token {info.token_id} ({info.role}, {scope}, {info.label!r}); "
        "store it now, it is not shown again:"
    )
    output.out().print(token)


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[str, typer.Argument(help="The id shown by `token list`")],
) -> None:
    """Revoke a token at once."""
    from producers.gateway import tokens
    from producers.gateway.errors import UnknownToken
    from resilience.cli.running import stack_settings

    try:
        tokens.revoke(stack_settings().gateway_store, token_id)
    except UnknownToken as exc:
        output.err().print(f"[red]{exc}[/]")
        raise typer.Exit(1) from None
    output.out().print(f"revoked token {token_id}")


@token_app.command("list")
def token_list() -> None:
    """Every token: id, role, country, label, issued, revoked (never the token or its hash)."""
    from producers.gateway import tokens
    from resilience.cli.running import stack_settings

    found = tokens.list_tokens(stack_settings().gateway_store)
    table = Table(title=f"{len(found)} token(s)", title_justify="left")
    table.add_column("id", no_wrap=True, min_width=16)
    for column in ("role", "country", "label", "issued", "revoked"):
        table.add_column(column, overflow="fold")
    for t in found:
        table.add_row(t.token_id, t.role, t.country or "*", t.label, t.created_at,
                      t.revoked_at or "")  # fmt: skip
    output.out().print(table)


@gateway_app.command("serve")
def gateway_serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default: settings)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: settings)")] = None,
) -> None:
    """Run the gateway with uvicorn (tokens and Authorization headers never reach the log);
    RESILIENCE_GATEWAY_WORKERS=N serves it from N processes."""
    from common.settings import get_settings
    from producers.gateway.server import serve

    serve(get_settings(), host=host, port=port)
