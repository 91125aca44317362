"""After a load: rebuild the marts of the touched cycles and publish the analyst copy."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from common.settings import Settings

logger = logging.getLogger(__name__)


def cycles_from_events(extras: Iterable[dict[str, Any] | None]) -> list[str] | None:
    """Union of the ``cycles`` the ingest runs put in their asset events.

    None when no event says (a manual run): then every cycle is rebuilt.
    """
    cycles: set[str] = set()
    seen = False
    for extra in extras:
        if extra and "cycles" in extra:
            seen = True
            cycles.update(str(c) for c in extra["cycles"])
    return sorted(cycles) if seen else None


def publish_verdicts(settings: Settings, summary: dict[str, Any]) -> bool:
    """Publish the analyst copy right after a load that judged or dead-lettered something, so
    submitters see their verdicts without waiting for the marts (the aggregation DAG then
    rebuilds those and publishes again). Returns whether it published."""
    from warehouse.analyst import publish_analyst_copy

    if not (summary.get("reports") or summary.get("dead_lettered")):
        return False
    publish_analyst_copy(settings.warehouse_path, settings.analyst_path)
    return True


def aggregate(settings: Settings, cycles: list[str] | None) -> dict[str, Any]:
    """Write the releases of new accepted verdicts, rebuild marts (for ``cycles``; all when
    None; none when empty), publish the analyst copy, then write the HTML alliance report.

    Releases are written here, in the same task, not in a task of their own: a second task
    of this DAG took an executor slot and scheduler turns from the next ingest run (measured
    with bench_latency, see the issue 14 note), while the files of a report cost ~30 ms.
    A failed release write fails the task after the marts are published: Airflow's retry
    writes it, and the marts are not held back meanwhile."""
    from pipeline.releases import write_releases
    from warehouse.analyst import publish_analyst_copy
    from warehouse.db import connect
    from warehouse.errors import WarehouseError
    from warehouse.marts import build_marts
    from warehouse.report.html import write_report

    release_error: Exception | None = None
    try:
        released = write_releases(settings).summary()
    except Exception as exc:  # the marts go on; the task fails below and is retried
        logger.error("releases not written: %s", exc)
        release_error, released = exc, {"error": str(exc)}
    if cycles is None or cycles:
        con = connect(settings.warehouse_path)
        try:
            build_marts(con, cycles=cycles)
        finally:
            con.close()
    publish_analyst_copy(settings.warehouse_path, settings.analyst_path)
    logger.info("marts rebuilt for %s; analyst copy published", cycles or "all cycles")
    report = None
    try:
        report = str(write_report(settings.analyst_path, settings.report_path))
    except WarehouseError as exc:  # the data is published; the page is secondary
        logger.warning("alliance report not written: %s", exc)
    if release_error is not None:
        raise release_error
    return {
        "cycles": cycles if cycles is not None else "all",
        "report": report,
        "releases": released,
    }
