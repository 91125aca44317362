"""The one exception the warehouse raises for anything a user can fix, and its subclass
for a warehouse that cannot be used right now (the pipeline retries those, see
pipeline.isolation, and never blames the data for them)."""

from __future__ import annotations


class WarehouseError(Exception):
    """A warehouse problem with a clear message and, when there is one, a hint."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\nhint: {self.hint}" if self.hint else self.message


class WarehouseUnavailable(WarehouseError):
    """The file cannot be opened now: locked by another process, missing or corrupt."""
