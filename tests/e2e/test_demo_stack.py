"""The demo's sandbox ticket page: the conversation, and the Wishbridge sidebar beside it."""

import re
from html import unescape

import requests

from bridge.worker.jobs import sync_sources
from demo.stack import DemoStack


def test_each_sandbox_ticket_opens_with_the_wishbridge_sidebar_of_that_ticket(tmp_path):
    stack = DemoStack(tmp_path / "demo", tickets=20)
    stack.start("http://127.0.0.1:8080")
    try:
        sync_sources(stack.runtime)
        page = requests.get(f"{stack.zendesk_url}/agent/tickets/3", timeout=10).text
        subject = stack.zendesk.extensions["zendesk_sandbox"].tickets[3]["subject"]
        assert subject in unescape(page)
        src = unescape(re.search(r'<iframe title="Wishbridge" src="([^"]+)"', page).group(1))
        assert src.startswith("http://127.0.0.1:8080/sidebar/t/")
        sidebar = stack.app().test_client().get(src.removeprefix("http://127.0.0.1:8080"))
        assert sidebar.status_code == 200
        assert subject in unescape(sidebar.get_data(as_text=True))
    finally:
        stack.stop()


def test_the_demo_routes_its_largest_groups_and_notes_the_analysis_of_two(tmp_path):
    from sqlalchemy import select

    from bridge.store.schema import wish_groups

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
