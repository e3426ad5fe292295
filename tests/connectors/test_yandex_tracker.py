"""The Yandex Tracker connector against the sandbox Tracker, served on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import requests
from flask import Flask, request

from bridge.errors import FatalError, InvalidSignature, RetriableError
from bridge.model import STATUS_CHANGED, EpicBrief, IssueState, TicketLine, TicketLink, TicketRef
from connectors.yandex_tracker import YandexTrackerConnector
from connectors.yandex_tracker.webhooks import SECRET_HEADER, TRIGGER_BODY
from sandboxes.yandex_tracker import SANDBOX_ORG_ID, SANDBOX_TOKEN, Trigger, create_sandbox, sandbox_of, serve_in_thread
from tests.connectors.tracker_harness_yandex import WEBHOOK_SECRET, YandexTrackerHarness, yandex_tracker

BRIEF = EpicBrief(7, "Export reports to Excel", summary="Finance teams need monthly exports.",
                  tickets=(TicketLine("zendesk #1: Export", "https://desk.example/tickets/1"),))


def ticket(number: int) -> TicketLink:
    return TicketLink(TicketRef("zendesk", str(number)), f"https://desk.example/tickets/{number}",
                      f"zendesk #{number}: Export", "Acme")


@pytest.fixture
def tracker() -> Iterator[YandexTrackerHarness]:
    with yandex_tracker() as harness:
        yield harness


def test_creating_a_groups_epic_twice_makes_one_issue_and_answers_with_it(tracker):
    connector = tracker.connector()
    first = connector.create_epic(7, BRIEF, tracker.spec())
    again = connector.create_epic(7, BRIEF, tracker.spec())
    assert again.issue_key == first.issue_key
    assert list(tracker.sandbox.issues) == [first.issue_key]


def test_after_a_crash_a_new_instance_creating_again_gets_the_epic_made_before(tracker):
    made = tracker.connector().create_epic(7, BRIEF, tracker.spec())
    after_restart = tracker.connector().create_epic(7, BRIEF, tracker.spec())
    assert (after_restart.issue_key, after_restart.issue_id) == (made.issue_key, made.issue_id)
    assert len(tracker.sandbox.issues) == 1


def test_an_epic_carries_the_mapping_fields_the_marker_tag_and_unique_and_its_state(tracker):
    state = tracker.connector().create_epic(7, BRIEF, tracker.spec())
    issue = tracker.sandbox.get(state.issue_key)
    assert (issue.queue, issue.type, issue.unique, issue.markup_type) == ("WISH", "epic", "wishbridge-g7", "md")
    assert issue.tags == ["customer-wish", "wishbridge-g7"] and issue.local == {**tracker.spec()["fields"]}
    assert (state.status, state.status_category, state.resolution) == ("open", "new", None)
    assert "[zendesk \\#1\\: Export](<https://desk.example/tickets/1>)" in issue.description


def test_find_epic_finds_the_groups_epic_and_nothing_for_another_group(tracker):
    connector = tracker.connector()
    assert connector.find_epic(7) is None
    made = connector.create_epic(7, BRIEF, tracker.spec())
    connector.create_epic(8, EpicBrief(8, "Dark mode"), tracker.spec())
    found = tracker.connector().find_epic(7)
    assert found is not None and found.issue_key == made.issue_key
    assert connector.find_epic(9) is None


def test_a_mapping_naming_an_unknown_queue_is_fatal_and_names_the_endpoint(tracker):
    with pytest.raises(FatalError) as caught:
        tracker.connector().create_epic(7, BRIEF, {**tracker.spec(), "queue": "NOPE"})
    assert caught.value.status == 404 and "POST /v3/issues/" in str(caught.value)


def test_adopting_an_issue_marks_it_for_the_group_and_an_unknown_one_is_a_404(tracker):
    connector = tracker.connector()
    other = connector.create_epic(3, EpicBrief(3, "Other"), tracker.spec())
    adopted = connector.adopt_issue(other.issue_key, 9)
    assert adopted.issue_key == other.issue_key
    assert "wishbridge-g9" in tracker.sandbox.get(other.issue_key).tags
    with pytest.raises(FatalError) as caught:
        connector.adopt_issue("WISH-404", 9)
    assert caught.value.status == 404


def test_rewriting_replaces_the_description_and_an_unknown_epic_is_a_404(tracker):
    connector = tracker.connector()
    key = connector.create_epic(7, BRIEF, tracker.spec()).issue_key
    connector.rewrite_epic(key, EpicBrief(7, "Export reports to Excel", notes="Agreed with finance."))
    assert "Agreed with finance\\." in tracker.issue(key)["description"]
    with pytest.raises(FatalError) as caught:
        connector.rewrite_epic("WISH-404", BRIEF)
    assert caught.value.status == 404


def test_linking_the_same_ticket_twice_leaves_one_link(tracker):
    connector = tracker.connector()
    key = connector.create_epic(7, BRIEF, tracker.spec()).issue_key
    connector.link_ticket(key, ticket(1))
    tracker.connector().link_ticket(key, ticket(1))
    connector.link_ticket(key, ticket(2))
    assert tracker.issue(key)["links"] == ["https://desk.example/tickets/1", "https://desk.example/tickets/2"]


def test_a_link_is_found_again_behind_many_pages_of_comments(tracker):
    connector = tracker.connector()
    key = connector.create_epic(7, BRIEF, tracker.spec()).issue_key
    connector.link_ticket(key, ticket(1))
    for number in range(120):
        tracker.sandbox.add_comment(tracker.sandbox.get(key), {"text": f"note {number}"})
    connector.link_ticket(key, ticket(1))
    assert tracker.issue(key)["links"] == ["https://desk.example/tickets/1"]


def test_a_poll_reads_every_page_and_names_the_keys_tracker_does_not_have(tracker):
    connector = tracker.connector()  # two issues a search page
    keys = [connector.create_epic(n, EpicBrief(n, f"Wish {n}"), tracker.spec()).issue_key for n in range(5)]
    tracker.move(keys[3], "inProgress")
    polled = tracker.connector().poll([*keys, "WISH-404"], None, datetime.now(UTC))
    assert sorted(s.issue_key for s in polled.states) == sorted(keys)
    assert polled.missing == ["WISH-404"]
    moved = next(s for s in polled.states if s.issue_key == keys[3])
    assert (moved.status, moved.status_category) == ("inProgress", "inProgress")


def test_a_poll_since_a_time_leaves_out_issues_unchanged_since(tracker):
    connector = tracker.connector()
    keys = [connector.create_epic(n, EpicBrief(n, f"Wish {n}"), tracker.spec()).issue_key for n in range(3)]
    since = tracker.sandbox.get(keys[2]).updated + timedelta(milliseconds=1)
    tracker.move(keys[0], "closed", "fixed")
    polled = connector.poll(keys, since, datetime.now(UTC))
    assert [(s.issue_key, s.status, s.resolution) for s in polled.states] == [(keys[0], "closed", "fixed")]
    assert polled.missing == []


def test_a_429_is_waited_out_for_its_retry_after_and_the_call_then_succeeds():
    with yandex_tracker(per_minute=3) as tracker:
        connector = tracker.connector()
        waits: list[float] = []
        connector.client.sleep = lambda seconds: (waits.append(seconds), tracker.clock.sleep(seconds))[1]
        connector.create_epic(7, BRIEF, tracker.spec())  # statuses + create: two of the minute's three calls
        assert connector.find_epic(7) is not None and connector.find_epic(8) is None
        assert waits == [60.0]


def test_a_429_that_outlasts_the_retries_is_retriable_with_the_vendors_wait():
    with yandex_tracker(per_minute=1) as tracker:
        connector = tracker.connector()
        connector.client.retries, connector.client.sleep = 0, tracker.clock.sleep
        connector.find_epic(7)
        with pytest.raises(RetriableError) as caught:
            connector.find_epic(7)
        assert (caught.value.status, caught.value.retry_after) == (429, 60.0)


def test_a_bad_token_is_fatal_and_never_shown(tracker):
    connector = YandexTrackerConnector(tracker.base_url, "stolen-token-value", org_id=SANDBOX_ORG_ID)
    with pytest.raises(FatalError) as caught:
        connector.find_epic(7)
    text = f"{caught.value} {caught.value.__context__} {caught.value.__cause__}"
    assert caught.value.status == 401 and "stolen-token-value" not in text


def test_the_wrong_organisation_header_is_refused(tracker):
    cloud = YandexTrackerConnector(tracker.base_url, SANDBOX_TOKEN, cloud_org_id=SANDBOX_ORG_ID)
    with pytest.raises(FatalError) as caught:
        cloud.find_epic(7)
    assert caught.value.status == 403


def test_an_iam_token_goes_as_a_bearer_token_with_the_cloud_organisation_header():
    app = create_sandbox(token="iam-token", token_type="iam", cloud=True, org_id="bpf-cloud-org")
    url, stop = serve_in_thread(app)
    try:
        connector = YandexTrackerConnector(url, "iam-token", token_type="iam", cloud_org_id="bpf-cloud-org")
        assert connector.create_epic(1, EpicBrief(1, "Wish"), {"queue": "WISH", "type": "epic"}).status == "open"
        assert len(sandbox_of(app).issues) == 1
    finally:
        stop()


def test_a_delivery_from_the_documented_trigger_becomes_a_status_change(tracker):
    received: list[tuple[dict[str, str], bytes]] = []
    bridge = Flask("bridge")

    @bridge.post("/webhooks/yandex_tracker")
    def webhook() -> tuple[str, int]:
        received.append((dict(request.headers), request.get_data()))
        return "", 202

    url, stop = serve_in_thread(bridge)
    try:
        tracker.sandbox.trigger = Trigger(f"{url}/webhooks/yandex_tracker", {SECRET_HEADER: WEBHOOK_SECRET},
                                          TRIGGER_BODY)
        connector = tracker.connector()
        key = connector.create_epic(7, BRIEF, tracker.spec()).issue_key
        connector.rewrite_epic(key, BRIEF)  # no watched field changes: no request
        tracker.move(key, "closed", "wontFix")
        tracker.sandbox.flush()
    finally:
        stop()
    [(headers, body)] = received
    [event] = connector.parse_webhook(headers, body)
    assert (event.kind, event.issue_key, event.source) == (STATUS_CHANGED, key, "yandex_tracker")
    state = IssueState.from_record(key, event.payload)
    assert (state.status, state.status_category, state.resolution) == ("closed", "done", "wontFix")
    assert state.as_of == connector.poll([key], None, datetime.now(UTC)).states[0].as_of


def test_a_genuine_webhook_is_read_and_a_forged_one_refused(tracker):
    connector = tracker.connector()
    key = connector.create_epic(7, BRIEF, tracker.spec()).issue_key
    tracker.move(key, "inProgress")
    [event] = connector.parse_webhook(*tracker.webhook(key, genuine=True))
    assert (event.payload["status"], event.payload["status_category"]) == ("inProgress", "inProgress")
    with pytest.raises(InvalidSignature):
        connector.parse_webhook(*tracker.webhook(key, genuine=False))


@pytest.mark.parametrize("body", [b'{"issue": "WISH-1", "status": ', b'["WISH-1"]', b'{"issue": "WISH-1"}',
                                  b'{"issue": "WISH-1", "status": 3}', b'{"issue": "W-1", "status": "open", '
                                  b'"updatedAt": "yesterday"}'],
                         ids=["broken", "not-an-object", "no-status", "status-not-text", "bad-time"])
def test_a_malformed_body_with_the_right_secret_is_a_value_error(tracker, body):
    with pytest.raises(ValueError):
        tracker.connector().parse_webhook({SECRET_HEADER: WEBHOOK_SECRET}, body)


def test_every_call_is_counted(tracker):
    connector = tracker.connector()
    connector.create_epic(7, BRIEF, tracker.spec())
    connector.link_ticket("WISH-1", ticket(1))
    assert connector.calls == 4  # statuses, create, comments, add comment


def test_a_person_moves_an_issue_from_its_page_and_the_bridge_sees_who_closed_it_how(tracker):
    key = tracker.connector().create_epic(7, BRIEF, tracker.spec()).issue_key
    page = requests.get(f"{tracker.base_url}/{key}", timeout=10)
    assert page.status_code == 200 and 'value="close"' in page.text and "Export reports to Excel" in page.text
    moved = requests.post(f"{tracker.base_url}/{key}/transition", data={"transition": "close", "resolution": "later"},
                          timeout=10)
    assert moved.status_code == 200 and ">Closed</strong> (Later)" in moved.text
    [state] = tracker.connector().poll([key], None, datetime.now(UTC)).states
    assert (state.status, state.resolution) == ("closed", "later")
