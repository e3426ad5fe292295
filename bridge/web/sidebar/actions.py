"""What an agent may do from a ticket's sidebar, each through bridge.workflow.lifecycle and each leaving an audit row
(entity `group`) whose actor is the agent. Every function raises WorkflowError when the ticket or group does not
allow it; the caller's transaction then writes nothing."""

from __future__ import annotations

from sqlalchemy import Connection, select

from bridge.errors import WorkflowError
from bridge.mapping import Mappings
from bridge.store.schema import tickets, wish_tickets
from bridge.store.schema import wishes as wish_rows
from bridge.workflow import lifecycle

NOTE_LIMIT = 2000


def _group_of(conn: Connection, ticket_id: int) -> int | None:
    return conn.execute(select(wish_rows.c.group_id).join(wish_tickets, wish_tickets.c.wish_id == wish_rows.c.id)
                        .where(wish_tickets.c.ticket_id == ticket_id)).scalar()


def register(conn: Connection, mappings: Mappings, ticket_id: int, actor: str) -> int:
    """Mark the stored ticket a wish (the agent says so, whatever the mapping said) and register it as intake
    registers any wish: its own new group, or a confident match. Returns the group id."""
    if _group_of(conn, ticket_id) is not None:
        raise WorkflowError(f"ticket {ticket_id} is already a wish")
    conn.execute(tickets.update().where(tickets.c.id == ticket_id).values(is_wish=True))
    if lifecycle.intake_tickets(conn, [ticket_id], mappings, actor=actor) != 1:
        raise WorkflowError(f"ticket {ticket_id} cannot become a wish (deleted or unknown)")
    group_id = _group_of(conn, ticket_id)
    assert group_id is not None
    return group_id


def attach(conn: Connection, mappings: Mappings, ticket_id: int, group_id: int, actor: str) -> int:
    """Make the ticket a wish of the chosen group (join mode `manual`, audited as `wish_added` by the agent)."""
    return lifecycle.attach_ticket(conn, mappings, ticket_id, group_id, actor).group_id


def note(conn: Connection, ticket_id: int, body: str, actor: str) -> int:
    """A note for the analyst: a comment on the group of the ticket's wish. Returns the group id."""
    group_id = _group_of(conn, ticket_id)
    if group_id is None:
        raise WorkflowError("the ticket is no wish yet: register or attach it first")
    if len(body) > NOTE_LIMIT:
        raise WorkflowError(f"the note is {len(body)} characters long; {NOTE_LIMIT} at most")
    lifecycle.add_comment(conn, group_id, actor, body)
    return group_id
