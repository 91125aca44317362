"""Notice, cheaply, when the analyst copy has been replaced: the long poll's wake-up.

The copy is swapped in by ``os.replace`` after each load, so its inode, mtime or size
changes. One asyncio task per gateway stats the file every ``interval_s`` while anyone
waits and wakes every waiter on a change; waiting holds no thread and no DuckDB
connection, and the verdict is queried again only after a change.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path

Signature = tuple[int, int, int] | None  # (inode, mtime_ns, size); None: no file yet


def signature(path: Path) -> Signature:
    """What identifies one version of the file (a stat: microseconds, never blocks long)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


class CopyWatcher:
    def __init__(self, path: Path, *, interval_s: float = 0.1) -> None:
        self.path = path
        self.interval_s = interval_s
        self._current: Signature = signature(path)
        self._changed: asyncio.Event | None = None
        self._waiters = 0
        self._task: asyncio.Task[None] | None = None

    @property
    def waiters(self) -> int:
        return self._waiters

    def current(self) -> Signature:
        """Stat now (and wake the waiters when that shows a change)."""
        self._refresh()
        return self._current

    async def changed_since(self, seen: Signature, timeout_s: float) -> bool:
        """True as soon as the copy differs from ``seen``; False when ``timeout_s`` passes."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        self._waiters += 1
        try:
            self._start()
            while self.current() == seen:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return False
                try:
                    await asyncio.wait_for(self._event().wait(), remaining)
                except TimeoutError:
                    return self.current() != seen
            return True
        finally:
            self._waiters -= 1

    def _event(self) -> asyncio.Event:
        if self._changed is None:
            self._changed = asyncio.Event()
        return self._changed

    def _refresh(self) -> None:
        now = signature(self.path)
        if now != self._current:
            self._current = now
            event, self._changed = self._changed, None
            if event is not None:
                event.set()  # every waiter of this version wakes; later ones get a new event

    def _start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._watch())

    async def _watch(self) -> None:
        while self._waiters > 0:
            await asyncio.sleep(self.interval_s)
            self._refresh()

    async def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
