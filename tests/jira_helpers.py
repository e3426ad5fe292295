"""Rows and a served sandbox Jira for the epic and status tests (and the fan-out benchmark)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from bridge.store.schema import tickets, tracker_links, wish_groups, wish_tickets, wishes
from connectors.jira import JiraConnector
from sandboxes.jira import SANDBOX_EMAIL, SANDBOX_TOKEN, Sandbox, create_sandbox, serve_in_thread

NOW = datetime(2026, 11, 1, tzinfo=UTC)
SEGMENTS = ("enterprise", "smb")


def add_ticket(conn: Connection, group_id: int, number: int, source: str = "zendesk", language: str = "en",
               external_id: str | None = None) -> int:
    """One ticket with its own wish in the group; organisation `number % 3`, alternating segments."""
    ticket_id = conn.execute(tickets.insert().values(
        source=source, external_id=external_id or f"{source}-{number}", url=f"https://desk.example/tickets/{number}",
        subject=f"Export to Excel #{number}", requester_id=f"r{number}", organization_id=f"org{number % 3}",
        organization_name=f"Org {number % 3}", segment=SEGMENTS[number % 3 % 2], paid_accounts=10, tags=[],
        language=language, first_seen_at=NOW, last_seen_at=NOW, content_hash="x", raw={},
    ).returning(tickets.c.id)).scalar_one()
    wish_id = conn.execute(wishes.insert().values(
        group_id=group_id, door="helpdesk", title=f"Export to Excel #{number}",
        text="Please let us export reports to Excel.",
        created_by="sync", created_at=NOW).returning(wishes.c.id)).scalar_one()
    conn.execute(wish_tickets.insert().values(wish_id=wish_id, ticket_id=ticket_id, linked_by="sync", linked_at=NOW))
    return int(ticket_id)


def a_group(conn: Connection, ticket_count: int, *, source: str = "zendesk", first_number: int = 0,
            **values: Any) -> int:
    """An approved wish group with `ticket_count` helpdesk tickets."""
    row = {"title": "Export reports to Excel", "state": "approved", "notes": "Finance teams need it monthly.",
           "importance": "high", "epoch": 0, "created_at": NOW, "updated_at": NOW, **values}
    group_id = int(conn.execute(wish_groups.insert().values(**row).returning(wish_groups.c.id)).scalar_one())
    for number in range(first_number, first_number + ticket_count):
        add_ticket(conn, group_id, number, source)
    return group_id


def link_epic(conn: Connection, group_id: int, key: str, *, stage: str | None = "planned",
              status: str = "To Do") -> None:
    conn.execute(tracker_links.insert().values(
        group_id=group_id, tracker="jira", issue_key=key, url=f"https://jira.example/browse/{key}",
        status=status, stage=stage, created_at=NOW, updated_at=NOW))


@contextmanager
def served_jira(**options: Any) -> Iterator[tuple[JiraConnector, Sandbox]]:
    """A sandbox Jira on a free port and a connector logged in to it."""
    app = create_sandbox(**options)
    url, stop = serve_in_thread(app)
    try:
        yield (JiraConnector(url, email=SANDBOX_EMAIL, token=SANDBOX_TOKEN,
                             deployment=options.get("deployment", "cloud")),
               app.extensions["jira_sandbox"])
    finally:
        stop()
