"""Two shortcuts through GX 1.x's per-expectation bookkeeping, results unchanged.

Validating one report against our seven suites spends most of its time not on the data but
on GX rebuilding the same small objects (profiled: 0.81 s warm, of which these two):

* ``Expectation.configuration`` rebuilds a pydantic configuration (``self.dict()`` and a new
  ``ExpectationConfiguration``) every time GX reads one of the expectation's kwargs, about
  6,500 times. Nothing changes an expectation while its suite runs, so inside ``memoised()``
  the first configuration built for an expectation object is handed back for later reads.
  Outside that block, and in any other thread or task, GX builds it as shipped. The memo
  holds its expectations alive, so an object id is never reused while it lasts.
* Every metric configuration (~2,500) hashes its kwargs through
  ``convert_to_json_serializable``, which runs up to twenty ``isinstance`` and numpy dtype
  checks per value before it reaches ``None``. ``_plain`` answers the plain JSON types
  (exact ``str``, ``int``, ``bool``, ``float``, ``None``, ``dict``, ``list``, ``tuple``)
  the way that function does and hands everything else to it, so every id is the same.

Both are installed once per process, on first use (never at import), by ``memoised()``.
Worth an upstream issue; tests/schemas/test_gx_fastpath.py checks the results match GX's own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_MEMO: ContextVar[dict[int, tuple[Any, Any]] | None] = ContextVar("gx_config_memo", default=None)
_OURS = "_resilience_fastpath"  # marks what we installed, so installing twice is a no-op


def _memoising(build: Any) -> Any:
    def configuration(self: Any) -> Any:
        memo = _MEMO.get()
        if memo is None:
            return build(self)
        held = memo.get(id(self))
        if held is None:
            held = memo[id(self)] = (self, build(self))
        return held[1]

    setattr(configuration, _OURS, build)
    return configuration


def _plain_json(shipped: Any) -> Any:
    def plain(data: Any) -> Any:
        kind = type(data)
        if kind is str or kind is int or kind is bool or data is None:
            return data
        if kind is float:
            return None if data != data else data  # NaN -> None, as GX does
        if kind is dict:
            return {str(key): plain(value) for key, value in data.items()}
        if kind is list or kind is tuple:
            return [plain(value) for value in data]
        return shipped(data)

    def convert_to_json_serializable(data: Any) -> Any:
        return plain(data)

    setattr(convert_to_json_serializable, _OURS, shipped)
    return convert_to_json_serializable


def install() -> None:
    """Put both shortcuts in place (idempotent)."""
    from great_expectations.core import id_dict
    from great_expectations.expectations.expectation import Expectation

    shipped = Expectation.__dict__["configuration"]
    if not hasattr(shipped.fget, _OURS):
        Expectation.configuration = property(_memoising(shipped.fget), doc=shipped.__doc__)  # type: ignore[method-assign]
    if not hasattr(id_dict.convert_to_json_serializable, _OURS):
        id_dict.convert_to_json_serializable = _plain_json(id_dict.convert_to_json_serializable)


def uninstall() -> None:
    """GX as shipped again (for the test that compares the two)."""
    from great_expectations.core import id_dict
    from great_expectations.expectations.expectation import Expectation

    ours = Expectation.__dict__["configuration"]
    if hasattr(ours.fget, _OURS):
        Expectation.configuration = property(getattr(ours.fget, _OURS), doc=ours.__doc__)  # type: ignore[method-assign]
    if hasattr(id_dict.convert_to_json_serializable, _OURS):
        id_dict.convert_to_json_serializable = getattr(id_dict.convert_to_json_serializable, _OURS)


@contextmanager
def memoised() -> Iterator[None]:
    """Within this block (this thread or task only) each expectation builds its
    configuration once."""
    install()
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)
