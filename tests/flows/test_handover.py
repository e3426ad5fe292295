"""Issue #16 item 4 in the workflow: a hand-over of an earlier round that never succeeded is asked again when the
group is approved again; a group keeping its epic cannot be linked to another issue; handing over again is
audited and puts the item back in line at once with its new key."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bridge.errors import WorkflowError
from bridge.mapping import load_mappings
from bridge.store import outbox
from bridge.store.audit import trail
from bridge.store.schema import outbox as outbox_rows
from bridge.workflow import lifecycle
from bridge.workflow.handover import hand_over_again, handover
from tests.conftest import MAPPINGS
from tests.jira_helpers import link_epic
from tests.wish_helpers import intake_one


@pytest.fixture(scope="module")
def mappings():
    return load_mappings(MAPPINGS)


def epic_item(conn, group_id: int):
    return conn.execute(select(outbox_rows).where(outbox_rows.c.idempotency_key == f"epic:g{group_id}")).one()


def approved(conn, mappings, external_id: str, issue_key: str | None = None) -> int:
    group_id = intake_one(conn, mappings, external_id, "Выгрузка остатков в Excel")
    lifecycle.route(conn, mappings, group_id, "analyst", "pm")
    lifecycle.decide(conn, mappings, group_id, "approve", "pm", issue_key=issue_key)
    return group_id


def again(conn, mappings, group_id: int, issue_key: str | None = None) -> None:
    lifecycle.decide(conn, mappings, group_id, "decline", "pm", "not now")
    lifecycle.reopen(conn, mappings, group_id, "pm", "asked again")
    lifecycle.route(conn, mappings, group_id, "analyst", "pm")
    lifecycle.decide(conn, mappings, group_id, "approve", "pm", issue_key=issue_key)


def test_a_hand_over_that_died_in_an_earlier_round_is_asked_again_with_the_new_key(engine, mappings):
    with engine.begin() as conn:
        group_id = approved(conn, mappings, "h1", "WISH-1")
        outbox.fail(conn, epic_item(conn, group_id).id, "FatalError: 404 from GET /rest/api/3/issue/WISH-1",
                    fatal=True)
        assert handover(conn, group_id).state == "failed"
        again(conn, mappings, group_id, "WISH-2")
        item = epic_item(conn, group_id)
        shown = handover(conn, group_id)
    assert (item.state, item.payload) == ("pending", {"group_id": group_id, "issue_key": "WISH-2"})
    assert shown is not None and (shown.state, shown.issue_key, shown.error) == ("waiting", "WISH-2", None)


def test_a_group_keeping_its_epic_cannot_be_linked_to_another_issue_on_approval(engine, mappings):
    with engine.begin() as conn:
        group_id = approved(conn, mappings, "h2")
        link_epic(conn, group_id, "WISH-5")
        lifecycle.decide(conn, mappings, group_id, "decline", "pm", "not now")
        lifecycle.reopen(conn, mappings, group_id, "pm", "asked again")
        lifecycle.route(conn, mappings, group_id, "analyst", "pm")
        with pytest.raises(WorkflowError, match="keeps its epic WISH-5 from before"):
            lifecycle.decide(conn, mappings, group_id, "approve", "pm", issue_key="WISH-6")
        lifecycle.decide(conn, mappings, group_id, "approve", "pm", issue_key="WISH-5")
        assert handover(conn, group_id) is None


def test_handing_over_again_is_audited_and_due_at_once(engine, mappings):
    with engine.begin() as conn:
        group_id = approved(conn, mappings, "h3")
        item = epic_item(conn, group_id)
        outbox.fail(conn, item.id, "RetriableError: 503 from POST /rest/api/3/issue")
        assert handover(conn, group_id).state == "retrying"
        hand_over_again(conn, group_id, "pm", "WISH-9")
        item = epic_item(conn, group_id)
        [row] = [row for row in trail(conn, "group", group_id) if row["action"] == "handover_retry"]
    assert (item.state, item.last_error, item.payload["issue_key"]) == ("pending", None, "WISH-9")
    assert item.next_attempt_at.replace(tzinfo=None) <= item.horizon_at.replace(tzinfo=None)
    assert row["details"] == {"issue_key": "WISH-9", "previous_key": "",
                              "error": "RetriableError: 503 from POST /rest/api/3/issue"}


def test_a_hand_over_being_tried_this_very_moment_is_not_changed_under_it(engine, mappings):
    with engine.begin() as conn:
        group_id = approved(conn, mappings, "h4")
        outbox.claim(conn, "worker-1")
        with pytest.raises(WorkflowError, match="being tried right now"):
            hand_over_again(conn, group_id, "pm", "WISH-9")
        assert epic_item(conn, group_id).payload == {"group_id": group_id}
