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


CUSTOMER = "Ivan Petrov <ivan.petrov@example.com> asks for an XLSX export"


@responses.activate
def test_a_json_body_cut_short_is_retried_like_a_server_error():
    responses.get(f"{BASE}/api/v2/tickets", body=f'{{"tickets": [{{"id": 1, "subject": "{CUSTOMER}"',
                  content_type="application/json")
    responses.get(f"{BASE}/api/v2/tickets", json={"tickets": [{"id": 1}]})
    http, slept = client()
    assert http.get_json("/api/v2/tickets") == {"tickets": [{"id": 1}]}
    assert slept == [1.0] and http.calls == 2


@responses.activate
def test_an_html_page_instead_of_json_is_retried_then_raised_naming_the_endpoint_but_not_the_page():
    page = f"<html><body><h1>Maintenance</h1><p>Last ticket: {CUSTOMER}</p></body></html>"
    for _ in range(3):
        responses.get(f"{BASE}/api/v2/incremental/tickets/cursor.json", body=page, content_type="text/html")
    http, slept = client(retries=2)
    with pytest.raises(RetriableError) as caught:
        http.get_json("/api/v2/incremental/tickets/cursor.json?cursor=abc")
    assert slept == [1.0, 2.0]
    message = str(caught.value)
    assert "GET /api/v2/incremental/tickets/cursor.json" in message and "not JSON (text/html" in message
    assert "Ivan" not in message and "Maintenance" not in message and "cursor=abc" not in message


@responses.activate
def test_a_body_that_breaks_off_mid_transfer_is_retried():
    responses.get(f"{BASE}/x", body=requests.exceptions.ChunkedEncodingError("IncompleteRead(512 bytes read)"))
    responses.get(f"{BASE}/x", json={"ok": True})
    http, slept = client()
    assert http.get_json("/x") == {"ok": True}
    assert slept == [1.0]


@responses.activate
def test_an_error_status_with_a_body_that_is_not_json_never_quotes_the_body():
    responses.get(f"{BASE}/api/v2/tickets/5.json", status=422, body=f"<html>{CUSTOMER}</html>",
                  content_type="text/html")
    http, _ = client()
    with pytest.raises(FatalError) as caught:
        http.get_json("/api/v2/tickets/5.json")
    assert "Ivan" not in str(caught.value) and "not JSON (text/html" in str(caught.value)
