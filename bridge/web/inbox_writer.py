"""Webhook deliveries reach the inbox through one writer thread per web process, which stores whatever arrived
meanwhile in one transaction (a group commit). A request waits for its delivery's commit and only then answers,
so every acknowledged delivery is stored; requests arriving together share one write instead of queueing for
the store's write lock one by one, which on SQLite is held by one writer at a time (the worker among them)."""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass, field

from bridge.runtime import Runtime
from bridge.store import inbox
from bridge.store.engine import begin_promptly

BATCH = 500
ANSWER_TIMEOUT_SECONDS = 60.0
IDLE_SECONDS = 30.0   # a writer with nothing to write ends; the next delivery starts another


@dataclass
class _Waiting:
    delivery: inbox.Delivery
    done: threading.Event = field(default_factory=threading.Event)
    stored: bool = False
    error: BaseException | None = None


class InboxWriter:
    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._queue: queue.SimpleQueue[_Waiting] = queue.SimpleQueue()
        self._start = threading.Lock()
        self._thread: threading.Thread | None = None

    def store(self, delivery: inbox.Delivery) -> bool:
        """Store `delivery` (with whatever else is waiting); False when it was stored before. Raises what the
        store raised."""
        waiting = _Waiting(delivery)
        with self._start:
            if self._thread is None:
                self._thread = threading.Thread(target=self._write_while_busy, name="inbox-writer", daemon=True)
                self._thread.start()
            self._queue.put(waiting)
        if not waiting.done.wait(ANSWER_TIMEOUT_SECONDS):
            raise TimeoutError(f"the inbox was not written within {ANSWER_TIMEOUT_SECONDS:.0f} s")
        if waiting.error is not None:
            raise waiting.error
        return waiting.stored

    def _write_while_busy(self) -> None:
        while True:
            try:
                batch = [self._queue.get(timeout=IDLE_SECONDS)]
            except queue.Empty:
                with self._start:   # `store` puts under this lock: nothing can arrive unseen
                    if self._queue.empty():
                        self._thread = None
                        return
                continue
            while len(batch) < BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._write(batch)

    def _write(self, batch: list[_Waiting]) -> None:
        try:
            with begin_promptly(self._runtime.engine) as conn:
                stored = inbox.receive_many(conn, [waiting.delivery for waiting in batch])
            for waiting, new in zip(batch, stored, strict=True):
                waiting.stored = new
        except Exception as error:
            for waiting in batch:
                waiting.error = error
        finally:
            for waiting in batch:
                waiting.done.set()
