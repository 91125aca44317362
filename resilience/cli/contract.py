"""`resilience` commands: generate, validate (the report contract, locally).

Heavy imports (GX) stay inside the commands so `resilience --help` stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from resilience.cli import output

app = typer.Typer(no_args_is_help=True)


SEVERITY_STYLE = {"BLOCKER": "bold red", "ERROR": "red", "WARNING": "yellow", "INFO": "dim"}
STATUS_STYLE = {"accepted": "green", "accepted_with_warnings": "yellow", "rejected": "bold red"}


def _codes(text: str | None) -> list[str] | None:
    if not text or text.strip().lower() == "all":
        return None
    return [part.strip() for part in text.split(",") if part.strip()] or None


@app.command()
def generate(
    out_dir: Annotated[Path, typer.Option("--out", help="Directory the report files go to")],
    countries: Annotated[
        str, typer.Option(help="Comma-separated ISO3 codes, or 'all' (the allies of each cycle)")
    ] = "all",
    cycles: Annotated[str, typer.Option(help="Comma-separated cycles, e.g. 2025-H2,2026-H1")] = (
        "2026-H1"
    ),
    seed: Annotated[int, typer.Option(help="Same seed, same reports")] = 0,
    defect_rate: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Share of reports with planted defects")
    ] = 0.1,
) -> None:
    """Write realistic synthetic reports (one JSON file each) plus planted.json, which
    lists every planted defect by file, rule code and location."""
    from schemas import reference
    from synthetic.generator import generate_reports

    wanted_countries = _codes(countries)
    wanted_cycles = _codes(cycles) or ["2026-H1"]
    unknown = [c for c in wanted_countries or [] if c not in reference.allies()]
    if unknown:
        output.err().print(
            f"[red]unknown countries:[/] {', '.join(unknown)} (use ISO3 codes, e.g. BEL)"
        )
        raise typer.Exit(2)
    for cycle in wanted_cycles:
        try:
            reference.cycle_bounds(cycle)
        except ValueError as exc:
            output.err().print(f"[red]{exc}[/]")
            raise typer.Exit(2) from None
    out_dir.mkdir(parents=True, exist_ok=True)
    planted: dict[str, list[dict]] = {}
    n = 0
    for generated in generate_reports(
        wanted_countries, wanted_cycles, seed=seed, defect_rate=defect_rate
    ):
        report = generated.report
        name = f"{report['country']}_{report['cycle']}_v{report['version']}.json"
        (out_dir / name).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        planted[name] = [
            {"rule_code": d.rule_code, "location": d.location} for d in generated.planted
        ]
        n += 1
    (out_dir / "planted.json").write_text(json.dumps(planted, indent=2) + "\n", encoding="utf-8")
    with_defects = sum(1 for defects in planted.values() if defects)
    output.out().print(
        f"wrote {n} reports to {out_dir} ({with_defects} with planted defects, see planted.json)"
    )


@app.command()
def template(
    xlsx: Annotated[Path, typer.Option("--xlsx", help="The workbook to write (.xlsx)")],
    from_report: Annotated[
        Path | None,
        typer.Option("--from", help="Pre-fill from this report (JSON or .xlsx), e.g. last cycle's"),
    ] = None,
) -> None:
    """Write the submitters' workbook: a README, one sheet per table with the columns
    explained, drop-downs for the codes; fill it, then `validate --remote` and `submit` it."""
    from producers.workbook.template import write_workbook

    report = None
    if from_report is not None:
        report, problems, _ = read_report_file(from_report)
        if report is None:
            output.out().print(
                f"[bold red]{from_report}: not a valid v1 report[/] ({len(problems)} issues)"
            )
            for problem in problems:
                output.out().print(f"  {problem}")
            raise typer.Exit(1)
    xlsx.parent.mkdir(parents=True, exist_ok=True)
    xlsx.write_bytes(write_workbook(report))
    what = f"pre-filled from {from_report}" if from_report else "empty"
    output.out().print(f"wrote {xlsx} ({what})")


def is_workbook(path: Path) -> bool:
    return path.suffix.lower() == ".xlsx"


def read_report_file(path: Path) -> tuple[dict | None, list[str], Any]:
    """(report, [], cells) of a structurally valid report in a JSON or XLSX file, else
    (None, every problem, None); cells is a workbook's CellMap (None for JSON)."""
    from schemas.contract import ContractViolation, check_report, parse_json

    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [f"cannot read: {exc.strerror or exc}"], None
    if is_workbook(path):
        from producers.workbook.cells import cell_for
        from producers.workbook.reader import WorkbookInvalid, read_located

        try:
            located = read_located(data)
        except WorkbookInvalid as bad:
            return None, [str(p) for p in bad.problems], None
        issues = check_report(located.document)
        named = [f"{cell_for(located.cells, i.pointer) or '?'} ({i})" for i in issues]
        return (None, named, None) if issues else (located.document, [], located.cells)
    try:
        doc = parse_json(data)
        issues = check_report(doc)
    except ContractViolation as violation:
        doc, issues = None, violation.issues
    return (None, [str(i) for i in issues], None) if issues else (doc, [], None)


def _findings_table(findings: list[dict]) -> Table:
    table = Table(title_justify="left")
    columns = ["severity", "rule", "location", "value", "message"]
    with_cells = any(f.get("cell") for f in findings)
    if with_cells:
        columns.insert(2, "cell")
    for column in columns:
        table.add_column(column, overflow="fold")
    for f in findings:
        severity = f["severity"]
        cells = [f.get("cell") or ""] if with_cells else []
        table.add_row(
            f"[{SEVERITY_STYLE[severity]}]{severity}[/]",
            f["rule_code"],
            *cells,
            f.get("location") or "(report)",
            f.get("value") or "",
            f.get("message") or "",
        )
    return table


def _validate_remote(files: list[Path]) -> None:
    """Each file through the gateway's dry run: the verdict it would get, with the
    cross-report rules against your last accepted cycle; nothing is stored."""
    from producers.client import GatewayCallFailed, GatewayClient
    from resilience.cli.running import stack_settings

    settings = stack_settings()
    if settings.token is None or not settings.token.get_secret_value().strip():
        output.err().print(
            "[red]no token:[/] set RESILIENCE_TOKEN (issued by `resilience token issue`)"
        )
        raise typer.Exit(2)
    failed = False
    with GatewayClient(settings.gateway_url, settings.token.get_secret_value().strip()) as client:
        for path in files:
            try:
                body = path.read_bytes()
            except OSError as exc:
                failed = True
                output.out().print(f"[bold red]{path}: cannot read:[/] {exc.strerror or exc}")
                continue
            try:
                answer = client.dry_run(body, content_type_of(path))
            except GatewayCallFailed as exc:
                failed = True
                output.out().print(f"[bold red]{path}: refused[/] {exc.describe()}")
                continue
            style = STATUS_STYLE[answer["status"]]
            prior = answer.get("prior_cycle") or "none"
            output.out().print(
                f"{path}: would be [{style}]{answer['status']}[/]  {answer['country']} "
                f"{answer['cycle']} v{answer['version']} (compared with cycle {prior})"
            )
            for note in answer.get("notes", []):
                output.out().print(f"  note: {note}")
            if answer["findings"]:
                output.out().print(_findings_table(answer["findings"]))
            failed = failed or answer["status"] == "rejected"
    if failed:
        raise typer.Exit(1)


def findings_with_cells(findings: list[dict], cells: Any) -> list[dict]:
    """A verdict's findings, each with its cell when the report came from a workbook here."""
    if cells is None:
        return findings
    return [{**f, "cell": _cell(cells, f.get("location") or "", f["rule_code"])} for f in findings]


def _cell(cells: Any, location: str, rule_code: str) -> str | None:
    if cells is None:
        return None
    from producers.workbook.cells import cell_for
    from schemas.rules import ALL_RULES

    rule = ALL_RULES.get(rule_code)
    return cell_for(cells, location, (rule.column or None) if rule else None)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def content_type_of(path: Path) -> str:
    return XLSX if is_workbook(path) else "application/json"


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Report files: JSON (v1) or .xlsx")],
    remote: Annotated[
        bool,
        typer.Option(
            "--remote",
            help="Ask the gateway (dry run, nothing stored): adds the cross-report rules "
            "against your last accepted cycle; needs RESILIENCE_TOKEN",
        ),
    ] = False,
) -> None:
    """Check report files: the contract's structure, then the content rules (the GX suites
    the pipeline runs), locally or with --remote through the gateway. Exit code 1 when a
    file is broken or a report (would be) rejected."""
    if remote:
        _validate_remote(files)
        return
    documents: dict[str, dict] = {}
    cells: dict[str, Any] = {}
    failed = False
    for path in files:
        doc, issues, cells[str(path)] = read_report_file(path)
        if issues:
            failed = True
            output.out().print(f"[bold red]{path}: not a valid v1 report[/] ({len(issues)} issues)")
            for issue in issues:
                output.out().print(f"  {issue}")
            continue
        documents[str(path)] = doc
    if not documents:
        raise typer.Exit(1)

    from schemas.validation import validate_batch

    try:
        result = validate_batch(list(documents.values()))
    except ValueError as exc:
        output.err().print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None
    for path, doc in documents.items():
        judged = result[doc["submission_id"]]
        style = STATUS_STYLE[judged.status]
        output.out().print(
            f"{path}: [{style}]{judged.status}[/]  {doc['country']} {doc['cycle']} "
            f"v{doc['version']}"
        )
        failed = failed or judged.status == "rejected"
        if not judged.findings:
            continue
        output.out().print(
            _findings_table(
                [
                    {
                        "severity": f.severity.value,
                        "rule_code": f.rule_code,
                        "cell": _cell(cells[path], f.location, f.rule_code),
                        "location": f.location,
                        "value": f.value,
                        "message": f.message,
                    }
                    for f in judged.findings
                ]  # fmt: skip
            )
        )
    counts = ", ".join(f"{k} {v}" for k, v in result.counts.items())
    output.out().print(f"{len(documents)} reports validated in {result.duration_s:.2f}s: {counts}")
    if failed:
        raise typer.Exit(1)
