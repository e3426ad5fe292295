import hashlib
import hmac
import json

import pytest
import responses
from responses import matchers

from bridge.errors import FatalError, InvalidSignature, RetriableError
from bridge.model import STATUS_CHANGED
from connectors.jira import JiraConnector
from tests.conftest import SHARED, shared_path

URL = "https://acme.atlassian.net"
SECRET = "webhook-secret"
TOKEN = "api-token-that-must-not-leak"
PAYLOADS = sorted((SHARED / "data" / "webhooks" / "jira").glob("*.json"))


def cloud() -> JiraConnector:
    return JiraConnector(URL, email="bridge@acme.com", token=TOKEN, webhook_secret=SECRET)


def server() -> JiraConnector:
    return JiraConnector("https://jira.acme.local", token=TOKEN, deployment="server", webhook_secret=SECRET)


def signed(body: bytes, secret: str = SECRET, **extra: str) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Hub-Signature": f"sha256={digest}", "Content-Type": "application/json", **extra}


def payload(name: str) -> bytes:
    return shared_path("data", "webhooks", "jira", name).read_bytes()


@responses.activate
def test_cloud_calls_rest_v3_with_basic_auth_and_server_calls_rest_v2_with_a_bearer_token():
    responses.get(f"{URL}/rest/api/3/issue/WISH-1", json={"key": "WISH-1", "fields": {}})
    responses.get("https://jira.acme.local/rest/api/2/issue/WISH-1", json={"key": "WISH-1", "fields": {}})
    cloud().client.get_issue("WISH-1")
    server().client.get_issue("WISH-1")
    assert responses.calls[0].request.headers["Authorization"].startswith("Basic ")
    assert responses.calls[1].request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert responses.calls[0].request.params == {"fields": "status,resolution,fixVersions,updated"}


@responses.activate
def test_create_metadata_marks_epic_name_only_where_the_project_requires_it():
    responses.get(f"{URL}/rest/api/3/issue/createmeta/WISH/issuetypes",
                  json={"issueTypes": [{"id": "1", "name": "Task"}, {"id": "7", "name": "Epic"}]})
    responses.get(f"{URL}/rest/api/3/issue/createmeta/WISH/issuetypes/7", json={"fields": [
        {"fieldId": "summary", "key": "summary", "name": "Summary", "required": True},
        {"fieldId": "customfield_10011", "key": "customfield_10011", "name": "Epic Name", "required": True},
    ]})
    meta = cloud().client.create_meta("WISH", "epic")
    assert meta.issue_type_id == "7"
    epic_name = meta.required("Epic Name")
    assert epic_name is not None and epic_name.field_id == "customfield_10011"
    assert meta.required("Description") is None


@responses.activate
def test_server_create_metadata_reads_the_values_pages_of_data_center():
    base = "https://jira.acme.local/rest/api/2/issue/createmeta/WISH/issuetypes"
    responses.get(base, json={"values": [{"id": "10000", "name": "Epic"}]})
    responses.get(f"{base}/10000", json={"values": [
        {"fieldId": "customfield_10100", "name": "Epic Name", "required": False}]})
    assert server().client.create_meta("WISH", "Epic").required("Epic Name") is None


@responses.activate
def test_an_unknown_issue_type_is_fatal_and_names_the_project():
    responses.get(f"{URL}/rest/api/3/issue/createmeta/WISH/issuetypes", json={"issueTypes": []})
    with pytest.raises(FatalError, match="WISH has no issue type 'Epic'"):
        cloud().client.create_meta("WISH", "Epic")


@responses.activate
def test_create_issue_sends_the_properties_in_the_same_call():
    responses.post(f"{URL}/rest/api/3/issue", status=201, json={"id": "10001", "key": "WISH-1", "self": "x"},
                   match=[matchers.json_params_matcher({
                       "fields": {"summary": "Export"},
                       "properties": [{"key": "wishbridge", "value": {"group_id": 4}}]})])
    assert cloud().client.create_issue({"summary": "Export"}, {"wishbridge": {"group_id": 4}})["key"] == "WISH-1"


@responses.activate
def test_a_429_is_retriable_after_the_vendors_retry_after_and_names_the_endpoint():
    responses.get(f"{URL}/rest/api/3/issue/WISH-1", status=429, headers={"Retry-After": "30"},
                  json={"errorMessages": ["Rate limit exceeded."]})
    connector = cloud()
    with pytest.raises(RetriableError) as caught:
        connector.client.get_issue("WISH-1")
    assert caught.value.retry_after == 30
    assert "GET /rest/api/3/issue/WISH-1" in str(caught.value)
    assert connector.calls == 1


@responses.activate
def test_a_401_is_fatal_with_jiras_message_and_never_the_credentials():
    responses.post(f"{URL}/rest/api/3/issue/WISH-1/remotelink", status=401,
                   json={"errorMessages": ["Client must be authenticated to access this resource."], "errors": {}})
    with pytest.raises(FatalError) as caught:
        cloud().client.upsert_remote_link("WISH-1", "g", "https://desk/1", "t")
    text = f"{caught.value} {caught.value.__context__} {caught.value.__cause__}"
    assert "Client must be authenticated" in text and "POST /rest/api/3/issue/WISH-1/remotelink" in text
    assert TOKEN not in text and "bridge@acme.com" not in text


@responses.activate
def test_a_remote_link_is_posted_with_its_stable_global_id_so_jira_updates_it():
    body = {"globalId": "wishbridge:ticket:zendesk:42", "relationship": "requested by",
            "object": {"url": "https://desk/42", "title": "zendesk #42: Export", "summary": "Acme"}}
    responses.post(f"{URL}/rest/api/3/issue/WISH-1/remotelink", status=201, json={"id": 10000, "self": "x"},
                   match=[matchers.json_params_matcher(body)])
    responses.post(f"{URL}/rest/api/3/issue/WISH-1/remotelink", status=200, json={"id": 10000, "self": "x"},
                   match=[matchers.json_params_matcher(body)])
    connector = cloud()
    first = connector.client.upsert_remote_link("WISH-1", "wishbridge:ticket:zendesk:42", "https://desk/42",
                                         "zendesk #42: Export", summary="Acme")
    again = connector.client.upsert_remote_link("WISH-1", "wishbridge:ticket:zendesk:42", "https://desk/42",
                                         "zendesk #42: Export", summary="Acme")
    assert first == again == 10000


@responses.activate
def test_given_two_pages_when_searching_on_cloud_then_next_page_token_fetches_the_second():
    search = f"{URL}/rest/api/3/search/jql"
    responses.get(search, json={"issues": [{"key": "WISH-1"}], "nextPageToken": "t2", "isLast": False},
                  match=[matchers.query_param_matcher({"jql": "labels = x", "fields": "status", "maxResults": "1"})])
    responses.get(search, json={"issues": [{"key": "WISH-2"}], "isLast": True},
                  match=[matchers.query_param_matcher({"jql": "labels = x", "fields": "status", "maxResults": "1",
                                                       "nextPageToken": "t2"})])
    found = [issue["key"] for issue in cloud().client.search("labels = x", ["status"], page_size=1)]
    assert found == ["WISH-1", "WISH-2"]


@responses.activate
def test_given_two_pages_when_searching_on_server_then_start_at_fetches_the_second():
    search = "https://jira.acme.local/rest/api/2/search"
    responses.get(search, json={"issues": [{"key": "WISH-1"}], "total": 2},
                  match=[matchers.query_param_matcher({"startAt": "0"}, strict_match=False)])
    responses.get(search, json={"issues": [{"key": "WISH-2"}], "total": 2},
                  match=[matchers.query_param_matcher({"startAt": "1"}, strict_match=False)])
    assert [i["key"] for i in server().client.search("labels = x", page_size=1)] == ["WISH-1", "WISH-2"]


def test_every_shared_jira_webhook_payload_parses():
    if not PAYLOADS:
        shared_path("data", "webhooks", "jira")
    for path in PAYLOADS:
        body = path.read_bytes()
        events = cloud().parse_webhook(signed(body), body)
        assert len(events) == 1, path.name
        assert events[0].issue_key == json.loads(body)["issue"]["key"], path.name


def test_a_resolution_and_status_change_is_read_from_the_changelog():
    body = payload("webhook-issue-updated-resolved.json")
    [event] = cloud().parse_webhook(signed(body, **{"X-Atlassian-Webhook-Identifier": "d-1"}), body)
    assert (event.kind, event.delivery_id, event.issue_key) == (STATUS_CHANGED, "d-1", "TES-41")
    assert {k: event.payload[k] for k in ("status", "status_category", "resolution")} == {
        "status": "Done", "status_category": "done", "resolution": "Done"}


def test_a_reopened_issue_loses_its_resolution():
    body = payload("webhook-server-issue-updated-reopened.json")
    [event] = server().parse_webhook(signed(body), body)
    assert event.kind == STATUS_CHANGED
    assert (event.payload["status"], event.payload["resolution"]) == ("Reopened", None)


def test_a_fix_version_change_counts_as_a_status_change_and_carries_the_version():
    body = payload("webhook-issue-updated-fix-version.json")
    [event] = cloud().parse_webhook(signed(body), body)
    assert event.kind == STATUS_CHANGED and event.payload["fix_versions"] == ["v2"]


@pytest.mark.parametrize("name", ["webhook-issue-updated-labels.json", "webhook-issue-assigned-empty-changelog.json",
                                  "webhook-issue-updated-rank.json"])
def test_updates_that_touch_neither_status_resolution_nor_fix_version_are_not_status_changes(name):
    body = payload(name)
    [event] = cloud().parse_webhook(signed(body), body)
    assert event.kind == "issue_updated"


def test_the_event_type_name_is_ignored_in_favour_of_the_changelog():
    data = json.loads(payload("webhook-issue-updated-started-working.json"))
    data["issue_event_type_name"] = "issue_closed"
    body = json.dumps(data).encode()
    [event] = cloud().parse_webhook(signed(body), body)
    assert (event.kind, event.payload["status"]) == (STATUS_CHANGED, "In Progress")


def test_without_a_delivery_header_the_delivery_id_is_the_body_hash():
    body = payload("webhook-issue-updated-started-working.json")
    [event] = cloud().parse_webhook(signed(body), body)
    assert event.delivery_id == hashlib.sha256(body).hexdigest()


def test_a_change_made_by_the_bridges_own_account_is_marked_as_its_own():
    data = json.loads(payload("webhook-issue-updated-started-working.json"))
    data["user"]["emailAddress"] = "Bridge@Acme.com"
    body = json.dumps(data).encode()
    [event] = cloud().parse_webhook(signed(body), body)
    assert event.payload["by_bridge"] is True


@pytest.mark.parametrize("headers", [
    {},
    {"X-Hub-Signature": "sha256=" + "0" * 64},
    {"X-Hub-Signature": "sha1=abc"},
], ids=["missing", "wrong", "other-method"])
def test_a_missing_or_wrong_signature_is_refused(headers):
    body = payload("webhook-issue-updated-resolved.json")
    with pytest.raises(InvalidSignature):
        cloud().parse_webhook(headers, body)


def test_a_signature_made_with_another_secret_is_refused():
    body = payload("webhook-issue-updated-resolved.json")
    with pytest.raises(InvalidSignature, match="does not match"):
        cloud().parse_webhook(signed(body, secret="guess"), body)


def test_without_a_configured_secret_no_delivery_is_accepted():
    body = payload("webhook-issue-updated-resolved.json")
    with pytest.raises(InvalidSignature, match="JIRA_WEBHOOK_SECRET"):
        JiraConnector(URL, email="a", token="b").parse_webhook(signed(body), body)


def test_settings_choose_the_deployment(settings):
    configured = settings.replace(JIRA_URL="https://jira.acme.local", JIRA_DEPLOYMENT="server",
                                  JIRA_API_TOKEN=TOKEN, JIRA_WEBHOOK_SECRET=SECRET)
    connector = JiraConnector.from_settings(configured)
    assert (connector.client.api, connector.cloud, connector.issue_url("WISH-1")) == (
        "/rest/api/2", False, "https://jira.acme.local/browse/WISH-1")
