"""The one loader for SQL kept as .sql files beside the code that runs it (read once)."""

from __future__ import annotations

from functools import cache
from pathlib import Path


@cache
def read_sql(directory: Path, name: str) -> str:
    """The statement in <directory>/<name>.sql (a missing file is a bug: FileNotFoundError)."""
    return (Path(directory) / f"{name}.sql").read_text(encoding="utf-8")
