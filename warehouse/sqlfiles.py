"""The warehouse's own statements, in warehouse/sql/ (the marts and the report keep theirs
in warehouse/marts/ and warehouse/report/sql/; all go through common.sqlfiles)."""

from __future__ import annotations

from pathlib import Path

from common.sqlfiles import read_sql

SQL_DIR = Path(__file__).resolve().parent / "sql"


def sql(name: str) -> str:
    """The statement in warehouse/sql/<name>.sql."""
    return read_sql(SQL_DIR, name)
