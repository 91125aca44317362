"""Keep bearer tokens and Authorization values out of every log line.

The filter rewrites a record's message and string arguments in place, so it works on
handlers (uvicorn's log config) and, through ``install()``, on every record created in
the process, whatever logger or handler it goes to.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

REDACTED = "[REDACTED]"
_SECRETS = re.compile(
    r"(?i)(bearer\s+)[^\s'\",;]+"  # "Bearer <token>"
    r"|(authorization['\"]?\s*[:=,]\s*['\"]?(?:b['\"])?)[^'\"\n,;)]+"  # authorization: <value>
    r"|rsl_[0-9a-f]{16}_[A-Za-z0-9_-]+"  # our token shape, wherever it appears
)


def redact(text: str) -> str:
    """The text with every token / Authorization value replaced by [REDACTED]."""
    return _SECRETS.sub(lambda m: (m.group(1) or m.group(2) or "") + REDACTED, text)


def _redact_arg(arg: Any) -> Any:
    """A secret-free stand-in for one %-argument; unchanged when it holds no secret."""
    if arg is None or isinstance(arg, int | float):
        return arg  # keeps %d / %f working
    if isinstance(arg, bytes):
        text = arg.decode("utf-8", "replace")
        return arg if redact(text) == text else redact(text).encode("utf-8")
    try:
        text = arg if isinstance(arg, str) else str(arg)  # e.g. httpx.URL with ?token=...
    except Exception:  # a broken __str__ must not break logging
        return arg
    cleaned = redact(text)
    return arg if cleaned == text else cleaned


def redact_record(record: logging.LogRecord) -> None:
    if isinstance(record.msg, str):
        record.msg = redact(record.msg)
    if isinstance(record.args, tuple):
        record.args = tuple(_redact_arg(a) for a in record.args)
    elif isinstance(record.args, dict):
        record.args = {k: _redact_arg(v) for k, v in record.args.items()}


class RedactingFilter(logging.Filter):
    """A handler/logger filter that redacts and never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


_installed = False


def install() -> None:
    """Redact every log record created from now on in this process (idempotent)."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        redact_record(record)
        return record

    logging.setLogRecordFactory(factory)
    _installed = True


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's default log config with the redacting filter on every handler."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact"] = {
        "()": "producers.gateway.logging_filter.RedactingFilter"
    }
    for handler in config["handlers"].values():
        handler.setdefault("filters", []).append("redact")
    # The gateway's own lines (receipts, broker warnings) beside uvicorn's.
    for name in ("producers", "kafka"):
        config["loggers"][name] = {
            "handlers": ["default"],
            "level": "INFO" if name == "producers" else "WARNING",
            "propagate": False,
        }
    return config
