import pytest
import requests
import responses

from bridge.errors import FatalError, RetriableError
from bridge.http import Client, RateLimiter, follow_pages

BASE = "https://acme.zendesk.com"


def client(**options) -> tuple[Client, list[float]]:
    slept: list[float] = []
    session = requests.Session()
    session.auth = ("agent@acme.com/token", "very-secret-token")
    return Client(BASE, session=session, sleep=slept.append, **options), slept


@responses.activate
def test_a_429_waits_as_long_as_retry_after_says():
    responses.get(f"{BASE}/api/v2/tickets", status=429, headers={"Retry-After": "7"}, json={"error": "TooMany"})
    responses.get(f"{BASE}/api/v2/tickets", json={"tickets": []})
    http, slept = client()
    assert http.get_json("/api/v2/tickets") == {"tickets": []}
    assert slept == [7.0]
    assert http.calls == 2


@responses.activate
def test_server_errors_back_off_exponentially_then_give_up_as_retriable():
    for _ in range(3):
        responses.get(f"{BASE}/api/v2/tickets", status=503, body="unavailable")
    http, slept = client(retries=2)
    with pytest.raises(RetriableError) as caught:
        http.get_json("/api/v2/tickets")
    assert slept == [1.0, 2.0]
    assert caught.value.status == 503


@responses.activate
def test_bad_credentials_name_the_endpoint_and_never_the_token():
    responses.get(f"{BASE}/api/v2/tickets/5.json", status=401,
                  json={"error": "Couldn't authenticate you"})
    http, slept = client()
    with pytest.raises(FatalError) as caught:
        http.get_json("/api/v2/tickets/5.json?include=users")
    message = str(caught.value)
    assert "GET /api/v2/tickets/5.json" in message and "Couldn't authenticate you" in message
    assert "very-secret-token" not in message and "include" not in message
    assert slept == []


@responses.activate
def test_connection_errors_are_retried():
    responses.get(f"{BASE}/x", body=requests.ConnectionError("reset"))
    responses.get(f"{BASE}/x", json={"ok": True})
    http, slept = client()
    assert http.get_json("/x") == {"ok": True}
    assert slept == [1.0]


def test_the_rate_limiter_sleeps_until_a_call_leaves_the_minute():
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(per_minute=3, sleep=sleep, clock=lambda: now[0])
    for _ in range(3):
        limiter.wait()
        now[0] += 1
    limiter.wait()
    assert slept == [57.0]


def test_pagination_stops_on_a_page_seen_twice():
    pages = {"/p1": ("a", "/p2"), "/p2": ("b", "/p1")}
    with pytest.raises(FatalError, match="pagination loop"):
        list(follow_pages("/p1", lambda url: pages[url]))
    assert list(follow_pages("/p2", lambda url: ("b", None))) == ["b"]
