"""Issue #16 item 4: approving by an existing tracker issue checks the key first (a wrong key or an unreachable
tracker changes nothing), customers hear "approved" only once the tracker has the epic, and a failed hand-over is
shown with its reason and handed over again, to the same or another issue."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from bridge.config import Settings
from bridge.outbox.drain import drain, ticket_patch_handler
from bridge.outbox.notify import TICKET_PATCH
from bridge.runtime import Runtime
from bridge.store import audit, outbox
from bridge.store.schema import tracker_links, wish_groups
from bridge.tracker.epics import epic_handlers
from bridge.workflow import lifecycle
from connectors.jira import JiraConnector
from sandboxes.jira import SANDBOX_EMAIL, SANDBOX_TOKEN, Sandbox
from tests.doubles import MemoryHelpdesk
from tests.jira_helpers import served_jira
from tests.web.support import page, post, sign_in
from tests.wish_helpers import intake_one

JIRA_DOWN = "http://127.0.0.1:9"  # the discard port: nothing answers


@pytest.fixture
def jira() -> Iterator[tuple[JiraConnector, Sandbox]]:
    with served_jira() as served:
        yield served


def with_jira(settings: Settings, url: str) -> Runtime:
    return Runtime(settings.replace(JIRA_URL=url, JIRA_EMAIL=SANDBOX_EMAIL, JIRA_API_TOKEN=SANDBOX_TOKEN))


@pytest.fixture
def web_runtime(settings: Settings, jira: tuple[JiraConnector, Sandbox]) -> Runtime:
    return with_jira(settings, jira[0].client.base_url)


@pytest.fixture
def pm(client: FlaskClient) -> FlaskClient:
    sign_in(client, "product_manager")
    return client


def in_analysis(runtime: Runtime, subject: str = "Выгрузка отчётов в Excel") -> int:
    """A group of one Zendesk customer's wish, routed to the analysts (its registration message queued)."""
    with runtime.engine.begin() as conn:
        group_id = intake_one(conn, runtime.mappings, "z-1", subject)
        lifecycle.route(conn, runtime.mappings, group_id, "analyst", "seed")
    return group_id


def existing_issue(sandbox: Sandbox, summary: str = "Excel export (planned already)") -> str:
    return sandbox.create({"fields": {"project": {"key": "WISH"}, "issuetype": {"id": "10001"},
                                      "summary": summary}}).key


def snapshot(runtime: Runtime, group_id: int) -> tuple[str, list[str], list[str]]:
    """The group's state, its audit actions and every outbox key: what a refused approval must leave alone."""
    with runtime.engine.connect() as conn:
        state = conn.execute(select(wish_groups.c.state).where(wish_groups.c.id == group_id)).scalar_one()
        actions = [row["action"] for row in audit.trail(conn, "group", group_id)]
        keys = [item["idempotency_key"] for item in outbox.items(conn)]
    return state, actions, keys


def approved_told(runtime: Runtime) -> list[str]:
    with runtime.engine.connect() as conn:
        return [item["idempotency_key"] for item in outbox.items(conn)
                if item["idempotency_key"].startswith("stage:approved:")]


def run_hand_over(runtime: Runtime, connector: JiraConnector) -> None:
    handlers = {**epic_handlers(runtime.engine, connector, runtime.mappings),
                TICKET_PATCH: ticket_patch_handler({"zendesk": MemoryHelpdesk()})}
    drain(runtime.engine, handlers)


def epic_of(runtime: Runtime, group_id: int) -> str | None:
    with runtime.engine.connect() as conn:
        return conn.execute(select(tracker_links.c.issue_key).where(tracker_links.c.group_id == group_id)).scalar()


@pytest.mark.parametrize(("typed", "told"), [
    ("WISH 12", "“WISH 12” is not a Jira issue key"),
    ("wish-404", "Jira has no issue WISH-404"),
])
def test_a_wrong_key_is_refused_on_the_form_and_nothing_changes(pm: FlaskClient, web_runtime: Runtime,
                                                                 typed: str, told: str) -> None:
    group_id = in_analysis(web_runtime)
    before = snapshot(web_runtime, group_id)

    response = post(pm, f"/admin/groups/{group_id}/approve", {"issue_key": typed, "do": "approve"})

    assert response.status_code == 400
    html = page(response)
    assert told in html and "nothing was changed" in html.lower()
    assert f'value="{typed}"' in html, "the form keeps what was typed, to be corrected"
    assert snapshot(web_runtime, group_id) == before


def test_an_unreachable_tracker_is_said_so_and_the_group_is_not_approved(pm: FlaskClient, settings: Settings,
                                                                        client: FlaskClient) -> None:
    down = with_jira(settings, JIRA_DOWN)
    client.application.extensions["wishbridge.runtime"] = down
    group_id = in_analysis(down)
    before = snapshot(down, group_id)

    response = post(pm, f"/admin/groups/{group_id}/approve", {"issue_key": "WISH-1"})

    assert response.status_code == 503
    assert "Jira cannot be reached to check WISH-1" in page(response)
    assert snapshot(down, group_id) == before


def test_a_right_key_approves_and_the_customers_hear_it_once_the_issue_is_linked(
        pm: FlaskClient, web_runtime: Runtime, jira: tuple[JiraConnector, Sandbox]) -> None:
    connector, sandbox = jira
    key = existing_issue(sandbox)
    group_id = in_analysis(web_runtime)

    response = post(pm, f"/admin/groups/{group_id}/approve", {"issue_key": f" {key.lower()} "})

    assert response.status_code == 302
    with web_runtime.engine.connect() as conn:
        [asked] = [item for item in outbox.items(conn) if item["kind"] == "create_epic"]
    assert asked["payload"] == {"group_id": group_id, "issue_key": key}
    assert approved_told(web_runtime) == []
    assert f"the existing issue {key} is being linked" in page(pm.get(response.location))

    run_hand_over(web_runtime, connector)

    assert epic_of(web_runtime, group_id) == key
    assert len(approved_told(web_runtime)) == 1
    assert sandbox.get(key).properties == {"wishbridge": {"group_id": group_id}}


def test_a_dead_hand_over_is_shown_with_its_reason_and_handed_over_to_another_issue(
        pm: FlaskClient, web_runtime: Runtime, jira: tuple[JiraConnector, Sandbox]) -> None:
    connector, sandbox = jira
    gone, other = existing_issue(sandbox, "Deleted soon"), existing_issue(sandbox)
    group_id = in_analysis(web_runtime)
    post(pm, f"/admin/groups/{group_id}/approve", {"issue_key": gone})
    del sandbox.issues[gone]  # deleted in Jira between the approval and the hand-over

    run_hand_over(web_runtime, connector)

    html = page(pm.get(f"/admin/groups/{group_id}"))
    assert "The hand-over to the tracker failed." in html and "being created" not in html
    assert "404 from GET /rest/api/3/issue/" in html
    assert 'id="handover-form"' in html and f'value="{gone}"' in html
    assert approved_told(web_runtime) == []

    assert post(pm, f"/admin/groups/{group_id}/handover", {"issue_key": "WISH-777"}).status_code == 400
    response = post(pm, f"/admin/groups/{group_id}/handover", {"issue_key": other})
    assert response.status_code == 302
    assert "is being tried again" in page(pm.get(response.location))
    run_hand_over(web_runtime, connector)

    assert epic_of(web_runtime, group_id) == other
    assert len(approved_told(web_runtime)) == 1
    with web_runtime.engine.connect() as conn:
        [again] = [row for row in audit.trail(conn, "group", group_id) if row["action"] == "handover_retry"]
    assert (again["actor"], again["details"]["issue_key"], again["details"]["previous_key"]) == (
        "product_manager", other, gone)
    assert "404" in again["details"]["error"]
    html = page(pm.get(f"/admin/groups/{group_id}"))
    assert other in html and 'id="handover-form"' not in html


def test_a_hand_over_that_keeps_failing_is_shown_and_tried_again_at_once_as_a_new_epic(
        pm: FlaskClient, web_runtime: Runtime, jira: tuple[JiraConnector, Sandbox], settings: Settings) -> None:
    connector, sandbox = jira
    group_id = in_analysis(web_runtime)
    post(pm, f"/admin/groups/{group_id}/approve", {})
    run_hand_over(web_runtime, JiraConnector(JIRA_DOWN, email=SANDBOX_EMAIL, token=SANDBOX_TOKEN))

    html = page(pm.get(f"/admin/groups/{group_id}"))
    assert "keeps failing (1 tries so far)" in html and "ConnectionError" in html and "Next try at" in html

    assert post(pm, f"/admin/groups/{group_id}/handover", {"issue_key": ""}).status_code == 302
    run_hand_over(web_runtime, connector)  # due at once, not after the back-off

    key = epic_of(web_runtime, group_id)
    assert key is not None and sandbox.get(key).fields["summary"] == "Выгрузка отчётов в Excel"
    assert len(approved_told(web_runtime)) == 1


def test_handing_over_again_is_refused_once_the_group_has_its_epic(
        pm: FlaskClient, web_runtime: Runtime, jira: tuple[JiraConnector, Sandbox]) -> None:
    group_id = in_analysis(web_runtime)
    post(pm, f"/admin/groups/{group_id}/approve", {})
    run_hand_over(web_runtime, jira[0])

    response = post(pm, f"/admin/groups/{group_id}/handover", {})

    assert response.status_code == 409 and "has no hand-over to try again" in page(response)
