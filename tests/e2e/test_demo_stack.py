"""The demo's stack: the sandbox ticket page with the Wishbridge sidebar beside it, the same realistic tickets in
every sandbox helpdesk, and the groups a product team would have prepared."""

import re
from datetime import timedelta
from html import unescape

import requests
from sqlalchemy import select

from bridge.store.schema import tickets, wish_groups
from bridge.worker.jobs import sync_sources
from demo.stack import DemoStack


def test_each_sandbox_ticket_opens_with_the_wishbridge_sidebar_of_that_ticket(tmp_path):
    stack = DemoStack(tmp_path / "demo", tickets=20)
    stack.start("http://127.0.0.1:8080")
    try:
        sync_sources(stack.runtime)
        page = requests.get(f"{stack.helpdesk.url}/agent/tickets/3", timeout=10).text
        subject = stack.helpdesk.sandbox.tickets[3]["subject"]
        assert subject in unescape(page)
        src = unescape(re.search(r'<iframe title="Wishbridge" src="([^"]+)"', page).group(1))
        assert src.startswith("http://127.0.0.1:8080/sidebar/t/")
        sidebar = stack.app().test_client().get(src.removeprefix("http://127.0.0.1:8080"))
        assert sidebar.status_code == 200
        assert subject in unescape(sidebar.get_data(as_text=True))
    finally:
        stack.stop()


def synced_tickets(tmp_path, helpdesk: str) -> list[tuple]:
    """What the bridge stored of the demo's tickets, oldest first; each row ends with the moment the customer wrote
    (a run seeds six months back from its own now, so that moment differs by seconds between runs)."""
    stack = DemoStack(tmp_path / helpdesk, tickets=60, helpdesk_name=helpdesk, tracker_name="yandex_tracker")
    stack.start("http://127.0.0.1:8080")
    try:
        sync_sources(stack.runtime)
        with stack.runtime.engine.connect() as conn:
            rows = conn.execute(select(tickets.c.external_id, tickets.c.subject, tickets.c.body, tickets.c.category,
                                       tickets.c.subcategory, tickets.c.language, tickets.c.is_wish,
                                       tickets.c.requester_name, tickets.c.created_at)).all()
    finally:
        stack.stop()
    return [tuple(row[1:]) for row in sorted(rows, key=lambda row: int(row.external_id))]


def test_the_sandbox_usedesk_holds_the_same_tickets_as_the_sandbox_zendesk_topics_and_languages_included(tmp_path):
    usedesk = synced_tickets(tmp_path, "usedesk")
    zendesk = synced_tickets(tmp_path, "zendesk")
    assert [row[:-1] for row in usedesk] == [row[:-1] for row in zendesk]
    assert all(category and subcategory for _, _, category, subcategory, *_ in usedesk)
    assert {language for *_, language, _, _, _ in usedesk} == {"ru", "en"}
    assert usedesk[-1][-1] - usedesk[0][-1] > timedelta(weeks=20)


def test_the_demo_routes_its_largest_groups_and_notes_the_analysis_of_two(tmp_path):
    stack = DemoStack(tmp_path / "demo", tickets=120)
    stack.start("http://127.0.0.1:8080")
    try:
        sync_sources(stack.runtime)
        stack.prepare_groups(routed=6)
        with stack.runtime.engine.connect() as conn:
            routed = conn.execute(select(wish_groups.c.queue, wish_groups.c.notes)
                                  .where(wish_groups.c.state == "in_analysis")).all()
    finally:
        stack.stop()
    assert len(routed) == 6
    assert sum(bool(notes) for _, notes in routed) == 2
    assert {queue for queue, _ in routed} <= {"analyst", "legal"}
