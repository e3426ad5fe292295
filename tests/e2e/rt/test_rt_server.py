"""What a real RT 5 REST2 server does for the calls our connector makes.

Plain ``requests`` against the ``rt_server`` fixture (see conftest.py).  The
asserted quirks were observed on Debian bookworm's request-tracker5
5.0.3+dfsg-3~deb12u6 with the SQLite database, ``$Timezone = 'UTC'`` and the
wishbridge user's own time zone America/New_York that install_rt.sh sets up.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

pytestmark = pytest.mark.e2e

TIMEOUT = 30
JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def http(rt_server) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"token {rt_server.token}"
    session.headers["Accept"] = "application/json"
    return session


@pytest.fixture(scope="module")
def tag() -> str:
    """A marker put in every subject, so searches only see this run's tickets."""
    return f"wbe2e{uuid.uuid4().hex[:10]}"


def _create(http: requests.Session, rt_server, subject: str, **fields: Any) -> int:
    body = {"Queue": rt_server.queue, "Subject": subject, **fields}
    resp = http.post(f"{rt_server.rest2}/ticket", json=body, headers=JSON, timeout=TIMEOUT)
    assert resp.status_code == 201, resp.text
    return int(resp.json()["id"])


def _ticket(http: requests.Session, rt_server, ticket_id: int) -> requests.Response:
    resp = http.get(f"{rt_server.rest2}/ticket/{ticket_id}", timeout=TIMEOUT)
    assert resp.status_code == 200, resp.text
    return resp


def _cfs(ticket_json: dict) -> dict[str, list[str]]:
    # CustomFields is a list of {"name", "values", "id", "type", "_url"}; its
    # order is not stable between requests, so always map it by name.
    return {cf["name"]: cf["values"] for cf in ticket_json["CustomFields"]}


def _search(http: requests.Session, rt_server, query: str, **params: Any) -> dict:
    resp = http.get(f"{rt_server.rest2}/tickets", params={"query": query, **params}, timeout=TIMEOUT)
    assert resp.status_code == 200, resp.text
    return resp.json()


def _rt_time(value: str) -> datetime:
    # REST2 gives dates as "2026-11-24T06:53:34Z" (UTC), unset ones as 1970-01-01T00:00:00Z.
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def _user_zone(http: requests.Session, rt_server) -> ZoneInfo:
    """The bridge's RT user's own time zone (REST2 leaves `Timezone` out when the user has none)."""
    user = http.get(f"{rt_server.rest2}/user/wishbridge", timeout=TIMEOUT).json()
    return ZoneInfo(user.get("Timezone") or "UTC")


def _local(when: datetime, zone: ZoneInfo) -> str:
    return when.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


def test_rest2_root_version_and_auth(http, rt_server):
    # /REST/2.0/ itself is 404 even when authenticated (401 without a token);
    # /REST/2.0/rt answers {"Version": ...}.
    assert requests.get(f"{rt_server.rest2}/", timeout=TIMEOUT).status_code == 401
    assert http.get(f"{rt_server.rest2}/", timeout=TIMEOUT).status_code == 404
    bad = requests.get(f"{rt_server.rest2}/rt", headers={"Authorization": "token 1-1-nope"}, timeout=TIMEOUT)
    assert bad.status_code == 401
    resp = http.get(f"{rt_server.rest2}/rt", timeout=TIMEOUT)
    assert resp.status_code == 200
    assert resp.json()["Version"].startswith("5.0.")


def test_create_ticket_with_category_and_subcategory(http, rt_server, tag):
    resp = http.post(
        f"{rt_server.rest2}/ticket",
        json={
            "Queue": rt_server.queue,
            "Subject": f"{tag} Хочу выгрузку",
            "Content": "Нужна выгрузка кодов маркировки в Excel",
            "ContentType": "text/plain",
            "CustomFields": {"Category": "Отчёты", "Subcategory": "Выгрузки"},
        },
        headers=JSON,
        timeout=TIMEOUT,
    )
    assert resp.status_code == 201, resp.text
    created = resp.json()
    # The id in the create answer is a string; the Location header is relative.
    assert isinstance(created["id"], str)
    ticket_id = int(created["id"])
    assert created["_url"].endswith(f"/REST/2.0/ticket/{ticket_id}")
    assert resp.headers["Location"] == f"/REST/2.0/ticket/{ticket_id}"

    ticket = _ticket(http, rt_server, ticket_id).json()
    assert ticket["id"] == ticket_id  # an int here
    assert ticket["Subject"] == f"{tag} Хочу выгрузку"
    assert ticket["Queue"]["id"] == str(_queue_id(http, rt_server))
    assert ticket["Status"] == "new"
    assert _cfs(ticket) == {"Category": ["Отчёты"], "Subcategory": ["Выгрузки"]}
    # Unset dates are the epoch, not null; no Requestor is added for the REST2 creator.
    assert ticket["Due"] == "1970-01-01T00:00:00Z"
    assert ticket["Requestor"] == []
    assert ticket["Creator"]["type"] == "user"


def _queue_id(http: requests.Session, rt_server) -> int:
    resp = http.get(f"{rt_server.rest2}/queue/{rt_server.queue}", timeout=TIMEOUT)
    assert resp.status_code == 200, resp.text
    return int(resp.json()["id"])


def test_create_requires_json_content_type(http, rt_server, tag):
    resp = http.post(
        f"{rt_server.rest2}/ticket",
        data=json.dumps({"Queue": rt_server.queue, "Subject": f"{tag} no content type"}),
        timeout=TIMEOUT,
    )
    assert resp.status_code == 415
    assert resp.json() == {"message": "Unsupported Media Type"}


def test_create_with_unknown_cf_value_silently_drops_it(http, rt_server, tag):
    # 201 and a ticket, but the invalid Select value is just not stored.
    ticket_id = _create(http, rt_server, f"{tag} bad category", CustomFields={"Category": "Нет такой"})
    assert _cfs(_ticket(http, rt_server, ticket_id).json())["Category"] == []


def test_subcategory_values_carry_their_category(http, rt_server):
    queue = http.get(f"{rt_server.rest2}/queue/{rt_server.queue}", timeout=TIMEOUT).json()
    cf_ids = {cf["name"]: cf["id"] for cf in queue["TicketCustomFields"]}
    assert {"Category", "Subcategory"} <= set(cf_ids)

    sub = http.get(f"{rt_server.rest2}/customfield/{cf_ids['Subcategory']}", timeout=TIMEOUT)
    assert sub.status_code == 200
    sub_json = sub.json()
    assert sub_json["Type"] == "Select" and sub_json["MaxValues"] == "1"
    assert sub_json["BasedOn"]["id"] == cf_ids["Category"]
    assert "Выгрузки" in sub_json["Values"]  # names only, no categories

    # The values collection ignores fields= and never has the Category: it
    # takes one GET per value.
    values = http.get(
        f"{rt_server.rest2}/customfield/{cf_ids['Subcategory']}/values",
        params={"per_page": 100, "fields": "Name,Category"},
        timeout=TIMEOUT,
    ).json()
    assert values["total"] == len(values["items"]) >= 8
    assert all(set(item) == {"_url", "id", "name", "type"} for item in values["items"])
    categories = {}
    for item in values["items"]:
        value = http.get(item["_url"], timeout=TIMEOUT).json()
        categories[value["Name"]] = value["Category"]
        # the value's own "self" hyperlink (…/customfieldvalue/N) is a 404
        self_link = next(h for h in value["_hyperlinks"] if h["ref"] == "self")["_url"]
        assert "/customfieldvalue/" in self_link
    assert categories["Выгрузки"] == "Отчёты"
    assert categories["Коды DataMatrix"] == "Маркировка"
    assert categories["Invoices"] == "Billing"
    assert http.get(self_link, timeout=TIMEOUT).status_code == 404

    # /queue/<name>/customfields is 404, /queue/<id>/customfields works
    assert (
        http.get(f"{rt_server.rest2}/queue/{rt_server.queue}/customfields", timeout=TIMEOUT).status_code
        == 404
    )
    by_id = http.get(f"{rt_server.rest2}/queue/{queue['id']}/customfields", timeout=TIMEOUT)
    assert by_id.status_code == 200


def test_search_lastupdated_with_paging(http, rt_server, tag):
    subject = f"{tag} paging"
    ids = [_create(http, rt_server, f"{subject} {n}") for n in range(3)]
    first = _rt_time(_ticket(http, rt_server, ids[0]).json()["LastUpdated"])
    since = _local(first - timedelta(seconds=1), _user_zone(http, rt_server))
    query = f"Queue = '{rt_server.queue}' AND Subject LIKE '{subject}' AND LastUpdated >= '{since}'"

    page1 = _search(
        http, rt_server, query, per_page=2, page=1, fields="LastUpdated,Subject", orderby="id", order="ASC"
    )
    assert (page1["page"], page1["per_page"], page1["total"], page1["count"], page1["pages"]) == (
        1,
        2,
        3,
        2,
        2,
    )
    assert "prev_page" not in page1
    assert [int(i["id"]) for i in page1["items"]] == ids[:2]  # ids are strings in items
    assert all(set(i) >= {"id", "type", "_url", "LastUpdated", "Subject"} for i in page1["items"])
    # next_page is absolute and carries an odd empty "&=&" parameter, but works as is.
    assert page1["next_page"].startswith(f"{rt_server.rest2}/tickets?")
    assert "page=2" in page1["next_page"]
    assert "&=&" in page1["next_page"]

    page2 = http.get(page1["next_page"], timeout=TIMEOUT).json()
    assert (page2["page"], page2["count"], page2["total"]) == (2, 1, 3)
    assert "next_page" not in page2 and "prev_page" in page2
    assert [int(i["id"]) for i in page2["items"]] == ids[2:]

    # per_page is capped at 100; an empty result has "pages": 0.0 (a float).
    capped = _search(http, rt_server, query, per_page=1000)
    assert capped["per_page"] == 100
    empty = _search(http, rt_server, f"Subject LIKE '{tag}-nothing-matches'")
    assert (empty["total"], empty["count"], empty["items"]) == (0, 0, [])
    assert empty["pages"] == 0 and isinstance(empty["pages"], float)

    # TicketSQL errors are a 400 with Perl's message.
    bad = http.get(f"{rt_server.rest2}/tickets", params={"query": "Bogus = 1"}, timeout=TIMEOUT)
    assert bad.status_code == 400
    assert bad.json()["message"].startswith("Unknown field: Bogus")


def test_ticketsql_dates_are_read_in_the_users_zone_and_relative_ones_from_now(http, rt_server, tag):
    ticket_id = _create(http, rt_server, f"{tag} dates")
    updated = _rt_time(_ticket(http, rt_server, ticket_id).json()["LastUpdated"])
    zone = _user_zone(http, rt_server)
    assert str(zone) == "America/New_York"
    day = updated.astimezone(zone).strftime("%Y-%m-%d")

    def ids_after(value: str) -> list[int]:
        found = _search(http, rt_server, f"id = {ticket_id} AND LastUpdated > '{value}'")
        return [int(i["id"]) for i in found["items"]]

    # "…T23:59:59Z" is read as midnight of that day, so it still matches a
    # ticket updated earlier that day.
    assert ids_after(f"{day}T23:59:59Z") == [ticket_id]
    # Without the Z (with a T or a space) the time is kept, to the second, as
    # a time of the user's own zone.
    assert ids_after(f"{day}T23:59:59") == []
    assert ids_after(f"{day} 23:59:59") == []
    assert ids_after(_local(updated - timedelta(seconds=1), zone)) == [ticket_id]
    assert ids_after(_local(updated, zone)) == []
    # An offset written after the time is ignored: UTC time with "+00:00" is
    # still read as New York time, five hours later, and misses the ticket.
    utc_before = (updated - timedelta(seconds=1)).strftime("%Y-%m-%d %H:%M:%S")
    assert ids_after(f"{utc_before} +00:00") == []
    # "-N seconds" counts back from RT's own clock, whatever the zone; in
    # "N seconds ago" a four-digit N is read as a year.
    ago = int((datetime.now(UTC) - updated).total_seconds()) + 60
    assert ids_after(f"-{ago} seconds") == [ticket_id]
    assert ids_after("3000 seconds ago") == []


def test_comment_and_correspond_then_history(http, rt_server, tag):
    ticket_id = _create(
        http, rt_server, f"{tag} conversation", Content="Первое сообщение", ContentType="text/plain"
    )
    base = f"{rt_server.rest2}/ticket/{ticket_id}"

    comment = http.post(
        f"{base}/comment",
        headers=JSON,
        timeout=TIMEOUT,
        json={"Content": "Внутренний комментарий", "ContentType": "text/plain"},
    )
    assert comment.status_code == 201, comment.text
    assert comment.json() == ["Comments added"]

    reply = http.post(
        f"{base}/correspond",
        headers=JSON,
        timeout=TIMEOUT,
        json={"Subject": "Ответ", "Content": "Ответ клиенту", "ContentType": "text/plain"},
    )
    assert reply.status_code == 201, reply.text
    assert reply.json() == ["Correspondence added"]

    # A text/plain body is taken as the content of the comment.
    plain = http.post(
        f"{base}/comment", data=b"plain body", headers={"Content-Type": "text/plain"}, timeout=TIMEOUT
    )
    assert plain.status_code == 201
    assert plain.json() == ["Comments added"]

    history = http.get(
        f"{base}/history",
        timeout=TIMEOUT,
        params={"per_page": 50, "fields": "Type,Creator,Created,Field,OldValue,NewValue,Data"},
    )
    assert history.status_code == 200
    hist = history.json()
    # History paging has "total": null and "pages": null (only count is set).
    assert hist["total"] is None and hist["pages"] is None
    assert hist["count"] == len(hist["items"])
    types = [t["Type"] for t in hist["items"]]
    # The correspondence re-opens the ticket: a Status new->open by RT_System.
    assert types == ["Create", "Comment", "Correspond", "Status", "Comment"]
    by_type = {t["Type"]: t for t in hist["items"]}
    assert by_type["Status"]["OldValue"] == "new" and by_type["Status"]["NewValue"] == "open"
    assert by_type["Status"]["Creator"]["id"] == "RT_System"
    # Data is the subject: "No Subject" when none was sent; a sent subject
    # comes back with a trailing newline.
    assert hist["items"][1]["Data"] == "No Subject"
    assert by_type["Correspond"]["Data"] == "Ответ\n"
    assert all(isinstance(t["id"], str) for t in hist["items"])

    # The texts: one attachment per message, Content decoded (not base64) when
    # asked for through fields=.
    attachments = http.get(
        f"{base}/attachments",
        timeout=TIMEOUT,
        params={"fields": "TransactionId,ContentType,Content", "per_page": 50},
    )
    texts = {(a["TransactionId"], a["Content"]) for a in attachments.json()["items"]}
    txn_ids = [t["id"] for t in hist["items"]]
    assert (txn_ids[1], "Внутренний комментарий") in texts
    assert (txn_ids[2], "Ответ клиенту") in texts
    assert (txn_ids[4], "plain body") in texts
    assert _ticket(http, rt_server, ticket_id).json()["Status"] == "open"


def test_update_custom_fields_with_if_match_and_clear_with_null(http, rt_server, tag):
    ticket_id = _create(
        http, rt_server, f"{tag} update", CustomFields={"Category": "Маркировка", "Subcategory": "Агрегация"}
    )
    url = f"{rt_server.rest2}/ticket/{ticket_id}"
    etag = _ticket(http, rt_server, ticket_id).headers["ETag"]
    # The ETag is the quoted id of the ticket's last transaction.
    assert etag.startswith('"') and etag.strip('"').isdigit()

    stale = http.put(
        url,
        json={"CustomFields": {"Category": "Billing"}},
        headers={**JSON, "If-Match": '"1"'},
        timeout=TIMEOUT,
    )
    assert stale.status_code == 412
    assert stale.json() == {"message": "Precondition Failed"}

    ok = http.put(
        url,
        json={"CustomFields": {"Category": "Billing", "Subcategory": "Invoices"}},
        headers={**JSON, "If-Match": etag},
        timeout=TIMEOUT,
    )
    assert ok.status_code == 200, ok.text
    assert sorted(ok.json()) == [
        "Category Маркировка changed to Billing",
        "Subcategory Агрегация changed to Invoices",
    ]
    new_etag = _ticket(http, rt_server, ticket_id).headers["ETag"]
    assert new_etag != etag
    again = http.put(url, json={"Subject": "late"}, headers={**JSON, "If-Match": etag}, timeout=TIMEOUT)
    assert again.status_code == 412

    cleared = http.put(
        url,
        json={"CustomFields": {"Subcategory": None}},
        headers={**JSON, "If-Match": new_etag},
        timeout=TIMEOUT,
    )
    assert cleared.status_code == 200
    assert cleared.json() == ["Invoices is no longer a value for custom field Subcategory"]
    assert _cfs(_ticket(http, rt_server, ticket_id).json()) == {"Category": ["Billing"], "Subcategory": []}


def test_bad_cf_value_on_update_is_200_invalid_value(http, rt_server, tag):
    ticket_id = _create(http, rt_server, f"{tag} bad update", CustomFields={"Category": "Billing"})
    url = f"{rt_server.rest2}/ticket/{ticket_id}"
    resp = http.put(url, json={"CustomFields": {"Category": "Нет такой"}}, headers=JSON, timeout=TIMEOUT)
    assert resp.status_code == 200
    assert resp.json() == ["Invalid value for custom field"]
    assert _cfs(_ticket(http, rt_server, ticket_id).json())["Category"] == ["Billing"]

    # "Categories are based on" is a UI filter only: REST2 stores a
    # Subcategory from another Category without complaint.
    mismatch = http.put(
        url, json={"CustomFields": {"Subcategory": "Коды DataMatrix"}}, headers=JSON, timeout=TIMEOUT
    )
    assert mismatch.status_code == 200
    assert mismatch.json() == ["Subcategory Коды DataMatrix added"]
    assert _cfs(_ticket(http, rt_server, ticket_id).json()) == {
        "Category": ["Billing"],
        "Subcategory": ["Коды DataMatrix"],
    }


def test_conditional_get_headers(http, rt_server, tag):
    ticket_id = _create(http, rt_server, f"{tag} conditional")
    resp = _ticket(http, rt_server, ticket_id)
    # Last-Modified is ISO 8601 ("2026-11-24T06:53:34Z"), not an HTTP-date.
    _rt_time(resp.headers["Last-Modified"])

    past = "Mon, 01 Jan 2001 00:00:00 GMT"
    future = "Fri, 01 Jan 2100 00:00:00 GMT"
    # On a record, a past If-Modified-Since is a 500 with an empty body
    # (Web::Machine calls ->epoch on that ISO string).
    record = http.get(
        f"{rt_server.rest2}/ticket/{ticket_id}", headers={"If-Modified-Since": past}, timeout=TIMEOUT
    )
    assert record.status_code == 500 and record.content == b""
    # On a collection it is a 304 although tickets changed since then.
    search = http.get(
        f"{rt_server.rest2}/tickets",
        params={"query": f"id = {ticket_id}"},
        headers={"If-Modified-Since": past},
        timeout=TIMEOUT,
    )
    assert search.status_code == 304
    # A date in the future is ignored: normal 200 answers.
    for path, params in ((f"ticket/{ticket_id}", {}), ("tickets", {"query": f"id = {ticket_id}"})):
        resp = http.get(
            f"{rt_server.rest2}/{path}", params=params, headers={"If-Modified-Since": future}, timeout=TIMEOUT
        )
        assert resp.status_code == 200
