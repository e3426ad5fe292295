"""Issue #16 item 6: the customers' answers to "Ask the customers" come back from the helpdesk (a sandbox Zendesk)
with the regular sync, once each, only the requester's public replies, and stay with their tickets when groups
merge; a group with an answer is marked."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import delete, func, select

from bridge.config import Settings
from bridge.runtime import Runtime
from bridge.store.schema import comments, reply_checks, ticket_replies
from bridge.workflow import lifecycle, read_models
from bridge.workflow.answers import answered_groups, group_answers
from sandboxes.zendesk import ZendeskSandbox
from tests.answers_helpers import AGENT, ANNA, JOHN, ask, group_of, served_zendesk, sync, ticket_id, write


@pytest.fixture
def desk(settings: Settings) -> Iterator[tuple[Runtime, ZendeskSandbox]]:
    with served_zendesk(settings) as served:
        sync(served[0])
        yield served


def stored_replies(runtime: Runtime) -> list[tuple[int, str, str]]:
    with runtime.engine.connect() as conn:
        return [(row.ticket_id, row.body, row.question) for row in conn.execute(
            select(ticket_replies.c.ticket_id, ticket_replies.c.body, comments.c.body.label("question"))
            .join(comments, comments.c.id == ticket_replies.c.question_id).order_by(ticket_replies.c.id))]


def test_the_requesters_reply_is_collected_once_and_nothing_else_counts(desk) -> None:
    runtime, sandbox = desk
    group_id = ask(runtime, 201, "How many boxes a day do you aggregate?")
    write(sandbox, 201, AGENT, "Thank you, we will look into it.")  # an agent's reply
    write(sandbox, 201, AGENT, "Call them on Monday", public=False)  # an internal note
    write(sandbox, 201, JOHN, "I am a colleague in copy: ours is 200.")  # not the requester
    write(sandbox, 201, ANNA, "About 300 boxes, in two shifts.")

    first = sync(runtime)
    again = sync(runtime)
    with runtime.engine.begin() as conn:  # as if the worker crashed before it marked the ticket read
        conn.execute(delete(reply_checks))
    third = sync(runtime)

    assert (first.replies, again.replies, third.replies) == (1, 0, 0)
    assert stored_replies(runtime) == [(ticket_id(runtime, 201), "About 300 boxes, in two shifts.",
                                        "How many boxes a day do you aggregate?")]
    assert "1 answers to questions" in first.line()
    with runtime.engine.connect() as conn:
        assert answered_groups(conn, [group_id, group_of(runtime, 202)]) == {group_id}


def test_the_bridges_own_question_and_a_ticket_nobody_asked_bring_no_answer(desk) -> None:
    runtime, sandbox = desk
    ask(runtime, 201, "Which scanners do you use?")
    write(sandbox, 202, JOHN, "Any news on the export?")  # John was never asked

    assert sync(runtime).replies == 0
    assert stored_replies(runtime) == []
    assert any("Which scanners" in c["body"] for c in sandbox.comments[201]), "the question itself is on the ticket"


def test_an_answer_belongs_to_the_last_question_that_reached_the_ticket_before_it(desk) -> None:
    runtime, sandbox = desk
    ask(runtime, 201, "First: how many shifts?")
    write(sandbox, 201, ANNA, "Two shifts.")
    time.sleep(1)  # Zendesk keeps comment times to the second: the second question comes a second later
    ask(runtime, 201, "Second: which scanners?")
    time.sleep(1)
    write(sandbox, 201, ANNA, "Zebra TC21.")

    assert sync(runtime).replies == 2
    assert [(body, question) for _, body, question in stored_replies(runtime)] == [
        ("Two shifts.", "First: how many shifts?"), ("Zebra TC21.", "Second: which scanners?")]


def test_a_merged_in_tickets_answers_and_stages_are_shown_on_the_group_it_joined(desk) -> None:
    runtime, sandbox = desk
    asked = ask(runtime, 201, "How many boxes a day?")
    write(sandbox, 201, ANNA, "About 300.")
    sync(runtime)
    target = group_of(runtime, 202)

    with runtime.engine.begin() as conn:
        lifecycle.merge(conn, asked, target, "pm")
        shown = group_answers(conn, target)
        marked = answered_groups(conn, [asked, target])
        row = read_models.group_row(conn, runtime.mappings, target)
        detail = read_models.group_detail(conn, runtime.mappings, target, similar=False)

    [ticket] = shown
    assert (ticket.external_id, ticket.requester) == ("201", "Анна Петрова")
    assert [(a.question, a.body) for a in ticket.answers] == [("How many boxes a day?", "About 300.")]
    assert marked == {target} and row.answered
    told = {t.external_id: [stage for stage, _ in t.told] for wish in detail.wishes for t in wish.tickets}
    assert "in_analysis" in told["201"], "what the merged-in customer heard in the old group stays shown"


def test_a_question_not_yet_answered_marks_nothing(desk) -> None:
    runtime, _sandbox = desk
    group_id = ask(runtime, 201, "How many boxes a day?")
    sync(runtime)
    with runtime.engine.connect() as conn:
        assert not read_models.group_row(conn, runtime.mappings, group_id).answered
        assert conn.execute(select(func.count()).select_from(reply_checks)).scalar_one() == 1
