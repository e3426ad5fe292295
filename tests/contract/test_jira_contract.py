"""The sandbox Jira's responses and the connector's requests, checked against Atlassian's own OpenAPI document
for Jira Cloud REST v3 (../shared/specs/jira-cloud-platform-swagger-v3.v3.json)."""

import json
from collections.abc import Iterator
from functools import partial

import pytest
import requests
from openapi_core import Config, OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from openapi_core.validation.response.exceptions import MissingData

from bridge.model import EpicBrief, TicketLine
from connectors.jira.description import adf
from sandboxes.jira import SANDBOX_EMAIL, SANDBOX_TOKEN
from tests.conftest import shared_path
from tests.jira_helpers import served_jira

SPEC_SERVER = "https://your-domain.atlassian.net"
FIELDS = {"project": {"key": "WISH"}, "issuetype": {"id": "10000"}, "summary": "Export reports"}


@pytest.fixture(scope="session")
def jira_spec() -> OpenAPI:
    """Parsed once per session: the document is 2.4 MB."""
    document = json.loads(shared_path("specs", "jira-cloud-platform-swagger-v3.v3.json").read_text())
    return OpenAPI.from_dict(document, config=Config(spec_validator_cls=None))


class Recorder:
    """Keeps every response a requests session receives, to check them against the spec afterwards."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.responses: list[requests.Response] = []

    def attach(self, session: requests.Session) -> requests.Session:
        session.hooks["response"].append(lambda response, *args, **kwargs: self.responses.append(response))
        return session

    def violations(self, spec: OpenAPI) -> list[str]:
        found = []
        for response in self.responses:
            prepared = response.request.copy()
            prepared.url = str(prepared.url).replace(self.base_url, SPEC_SERVER)
            request = RequestsOpenAPIRequest(prepared)
            for check in (partial(spec.validate_request, request),
                          partial(spec.validate_response, request, RequestsOpenAPIResponse(response))):
                try:
                    check()
                except MissingData:
                    # Jira answers 204 (transitions, edits) and property PUTs without a body, where the spec
                    # generator writes an unconstrained `application/json: {schema: {}}`.
                    if response.content:
                        found.append(f"{prepared.method} {prepared.path_url}: body not readable")
                except Exception as error:  # every violation is listed, not only the first
                    cause = error.__cause__ or error
                    found.append(f"{prepared.method} {prepared.path_url} -> {response.status_code}: {cause!r}"[:600])
        return found


@pytest.fixture
def jira() -> Iterator[tuple[object, object, Recorder]]:
    with served_jira() as (connector, sandbox):
        recorder = Recorder(connector.client.base_url)
        recorder.attach(connector.client.session)
        yield connector.client, sandbox, recorder


def raw_session(recorder: Recorder, auth: tuple[str, str] = (SANDBOX_EMAIL, SANDBOX_TOKEN)) -> requests.Session:
    session = recorder.attach(requests.Session())
    session.auth = auth
    return session


def test_the_connectors_calls_and_the_sandboxs_answers_follow_the_jira_cloud_spec(jira_spec, jira):
    connector, _sandbox, recorder = jira
    meta = connector.create_meta("WISH", "Epic")
    brief = EpicBrief(1, "Export", summary="Reports to Excel", tickets=(TicketLine("zendesk #1", "https://d/1"),))
    created = connector.create_issue({**FIELDS, "issuetype": {"id": meta.issue_type_id}, "description": adf(brief),
                                      "labels": ["wishbridge-g1"]}, {"wishbridge": {"group_id": 1}})
    connector.get_issue(created["key"])
    assert [i["key"] for i in connector.search('labels = "wishbridge-g1" ORDER BY created ASC')] == [created["key"]]
    for _ in range(2):
        connector.upsert_remote_link(created["key"], "wishbridge:ticket:zendesk:1", "https://d/1", "zendesk #1",
                                     summary="Acme")
    connector.set_property(created["key"], "wishbridge", {"group_id": 1})
    connector.edit_issue(created["key"], {"description": adf(brief)})
    assert len(recorder.responses) == 9
    assert recorder.violations(jira_spec) == []


def test_the_sandboxs_other_endpoints_follow_the_jira_cloud_spec(jira_spec, jira):
    connector, _sandbox, recorder = jira
    session, api = raw_session(recorder), f"{connector.base_url}/rest/api/3"
    bulk = session.post(f"{api}/issue/bulk", json={"issueUpdates": [{"fields": FIELDS}, {"fields": FIELDS}]}).json()
    key = bulk["issues"][0]["key"]
    transitions = session.get(f"{api}/issue/{key}/transitions").json()["transitions"]
    session.post(f"{api}/issue/{key}/transitions", json={"transition": {"id": transitions[1]["id"]}})
    comment = {"type": "doc", "version": 1, "content": [{"type": "paragraph",
                                                         "content": [{"type": "text", "text": "Customers ask"}]}]}
    session.post(f"{api}/issue/{key}/comment", json={"body": comment})
    session.get(f"{api}/issue/{key}/comment")
    session.post(f"{api}/issue/{key}/remotelink",
                 json={"globalId": "g", "object": {"url": "https://d/1", "title": "t"}})
    session.get(f"{api}/issue/{key}/remotelink", params={"globalId": "g"})
    session.put(f"{api}/issue/{key}/properties/wishbridge", json={"group_id": 3})
    session.get(f"{api}/issue/{key}/properties/wishbridge")
    session.put(f"{api}/issue/{key}", json={"fields": {"fixVersions": [{"name": "5.2"}]}})
    first = session.get(f"{api}/search/jql", params={"jql": "project = WISH", "maxResults": 1}).json()
    session.post(f"{api}/search/jql", json={"jql": "project = WISH", "nextPageToken": first["nextPageToken"],
                                            "fields": ["status"]})
    assert [r.status_code for r in recorder.responses] == [201, 200, 204, 201, 200, 201, 200, 201, 200, 204, 200, 200]
    assert recorder.violations(jira_spec) == []


def test_the_sandboxs_error_bodies_follow_the_jira_cloud_spec(jira_spec, jira):
    connector, _sandbox, recorder = jira
    api = f"{connector.base_url}/rest/api/3"
    refused = raw_session(recorder, auth=(SANDBOX_EMAIL, "wrong")).post(f"{api}/issue", json={"fields": FIELDS})
    invalid = raw_session(recorder).post(f"{api}/issue", json={"fields": {**FIELDS, "summary": ""}})
    unknown = raw_session(recorder).get(f"{api}/search/jql", params={"jql": "issuekey in (WISH-404)"})
    assert (refused.status_code, invalid.status_code, unknown.status_code) == (401, 400, 400)
    assert invalid.json()["errors"] == {"summary": "You must specify a summary of the issue."}
    assert unknown.json()["errorMessages"] == ["An issue with key 'WISH-404' does not exist for field 'issuekey'."]
    assert recorder.violations(jira_spec) == []
