"""In-memory sliding-window rate limits, safe across the threads of one process."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Hashable, Mapping


class SlidingWindow:
    """At most `limit` hits per key in any `seconds`-long window."""

    def __init__(self, limit: int, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.seconds = seconds
        self.clock = clock
        self._hits: dict[Hashable, deque[float]] = {}
        self._lock = threading.RLock()

    def wait(self, key: Hashable) -> float | None:
        """The seconds until `key` may hit again, or None when it may hit now. Counts nothing."""
        now = self.clock()
        with self._lock:
            hits = self._hits.get(key)
            while hits and hits[0] <= now - self.seconds:
                hits.popleft()
            if hits is not None and not hits:
                del self._hits[key]
            return hits[0] + self.seconds - now if hits and len(hits) >= self.limit else None

    def hit(self, key: Hashable) -> float | None:
        """Count a hit and return None, or return the seconds until one is allowed (the hit is not counted)."""
        with self._lock:
            wait = self.wait(key)
            if wait is None:
                self._hits.setdefault(key, deque()).append(self.clock())
            return wait


class Limits:
    """Named windows hit together: a request counts against every one of its keys, or against none."""

    def __init__(self, windows: Mapping[str, SlidingWindow]) -> None:
        self.windows = dict(windows)
        self._lock = threading.Lock()

    def hit(self, keys: Mapping[str, Hashable]) -> tuple[str, float] | None:
        """None when every window (by name) allows its key, each hit counted; else the first full window's name
        and the seconds until it allows one, nothing counted."""
        with self._lock:
            for name, key in keys.items():
                wait = self.windows[name].wait(key)
                if wait is not None:
                    return name, wait
            for name, key in keys.items():
                self.windows[name].hit(key)
        return None
