"""Percentiles as every benchmark reports them (nearest rank: a value that was measured)."""

from __future__ import annotations


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile of ``values`` for q in [0, 1]."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q * len(ordered) + 0.5) - 1))]
