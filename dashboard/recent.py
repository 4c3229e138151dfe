"""A short-lived memo per process: the same answer for the same key within a few tenths of a second.

A hundred wall displays refresh every few seconds, and every one of them with the same
options would read the same stored snapshot. Within ``seconds`` of a read, a worker hands
the displays that ask the answer it already read instead of reading again. Thread-safe;
bounded (the oldest half is dropped when full).
"""

from __future__ import annotations

import threading
import time
from typing import Callable, Hashable, TypeVar

T = TypeVar("T")


class Recent:
    def __init__(self, seconds: float, size: int = 64, clock: Callable[[], float] = time.monotonic):
        self.seconds, self.size, self._clock = seconds, size, clock
        self._items: dict[Hashable, tuple[float, object]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T], seconds: float | None = None) -> T:
        """``compute()``'s answer for ``key``, computed again only when the last one is older than ``seconds``."""
        seconds = self.seconds if seconds is None else seconds
        with self._lock:
            hit = self._items.get(key)
        if hit is not None and self._clock() - hit[0] < seconds:
            return hit[1]  # type: ignore[return-value]
        read_at, value = self._clock(), compute()
        with self._lock:
            if len(self._items) >= self.size:
                for old in sorted(self._items, key=lambda k: self._items[k][0])[: self.size // 2]:
                    del self._items[old]
            self._items[key] = (read_at, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
