"""Test-only fault injection for processes a test cannot patch (the live stack's tasks).

On PYTHONPATH with UNJUDGEABLE_SUBMISSIONS_FOR_TEST=<ids> (not RESILIENCE_*: the stack
rebuilds those from the settings), the named submissions become unjudgeable as
tests/faults/unjudgeable.py makes them in-process: their submitted_at reaches DuckDB as a
leap second. Without the variable it does nothing.
"""

import os
import sys

_IDS = {s for s in os.environ.get("UNJUDGEABLE_SUBMISSIONS_FOR_TEST", "").split(",") if s}


def _wrap(module):
    real = module.flatten

    def flatten(report):
        tables = real(report)
        if report.get("submission_id") in _IDS:
            tables["report"][0]["submitted_at"] = "2016-12-31T23:59:60Z"
        return tables

    module.flatten = flatten


class _AfterImport:
    """Patch schemas.validation right after it is first imported (and only then)."""

    def find_spec(self, name, path=None, target=None):
        if name != "schemas.validation":
            return None
        sys.meta_path.remove(self)
        try:
            import importlib.util

            spec = importlib.util.find_spec(name)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None:
            return spec
        exec_module = spec.loader.exec_module

        def exec_and_patch(module):
            exec_module(module)
            _wrap(module)

        spec.loader.exec_module = exec_and_patch
        return spec


if _IDS:
    sys.meta_path.insert(0, _AfterImport())
