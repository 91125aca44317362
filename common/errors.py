"""Errors as people read them: the first line of the message, never a trace."""

from __future__ import annotations


def first_line(exc: BaseException) -> str:
    """The message's first line (DuckDB and Airflow append context lines), else the type."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
