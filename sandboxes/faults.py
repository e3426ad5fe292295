"""Vendor misbehaviour for any sandbox: a WSGI wrapper that fails a share of requests the ways real APIs do.

Kinds: `429` (Retry-After: 1), `500`, `502`, `503`, `reset` (the connection is closed without an answer),
`timeout` (the request is carried out, then a 504 hides that it landed, as a gateway time-out does) and
`truncated` (carried out, answered 200 with half of its JSON). `injected` counts what was done, by kind.
"""

from __future__ import annotations

import random
import socket
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

KINDS = ("429", "500", "502", "503", "reset", "timeout", "truncated")
StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class Faults:
    """Wraps `app`; a request whose path starts with one of `paths` fails with probability `rate`."""

    def __init__(self, app: WsgiApp, *, rate: float, seed: int = 0, kinds: Sequence[str] = KINDS,
                 paths: Sequence[str] = ("/",)) -> None:
        self.app, self.rate, self.kinds, self.paths = app, rate, tuple(kinds), tuple(paths)
        self.injected: Counter[str] = Counter()
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def _draw(self, path: str) -> str | None:
        if not path.startswith(self.paths):
            return None
        with self._lock:
            if self._random.random() >= self.rate:
                return None
            kind = self._random.choice(self.kinds)
            self.injected[kind] += 1
            return kind

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        kind = self._draw(str(environ.get("PATH_INFO", "")))
        if kind is None:
            return self.app(environ, start_response)
        if kind == "reset":
            connection = environ.get("werkzeug.socket")
            if connection is not None:
                connection.shutdown(socket.SHUT_RDWR)
            start_response("500 Internal Server Error", [("Content-Length", "0")])
            return [b""]
        if kind in ("timeout", "truncated"):
            body = b"".join(self.app(environ, lambda *_args, **_kwargs: None))
            if kind == "timeout":
                return _answer(start_response, "504 Gateway Timeout", b"<html>504 Gateway Time-out</html>",
                               "text/html")
            return _answer(start_response, "200 OK", body[: len(body) // 2], "application/json")
        headers = [("Retry-After", "1")] if kind == "429" else []
        reason = {"429": "Too Many Requests", "500": "Internal Server Error", "502": "Bad Gateway",
                  "503": "Service Unavailable"}[kind]
        return _answer(start_response, f"{kind} {reason}", b'{"error": "injected fault"}', "application/json",
                       headers)


def _answer(start_response: StartResponse, status: str, body: bytes, content_type: str,
            headers: list[tuple[str, str]] | None = None) -> list[bytes]:
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body))), *(headers or [])])
    return [body]
