"""The Yandex Tracker connector's pure parts: markup, trigger requests, issue states, settings, its mapping."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime

import jsonschema
import pytest
import responses
from bridge.mapping.tracker import TRACKER_STAGES
from ruamel.yaml import YAML

from bridge.errors import ConfigError, InvalidSignature
from bridge.model import EpicBrief, TicketLine, TicketLink, TicketRef
from connectors.yandex_tracker import YandexTrackerConnector
from connectors.yandex_tracker.markdown import DESCRIPTION_LIMIT, description, escape, link, ticket_comment
from connectors.yandex_tracker.states import issue_state
from connectors.yandex_tracker.webhooks import SECRET_HEADER, TRIGGER_BODY
from tests.conftest import MAPPINGS

API = "https://api.tracker.yandex.net"
MAPPING_TEXT = (MAPPINGS / "yandex_tracker.yaml").read_text(encoding="utf-8")


def connector(**options: str) -> YandexTrackerConnector:
    return YandexTrackerConnector(API, "oauth-token", org_id="123", webhook_secret="s3cret", **options)


def between(begin: str, end: str) -> str:
    lines = MAPPING_TEXT.split("\n")
    start, stop = lines.index(f"#   BEGIN {begin}"), lines.index(f"#   END {end}")
    return "\n".join(line.removeprefix("#   ") for line in lines[start + 1:stop])


def test_customer_text_is_shown_as_typed_not_as_markup_links_or_variables():
    text = "*bold* [x](javascript:alert(1)) <b>hi</b> {{issue.key}} &amp;\n    1. indented"
    escaped = escape(text)
    assert re.search(r"(?<!\\)[*\[\]()<>{}&]", escaped) is None
    assert escaped.split("\n")[1] == "1\\. indented"
    assert re.sub(r"\\(.)", r"\1", escaped) == text.replace("\n    ", "\n")


def test_only_web_addresses_become_links():
    assert link("Ticket #1", "https://desk.example/t/1 x") == "[Ticket \\#1](<https://desk.example/t/1%20x>)"
    assert link("Ticket [1]", "javascript:alert(1)") == "Ticket \\[1\\]"


def test_a_description_stays_within_the_limit_and_keeps_title_counts_and_marker():
    brief = EpicBrief(5, "Export", summary="word " * 20_000,
                      tickets=tuple(TicketLine(f"zendesk #{n}", f"https://d/{n}") for n in range(400)))
    text = description(brief)
    assert len(text) <= DESCRIPTION_LIMIT
    assert "### Originating tickets \\(400\\)" in text and "wishbridge\\-g5" in text


def test_a_ticket_comment_links_the_ticket_and_ends_with_its_marker_even_with_backticks_in_the_id():
    comment = ticket_comment(TicketLink(TicketRef("rt", "7`x"), "https://rt.example/7", "rt #7", "Acme"))
    assert comment.startswith("Originating ticket: [rt \\#7](<https://rt.example/7>)")
    assert "wishbridge:ticket:rt:7`x" in comment and comment.endswith("``wishbridge:ticket:rt:7`x``")


def test_an_issue_state_reads_keys_not_display_names_and_the_status_type():
    issue = {"key": "WISH-4", "id": "abc", "status": {"key": "closed", "display": "Закрыт"},
             "resolution": {"key": "wontFix", "display": "Не будет исправлено"},
             "fixVersions": [{"display": "5.2"}], "updatedAt": "2017-07-18T13:33:44.291+0000"}
    state = issue_state(issue, {"closed": "done"})
    assert (state.status, state.status_category, state.resolution, state.fix_version) == (
        "closed", "done", "wontFix", "5.2")
    assert state.as_of == datetime(2017, 7, 18, 13, 33, 44, 291000, tzinfo=UTC)


@responses.activate
def test_a_poll_knows_a_moved_issue_by_the_old_key_it_lists_among_its_aliases():
    responses.get(f"{API}/v3/statuses", json=[{"key": "open", "type": "new"}])
    responses.post(f"{API}/v3/issues/_search", headers={"X-Total-Pages": "1", "X-Total-Count": "1"},
                   json=[{"key": "NEW-8", "aliases": ["WISH-3"], "status": {"key": "open"},
                          "updatedAt": "2026-01-01T00:00:00.000+0000"}])
    polled = connector().poll(["WISH-3"], None, datetime.now(UTC))
    assert [(s.issue_key, s.status_category) for s in polled.states] == [("WISH-3", "new")]
    assert polled.missing == []
    assert json.loads(responses.calls[0].request.body) == {"keys": ["WISH-3"]}
    assert responses.calls[0].request.headers["Authorization"] == "OAuth oauth-token"
    assert responses.calls[0].request.headers["X-Org-ID"] == "123"


def trigger_body(**values: str) -> bytes:
    defaults = {"issue.key": "WISH-1", "issue.status.key": "inProgress", "issue.statusType.key": "inProgress",
                "issue.resolution.key": "", "issue.fixVersions.display": "5.2, 5.3",
                "issue.updatedAt.iso8601": "2026-03-01T10:00:00.000Z",
                "currentDateTime.iso8601": "2026-03-01T10:00:01.000Z", **values}
    return re.sub(r"\{\{([\w.]+)\}\}", lambda m: defaults[m.group(1)], TRIGGER_BODY).encode()


def test_a_trigger_request_becomes_one_status_change_known_by_its_body_hash():
    body = trigger_body()
    [event] = connector().parse_webhook({SECRET_HEADER.lower(): "s3cret"}, body)
    assert event.payload["status"] == "inProgress" and event.payload["resolution"] is None
    assert event.payload["fix_versions"] == ["5.2", "5.3"]
    assert event.payload["as_of"] == int(datetime(2026, 3, 1, 10, tzinfo=UTC).timestamp() * 1000)
    assert event.delivery_id == hashlib.sha256(body).hexdigest()


def test_an_unknown_or_missing_status_type_is_left_to_the_next_poll_and_the_trigger_time_stands_in():
    body = trigger_body(**{"issue.statusType.key": "", "issue.updatedAt.iso8601": ""})
    [event] = connector().parse_webhook({SECRET_HEADER: "s3cret"}, body)
    assert event.payload["status_category"] is None
    assert event.payload["as_of"] == int(datetime(2026, 3, 1, 10, 0, 1, tzinfo=UTC).timestamp() * 1000)


@pytest.mark.parametrize("headers", [{}, {SECRET_HEADER: "guess"}, {SECRET_HEADER: "s3cret "}],
                         ids=["missing", "wrong", "near-miss"])
def test_a_request_without_the_exact_secret_is_refused(headers):
    with pytest.raises(InvalidSignature):
        connector().parse_webhook(headers, trigger_body())


def test_without_a_configured_secret_no_request_is_accepted():
    unset = YandexTrackerConnector(API, "t", org_id="1")
    with pytest.raises(InvalidSignature, match="YANDEX_TRACKER_WEBHOOK_SECRET"):
        unset.parse_webhook({SECRET_HEADER: ""}, trigger_body())


def test_settings_build_the_connector_and_the_issue_address_is_trackers_web_page(settings):
    configured = settings.replace(YANDEX_TRACKER_URL=API, YANDEX_TRACKER_TOKEN="t", YANDEX_TRACKER_TOKEN_TYPE="iam",
                                  YANDEX_TRACKER_CLOUD_ORG_ID="bpf1", YANDEX_TRACKER_WEBHOOK_SECRET="s")
    made = YandexTrackerConnector.from_settings(configured)
    assert made.client.session.headers["Authorization"] == "Bearer t"
    assert made.client.session.headers["X-Cloud-Org-ID"] == "bpf1"
    assert made.issue_url("WISH-1") == "https://tracker.yandex.ru/WISH-1"
    assert configured.configured("yandex_tracker")


@pytest.mark.parametrize("ids", [{}, {"org_id": "1", "cloud_org_id": "2"}], ids=["neither", "both"])
def test_exactly_one_organisation_id_is_required(ids):
    with pytest.raises(ConfigError, match="set exactly one"):
        YandexTrackerConnector(API, "t", **ids)


def test_the_mapping_documents_exactly_the_trigger_body_the_connector_reads():
    assert between("BODY", "BODY") == TRIGGER_BODY


def test_the_mappings_epic_section_satisfies_the_connectors_schema_and_names_known_stages():
    data = YAML(typ="safe").load(MAPPING_TEXT)
    jsonschema.validate(data["epic"], YandexTrackerConnector.epic_schema)
    for table in ("resolutions", "statuses", "categories"):
        assert set(data[table].values()) <= set(TRACKER_STAGES), table
    assert set(data["categories"]) == {"new", "inProgress", "paused", "done", "cancelled"}


def test_the_schema_refuses_fields_the_connector_sets_itself():
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"queue": "WISH", "type": "epic", "fields": {"unique": "x"}},
                            YandexTrackerConnector.epic_schema)
