"""The sandbox Tracker's answers and the connector's requests, held to the request and response examples copied
from Yandex's API reference (tests/fixtures/yandex_tracker/, each with its source page in the README): the
same keys with the same JSON types. Yandex publishes no OpenAPI document for Tracker."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from bridge.model import EpicBrief, TicketLink, TicketRef
from sandboxes.yandex_tracker import SANDBOX_ORG_ID, SANDBOX_TOKEN
from tests.conftest import MAPPINGS
from tests.connectors.tracker_harness_yandex import YandexTrackerHarness, yandex_tracker

FIXTURES = Path(__file__).parents[1] / "fixtures" / "yandex_tracker"
NOT_APPLICABLE = {"parent", "sprint", "assignee", "aliases", "screen"}  # see the fixtures' README
ISSUE_PARAMETERS = {  # https://yandex.ru/support/tracker/en/api-ref/issues/request-fields and create-issue
    "queue", "summary", "description", "markupType", "type", "tags", "unique", "parent", "priority", "followers",
    "assignee", "components", "attachmentIds", "fixVersions"}
LOCAL_FIELD = re.compile(r"^[0-9a-f]{24}--\w+$")  # https://yandex.ru/support/tracker/en/api-ref/issues/fields
SEARCH_KINDS = {"queue", "keys", "filter", "query"}


def example(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def kind(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return repr(value) if value is None else "boolean"
    return {dict: "object", list: "array", str: "string", int: "number", float: "number"}[type(value)]


def shape_problems(documented: Any, answered: Any, where: str = "$") -> list[str]:
    """Every key of the documented example that the answer lacks or holds with another JSON type; arrays are
    compared by their first items."""
    if kind(documented) != kind(answered):
        return [f"{where}: {kind(answered)} where Yandex documents {kind(documented)}"]
    if isinstance(documented, dict):
        return [problem for key, value in documented.items() if key not in NOT_APPLICABLE
                for problem in ([f"{where}.{key}: missing"] if key not in answered
                                else shape_problems(value, answered[key], f"{where}.{key}"))]
    if isinstance(documented, list) and documented and answered:
        return shape_problems(documented[0], answered[0], f"{where}[0]")
    return []


class Api:
    """Raw calls to the sandbox, as a client following Yandex's reference would make them."""

    def __init__(self, base_url: str, token: str = SANDBOX_TOKEN) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"OAuth {token}", "X-Org-ID": SANDBOX_ORG_ID})

    def __call__(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, f"{self.base_url}/v3{path}", timeout=10, **kwargs)


@pytest.fixture
def tracker() -> Iterator[YandexTrackerHarness]:
    with yandex_tracker() as harness:
        yield harness


def test_issue_answers_have_the_documented_keys_and_types(tracker):
    api = Api(tracker.base_url)
    created = api("POST", "/issues/", json={**example("create-issue.request.json"), "queue": "WISH"})
    key = created.json()["key"]
    edited = api("PATCH", f"/issues/{key}", json=example("edit-issue.request.json"))
    api("POST", f"/issues/{key}/transitions/start_progress/_execute", json={"comment": "Started"})
    fetched = api("GET", f"/issues/{key}")
    found = api("POST", "/issues/_search", json={"keys": [key]})
    assert [r.status_code for r in (created, edited, fetched, found)] == [201, 200, 200, 200]
    for answer in (fetched.json(), found.json()[0]):
        assert shape_problems(example("issue.json"), answer) == []
    for answer in (created.json(), edited.json()):  # before a transition and a comment
        assert shape_problems(example("issue.json"), answer) == ["$.lastCommentUpdatedAt: missing",
                                                                 "$.previousStatus: missing"]


def test_the_documented_search_request_is_answered_with_paging_headers(tracker):
    api = Api(tracker.base_url)
    found = api("POST", "/issues/_search", params={"perPage": 15}, json=example("search.request.json"))
    assert found.status_code == 200 and found.json() == []
    assert (found.headers["X-Total-Count"], found.headers["X-Total-Pages"]) == ("0", "0")


def test_comment_transition_and_status_answers_have_the_documented_keys_and_types(tracker):
    api = Api(tracker.base_url)
    key = api("POST", "/issues/", json={"queue": "WISH", "summary": "Export"}).json()["key"]
    comment = api("POST", f"/issues/{key}/comments", json={"text": "Customers ask"})
    comments = api("GET", f"/issues/{key}/comments")
    transitions = api("GET", f"/issues/{key}/transitions")
    executed = api("POST", f"/issues/{key}/transitions/close/_execute", json={"resolution": "fixed"})
    statuses = api("GET", "/statuses")
    assert [r.status_code for r in (comment, comments, transitions, executed, statuses)] == [201, 200, 200, 200, 200]
    for name, answer in (("comment.json", comment), ("comments.json", comments), ("transitions.json", transitions),
                         ("transition-execute.json", executed), ("statuses.json", statuses)):
        assert shape_problems(example(name), answer.json()) == [], name
    assert {s["type"] for s in statuses.json()} == {"new", "inProgress", "paused", "done", "cancelled"}


def test_error_answers_have_the_documented_error_body(tracker):
    api = Api(tracker.base_url)
    api("POST", "/issues/", json={"queue": "WISH", "summary": "Export", "unique": "u-1"})
    answers = {
        401: Api(tracker.base_url, token="wrong")("GET", "/statuses"),
        403: requests.get(f"{tracker.base_url}/v3/statuses", headers={"Authorization": f"OAuth {SANDBOX_TOKEN}"},
                          timeout=10),
        404: api("GET", "/issues/WISH-404"),
        409: api("POST", "/issues/", json={"queue": "WISH", "summary": "Export", "unique": "u-1"}),
        422: api("POST", "/issues/", json={"queue": "WISH", "summary": "Export", "colour": "red"}),
        400: api("POST", "/issues/_search", json={"queue": "WISH", "keys": ["WISH-1"]}),
    }
    for status, answer in answers.items():
        assert answer.status_code == status
        assert shape_problems(example("error.json"), answer.json()) == [], status
        assert answer.json()["statusCode"] == status
    assert answers[422].json()["errors"] == {"colour": "Unknown field."}
    assert set(answers[409].json()) == {"errors", "errorMessages", "statusCode"}  # no issue: search for it


def test_the_connectors_requests_use_documented_parameters_and_one_search_criterion(tracker):
    connector = tracker.connector()
    sent: list[requests.PreparedRequest] = []
    connector.client.session.hooks["response"].append(lambda response, *_, **__: sent.append(response.request))
    key = connector.create_epic(7, EpicBrief(7, "Export"), tracker.spec()).issue_key
    connector.create_epic(7, EpicBrief(7, "Export"), tracker.spec())
    connector.find_epic(7)
    connector.adopt_issue(key, 8)
    connector.rewrite_epic(key, EpicBrief(7, "Export"))
    connector.link_ticket(key, TicketLink(TicketRef("zendesk", "1"), "https://d/1", "zendesk #1"))
    connector.poll([key], None, datetime.now(UTC))
    def bodies(method: str, path: str) -> list[dict[str, Any]]:
        return [json.loads(r.body or "{}") for r in sent
                if r.method == method and str(r.path_url).split("?")[0] == path]

    creates, edits = bodies("POST", "/v3/issues/"), bodies("PATCH", f"/v3/issues/{key}")
    assert (len(creates), len(edits)) == (2, 2)
    for body in creates:
        assert {k for k in body if not LOCAL_FIELD.match(k)} <= ISSUE_PARAMETERS
        assert shape_problems({k: v for k, v in example("create-issue.request.json").items() if k in body}, body) == []
    assert all(set(body) <= ISSUE_PARAMETERS for body in edits)
    assert all(len(SEARCH_KINDS & set(body)) == 1 for body in bodies("POST", "/v3/issues/_search"))


def test_the_documented_trigger_uses_the_documented_http_request_action():
    text = (MAPPINGS / "yandex_tracker.yaml").read_text(encoding="utf-8").split("\n")
    start, stop = text.index("#   BEGIN API"), text.index("#   END API")
    trigger = json.loads("\n".join(line.removeprefix("#   ") for line in text[start + 1:stop]))
    [action] = trigger["actions"]
    documented = example("trigger-webhook-action.json")
    assert set(action) <= set(documented) and action["type"] == documented["type"]
    assert {k: kind(v) for k, v in action.items() if k != "body"} == {
        k: kind(documented[k]) for k in action if k != "body"}  # a body is "Object or String"
