import pytest

from bridge.mapping import load_mappings
from bridge.runtime import Runtime
from bridge.web.api import RATE_LIMITS, rate_limits
from bridge.web.app import create_app
from bridge.web.ratelimit import Limits, SlidingWindow
from bridge.workflow import lifecycle as wishes
from tests.wish_helpers import queued

KEY = "product-key-1"
WISH = {"customer_id": "acc-42", "text": "Добавьте выгрузку отчётов в Excel", "organization": "Ромашка",
        "category": "reports", "subcategory": "export"}


@pytest.fixture
def client(engine, settings):
    runtime = Runtime(settings.replace(WISHBRIDGE_API_KEYS=f"{KEY},other-key"))
    runtime.__dict__["engine"] = engine
    return create_app(runtime=runtime).test_client()


def post(client, body, headers=None):
    return client.post("/api/v1/wishes", json=body, headers={"Authorization": f"Bearer {KEY}"}
                       if headers is None else headers)


def test_a_product_wish_is_registered_with_its_group_and_can_be_followed(client, engine):
    created = post(client, WISH)
    assert created.status_code == 201
    body = created.get_json()
    followed = client.get(f"/api/v1/wishes/{body['wish_id']}", headers={"X-API-Key": KEY})
    assert followed.status_code == 200
    assert body["number"] == f"W-{body['group_id']}"
    assert followed.get_json() == {"wish_id": body["wish_id"], "group_id": body["group_id"], "number": body["number"],
                                   "title": WISH["text"], "stage": "registered", "reason": None}
    with engine.connect() as conn:
        assert queued(conn) == [], "the product door has no helpdesk ticket to write to"


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"X-API-Key": ""},
                                     {"Authorization": KEY}])
def test_a_missing_or_wrong_key_is_401(client, headers):
    response = post(client, WISH, headers)
    assert response.status_code == 401
    assert "API key" in response.get_json()["error"]


def test_a_body_that_is_not_json_is_415(client):
    response = client.post("/api/v1/wishes", data="text=hello", headers={"X-API-Key": KEY},
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415


@pytest.mark.parametrize("change, field", [
    ({"text": None}, "text"),
    ({"customer_id": "  "}, "customer_id"),
    ({"text": "x" * 5001}, "text"),
    ({"title": "t" * 201}, "title"),
    ({"organization": 42}, "organization"),
    ({"language": "de"}, "language"),
    ({"category": "taxes"}, "category"),
    ({"subcategory": "roaming"}, "subcategory"),
    ({"priority": "high"}, "priority"),
])
def test_an_invalid_field_is_400_naming_the_field(client, change, field):
    body = {key: value for key, value in {**WISH, **change}.items() if value is not None}
    response = post(client, body)
    assert response.status_code == 400
    assert response.get_json()["field"] == field
    assert field in response.get_json()["error"]


def test_a_body_that_is_not_an_object_is_400(client):
    assert post(client, ["text"]).status_code == 400


def test_text_of_exactly_the_limit_is_accepted(client):
    assert post(client, {**WISH, "text": "я" * 5000}).status_code == 201


def test_more_than_ten_wishes_an_hour_from_one_customer_is_429_with_retry_after(client):
    statuses = [post(client, {**WISH, "text": f"Пожелание {n}"}).status_code for n in range(11)]
    limited = post(client, {**WISH, "text": "Ещё одно"})
    assert statuses[:10] == [201] * 10 and statuses[10] == 429
    assert 0 < int(limited.headers["Retry-After"]) <= 3600
    assert post(client, {**WISH, "customer_id": "acc-43"}).status_code == 201
    assert post(client, WISH, {"X-API-Key": "other-key"}).status_code == 201


def test_changing_customer_id_does_not_escape_the_limit_of_the_client_address(client):
    statuses = [post(client, {**WISH, "customer_id": f"acc-{n}", "text": f"Пожелание {n}"}).status_code
                for n in range(RATE_LIMITS["address"] + 1)]
    assert statuses[:-1] == [201] * RATE_LIMITS["address"] and statuses[-1] == 429
    limited = post(client, {**WISH, "customer_id": "acc-new"})
    assert limited.get_json()["error"] == "too many wishes from your address: 30 per hour at most"
    assert 0 < int(limited.headers["Retry-After"]) <= 3600
    elsewhere = client.post("/api/v1/wishes", json=WISH, headers={"X-API-Key": KEY},
                            environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert elsewhere.status_code == 201


def test_one_key_has_its_own_limit_across_customers_and_addresses(client):
    client.application.extensions["wishbridge.api_limiter"] = rate_limits(key=3)
    statuses = [client.post("/api/v1/wishes", json={**WISH, "customer_id": f"acc-{n}"}, headers={"X-API-Key": KEY},
                            environ_base={"REMOTE_ADDR": f"203.0.113.{n}"}).status_code for n in range(4)]
    assert statuses == [201, 201, 201, 429]
    assert post(client, WISH, {"X-API-Key": "other-key"}).status_code == 201


def test_a_request_one_window_refuses_counts_against_no_window():
    limits = Limits({"customer": SlidingWindow(1, 60), "address": SlidingWindow(5, 60)})
    assert limits.hit({"customer": "acc-1", "address": "10.0.0.1"}) is None
    for _ in range(3):
        name, wait = limits.hit({"customer": "acc-1", "address": "10.0.0.1"})
        assert name == "customer" and 0 < wait <= 60
    assert [limits.hit({"customer": f"acc-{n}", "address": "10.0.0.1"}) for n in range(2, 6)] == [None] * 4


def test_the_window_slides_so_old_hits_stop_counting():
    now = [0.0]
    window = SlidingWindow(2, 60, clock=lambda: now[0])
    assert window.hit("k") is None and window.hit("k") is None
    now[0] = 30.0
    assert window.hit("k") == pytest.approx(30.0)
    now[0] = 60.0
    assert window.hit("k") is None


def test_an_unknown_wish_is_404(client):
    assert client.get("/api/v1/wishes/999", headers={"X-API-Key": KEY}).status_code == 404



def test_the_product_sees_a_decline_with_its_reason(client, engine, settings):
    created = post(client, WISH).get_json()
    with engine.begin() as conn:
        wishes.decide(conn, load_mappings(settings.mappings_dir), created["group_id"], "decline", "pm",
                      "not planned this year")
    followed = client.get(f"/api/v1/wishes/{created['wish_id']}", headers={"X-API-Key": KEY}).get_json()
    assert (followed["stage"], followed["reason"]) == ("declined", "not planned this year")


def test_behind_a_configured_proxy_the_forwarded_address_is_the_one_limited(engine, settings):
    runtime = Runtime(settings.replace(WISHBRIDGE_API_KEYS=KEY, WISHBRIDGE_PROXIES="1"))
    runtime.__dict__["engine"] = engine
    client = create_app(runtime=runtime).test_client()
    client.application.extensions["wishbridge.api_limiter"] = rate_limits(address=1)

    def from_address(address, customer):
        return client.post("/api/v1/wishes", json={**WISH, "customer_id": customer},
                           headers={"X-API-Key": KEY, "X-Forwarded-For": address}).status_code

    assert [from_address("198.51.100.1", "a"), from_address("198.51.100.2", "b"),
            from_address("198.51.100.1", "c")] == [201, 201, 429]
