"""Issue #16 item 6 on the admin pages: each ticket's answers on the group page (tickets merged in from another
group included), and the answered mark on the group page and in the group list."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from bridge.config import Settings
from bridge.runtime import Runtime
from bridge.workflow import lifecycle
from sandboxes.zendesk import ZendeskSandbox
from tests.answers_helpers import ANNA, ask, group_of, served_zendesk, sync, write
from tests.web.support import page, post, sign_in


@pytest.fixture
def served(settings: Settings) -> Iterator[tuple[Runtime, ZendeskSandbox]]:
    with served_zendesk(settings) as pair:
        sync(pair[0])
        yield pair


@pytest.fixture
def web_runtime(served: tuple[Runtime, ZendeskSandbox]) -> Runtime:
    return served[0]


@pytest.fixture
def pm(client: FlaskClient) -> FlaskClient:
    sign_in(client, "product_manager")
    return client


def test_an_asked_group_waits_for_answers_then_shows_them_with_the_answered_mark(
        pm: FlaskClient, served: tuple[Runtime, ZendeskSandbox]) -> None:
    runtime, sandbox = served
    group_id = group_of(runtime, 201)
    post(pm, f"/admin/groups/{group_id}/route", {"queue": "analyst"})
    assert post(pm, f"/admin/groups/{group_id}/ask", {"question": "How many boxes a day?"}).status_code == 302
    ask(runtime, 201, "And how many shifts?")  # delivers both questions

    waiting = page(pm.get(f"/admin/groups/{group_id}"))
    assert 'id="answers"' in waiting and "No answers yet" in waiting and 'id="answered"' not in waiting

    time.sleep(1)  # Zendesk keeps comment times to the second: the answer comes after both questions
    write(sandbox, 201, ANNA, "About 300 boxes <b>a day</b>.")
    sync(runtime)

    html = page(pm.get(f"/admin/groups/{group_id}"))
    assert 'id="answered"' in html
    assert "About 300 boxes &lt;b&gt;a day&lt;/b&gt;." in html, "the customer's text is shown as text"
    assert "To the question: And how many shifts?" in html and "Анна Петрова" in html
    listed = page(pm.get("/admin/groups?state=in_analysis"))
    assert 'class="badge answered"' in listed


def test_a_group_merged_into_another_brings_its_customers_answers_along(
        pm: FlaskClient, served: tuple[Runtime, ZendeskSandbox]) -> None:
    runtime, sandbox = served
    asked = ask(runtime, 201, "How many boxes a day?")
    write(sandbox, 201, ANNA, "About 300.")
    sync(runtime)
    target = group_of(runtime, 202)
    with runtime.engine.begin() as conn:
        lifecycle.merge(conn, asked, target, "pm")

    html = page(pm.get(f"/admin/groups/{target}"))

    assert 'id="answered"' in html and "About 300." in html and "zendesk#201" in html
    assert "How many boxes a day?" in html


def test_a_group_nobody_asked_shows_no_answers_part(pm: FlaskClient, served: tuple[Runtime, ZendeskSandbox]) -> None:
    html = page(pm.get(f"/admin/groups/{group_of(served[0], 202)}"))
    assert 'id="answers"' not in html and 'id="answered"' not in html
