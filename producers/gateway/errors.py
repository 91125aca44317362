"""Domain exceptions of the gateway; only routes.py turns them into HTTP responses."""

from __future__ import annotations


class GatewayError(Exception):
    """Base of every gateway domain error."""


class BrokerUnavailable(GatewayError):
    """The broker did not acknowledge in time: nothing was stored, a retry is safe."""


class StoreUnavailable(GatewayError):
    """The gateway's database (PostgreSQL) cannot be reached: a retry later is safe."""


class SubmissionConflict(GatewayError):
    """The submission id is already taken by a different body."""

    def __init__(self, submission_id: str, first_sha256: str | None, new_sha256: str) -> None:
        # first_sha256 is None when the first body is another country's: not even its
        # fingerprint is shown to this caller.
        first = f"sha256 {first_sha256}, " if first_sha256 else ""
        super().__init__(
            f"submission_id {submission_id} was already used for a different body "
            f"({first}this one {new_sha256}); use a new submission_id"
        )
        self.submission_id = submission_id


class BodyTooLarge(GatewayError):
    """The request body exceeds the configured limit."""

    def __init__(self, limit: int, reason: str | None = None) -> None:
        super().__init__(reason or f"request body exceeds the limit of {limit} bytes")
        self.limit = limit


class UnknownToken(GatewayError):
    """No active token with that id (the CLI's revoke)."""


class Forbidden(GatewayError):
    """The caller may not do this (a submitter posting for another country, a reader posting)."""


class DryRunBusy(GatewayError):
    """Too many dry runs are queued in this gateway; a retry soon is fine."""
