"""A real crash between "the tracker created the epic" and "the bridge stored it", for the demo's check.

`crash_after_create` starts a worker process (`python -m demo.crash`, the demo's settings as JSON on stdin) that
drains the outbox once, lets the sandbox tracker carry out that worker's first create and holds the answer, kills
the worker with SIGKILL while it waits, and only then lets the answer go (to a closed socket). What is left is
what a crash leaves: an epic in the tracker, none stored, the outbox items claimed by a dead worker.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
SECONDS = 60.0


class HeldCreate:
    """WSGI middleware: the first request `creates(method, path)` accepts is carried out, then its answer waits
    until `release()`; every other request passes through."""

    def __init__(self, app: WsgiApp, creates: Callable[[str, str], bool]) -> None:
        self.app, self.creates = app, creates
        self.landed, self.released = threading.Event(), threading.Event()
        self._armed = True
        self._lock = threading.Lock()

    def _take(self, environ: dict[str, Any]) -> bool:
        with self._lock:
            taken = self._armed and self.creates(str(environ.get("REQUEST_METHOD")), str(environ.get("PATH_INFO")))
            self._armed = self._armed and not taken
            return taken

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if not self._take(environ):
            return self.app(environ, start_response)
        answer = self.app(environ, start_response)
        body = list(answer)
        getattr(answer, "close", lambda: None)()
        self.landed.set()
        self.released.wait(SECONDS)
        return body

    def release(self) -> None:
        self.released.set()


def crash_after_create(app: Any, creates: Callable[[str, str], bool], environment: dict[str, str],
                       log: Path) -> bool:
    """Run a worker against the bridge's store and kill it once the tracker `app` (a Flask app) carried out its
    create; True when the create landed before the worker died."""
    held = HeldCreate(app.wsgi_app, creates)
    app.wsgi_app = held
    try:
        with log.open("w", encoding="utf-8") as output:
            worker = subprocess.Popen([sys.executable, "-m", "demo.crash"], stdin=subprocess.PIPE,
                                      stdout=output, stderr=subprocess.STDOUT, text=True)
            assert worker.stdin is not None
            worker.stdin.write(json.dumps(environment))
            worker.stdin.close()
            deadline = time.monotonic() + SECONDS
            while not held.landed.wait(0.05) and worker.poll() is None and time.monotonic() < deadline:
                pass
            worker.kill()
            worker.wait()
    finally:
        held.release()
        app.wsgi_app = held.app
    return held.landed.is_set()


def main() -> None:
    """The doomed worker: drain the outbox of the store the settings on stdin name."""
    from bridge.config import load_settings
    from bridge.runtime import Runtime
    from bridge.worker import jobs

    runtime = Runtime(load_settings(json.load(sys.stdin), env_file=None), migrate=False)
    jobs.drain_outbox(runtime)


if __name__ == "__main__":
    main()
