"""Keep dependencies' INFO chatter out of the pipeline's logs (task and triggerer logs)."""

from __future__ import annotations

import logging

# kafka-python logs every connection and metadata refresh, GX every registration at import;
# their warnings and errors still show.
QUIET_LOGGERS = ("kafka", "great_expectations")


def quiet_dependencies() -> None:
    """Raise the dependencies' loggers to WARNING (idempotent; ours stay as configured)."""
    for name in QUIET_LOGGERS:
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.WARNING:
            logger.setLevel(logging.WARNING)
