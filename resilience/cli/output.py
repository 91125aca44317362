"""How every command talks to the terminal: rich consoles built at print time (so the
terminal's width, and tests' COLUMNS, are read then) and one way to fail: a red
``error:`` line, an optional ``hint:``, an exit code, never a traceback."""

from __future__ import annotations

import typer
from rich.console import Console


def out() -> Console:
    return Console(highlight=False, soft_wrap=True)


def err() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str, *, hint: str | None = None, code: int = 2) -> typer.Exit:
    """Print the error (and hint) on stderr; raise the returned Exit. Code 2: the input or
    the state is wrong (fix and retry); 1: the operation ran and found a problem."""
    err().print(f"[bold red]error:[/] {message}")
    if hint:
        err().print(f"[yellow]hint:[/] {hint}")
    return typer.Exit(code=code)


def fail_on(exc: Exception, *, code: int = 2) -> typer.Exit:
    """``fail`` for our errors that carry ``message`` and ``hint`` (WarehouseError & co)."""
    return fail(getattr(exc, "message", str(exc)), hint=getattr(exc, "hint", None), code=code)
