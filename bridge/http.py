"""One way to call vendor APIs: timeouts, client-side rate limits, Retry-After-aware retries, and errors that
name the endpoint but never a credential.

Retriable: 429 (waits Retry-After), 5xx, connection errors, time-outs, bodies cut short, and JSON answers that
are not JSON (a proxy's HTML page), with exponential backoff.
Fatal: 401, 403, 404 and other 4xx, raised at once with the vendor's error text.
A body that is not JSON is described by its type and size, never quoted: it may hold customer data.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests

from bridge.errors import FatalError, RetriableError

log = logging.getLogger(__name__)
TIMEOUT = (5, 60)
TRANSPORT_ERRORS = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError,
                    requests.exceptions.ContentDecodingError)
T = TypeVar("T")


def endpoint_of(method: str, url: str) -> str:
    """'GET /api/v2/tickets' — the path without host, query or anything that could carry a secret."""
    return f"{method.upper()} {urlsplit(url).path}"


def retry_after_seconds(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        try:
            return max(parsedate_to_datetime(value).timestamp() - time.time(), 0.0)
        except (TypeError, ValueError):
            return None


def not_json(response: requests.Response) -> str:
    kind = response.headers.get("Content-Type", "no content type").split(";")[0]
    return f"the body is not JSON ({kind}, {len(response.content)} bytes)"


def json_body(response: requests.Response) -> Any:
    """The decoded body of a successful answer; one cut short or not JSON at all is retriable."""
    try:
        return response.json()
    except ValueError:
        raise RetriableError(not_json(response), endpoint=endpoint_of(response.request.method or "GET", response.url),
                             status=response.status_code) from None


def vendor_message(response: requests.Response) -> str:
    """The vendor's own error text (Zendesk `error`/`description`, Jira `errorMessages`/`errors`, RT `message`)."""
    try:
        body = response.json()
    except ValueError:
        return f"{response.reason}: {not_json(response)}" if response.content else response.reason
    if not isinstance(body, dict):
        return str(body)[:300]
    parts: list[str] = []
    for key in ("error", "description", "message", "errorMessages", "errors", "details"):
        value = body.get(key)
        if value:
            parts.append(value if isinstance(value, str) else str(value))
    return "; ".join(parts)[:500] or response.reason


def raise_for(response: requests.Response) -> None:
    if response.status_code < 400:
        return
    endpoint = endpoint_of(response.request.method or "GET", response.url)
    message = vendor_message(response)
    if response.status_code == 429 or response.status_code >= 500:
        raise RetriableError(message, endpoint=endpoint, status=response.status_code,
                             retry_after=retry_after_seconds(response))
    hint = {401: "check the API credentials", 403: "the account lacks permission",
            404: "not found"}.get(response.status_code)
    raise FatalError(f"{hint}: {message}" if hint else message, endpoint=endpoint, status=response.status_code)


@dataclass
class RateLimiter:
    """At most `per_minute` calls in any sliding minute; `wait` sleeps as long as needed."""

    per_minute: int
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    _calls: deque[float] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wait(self) -> None:
        with self._lock:
            now = self.clock()
            while self._calls and now - self._calls[0] >= 60:
                self._calls.popleft()
            if len(self._calls) >= self.per_minute:
                delay = 60 - (now - self._calls[0])
                log.info("http.rate_limited", extra={"sleep": round(delay, 2)})
                self.sleep(delay)
                now = self.clock()
                self._calls.popleft()
            self._calls.append(now)


@dataclass
class Client:
    """A requests.Session with the bridge's policy. `calls` counts every HTTP request sent."""

    base_url: str
    session: requests.Session = field(default_factory=requests.Session)
    retries: int = 5
    backoff: float = 1.0
    max_wait: float = 300.0
    sleep: Callable[[float], None] = time.sleep
    calls: int = 0

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else self.base_url.rstrip("/") + path

    def request(self, method: str, path: str, *, limiter: RateLimiter | None = None,
                headers: Mapping[str, str] | None = None, retries: int | None = None,
                **kwargs: Any) -> requests.Response:
        """`retries=0` sends once: for a write whose time-out may hide that it landed."""
        return self._send(method, path, lambda response: response, limiter=limiter, headers=headers,
                          retries=retries, **kwargs)

    def get_json(self, path: str, **kwargs: Any) -> Any:
        """GET and decode, retrying a body that is cut short or not JSON like a 5xx."""
        return self._send("GET", path, json_body, **kwargs)

    def _send(self, method: str, path: str, read: Callable[[requests.Response], T], *,
              limiter: RateLimiter | None = None, headers: Mapping[str, str] | None = None,
              retries: int | None = None, **kwargs: Any) -> T:
        url = self.url(path)
        limit = self.retries if retries is None else retries
        for attempt in range(limit + 1):
            if limiter:
                limiter.wait()
            self.calls += 1
            try:
                response = self.session.request(method, url, timeout=TIMEOUT, headers=headers, **kwargs)
                raise_for(response)
                return read(response)
            except TRANSPORT_ERRORS as error:
                failure: RetriableError = RetriableError(f"{error.__class__.__name__}",
                                                         endpoint=endpoint_of(method, url))
            except RetriableError as error:
                failure = error
            if attempt == limit:
                raise failure
            delay = failure.retry_after if failure.retry_after is not None else self.backoff * 2**attempt
            log.warning("http.retry", extra={"endpoint": failure.endpoint, "status": failure.status,
                                              "attempt": attempt + 1, "sleep": delay})
            self.sleep(min(delay, self.max_wait))
        raise AssertionError("unreachable")


def follow_pages(first: str, fetch: Callable[[str], tuple[Any, str | None]]) -> Any:
    """Yield each page from `fetch(url) -> (page, next_url)`, stopping on None and on a repeated URL."""
    seen: set[str] = set()
    url: str | None = first
    while url:
        if url in seen:
            raise FatalError("pagination loop: the API returned a page twice", endpoint=endpoint_of("GET", url))
        seen.add(url)
        page, url = fetch(url)
        yield page
