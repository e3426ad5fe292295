"""What an agent may do from a ticket's sidebar, each through the wish lifecycle and each leaving an audit row
(entity `group`) whose actor is the agent. Every function raises WorkflowError when the ticket or group does not
allow it; the caller's transaction then writes nothing."""

from __future__ import annotations

from sqlalchemy import Connection

from bridge.errors import WorkflowError
from bridge.mapping import Mappings
from bridge.model import TicketRef
from bridge.store.tickets import find_ticket_id, mark_wish
from bridge.workflow import lifecycle
from bridge.workflow.ticket_panel import wish_of

NOTE_LIMIT = 2000


def _stored(conn: Connection, ref: TicketRef) -> int:
    ticket_id = find_ticket_id(conn, ref)
    if ticket_id is None:
        raise WorkflowError(f"ticket {ref} is not in Wishbridge yet")
    return ticket_id


def register(conn: Connection, mappings: Mappings, ref: TicketRef, actor: str) -> int:
    """Mark the stored ticket a wish (the agent says so, whatever the mapping said) and register it as intake
    registers any wish: its own new group, or a confident match. Returns the group id."""
    ticket_id = _stored(conn, ref)
    if wish_of(conn, ticket_id) is not None:
        raise WorkflowError(f"ticket {ticket_id} is already a wish")
    mark_wish(conn, ticket_id)
    if lifecycle.intake_tickets(conn, [ticket_id], mappings, actor=actor) != 1:
        raise WorkflowError(f"ticket {ticket_id} cannot become a wish (deleted or unknown)")
    wish = wish_of(conn, ticket_id)
    assert wish is not None
    return wish.group_id


def attach(conn: Connection, mappings: Mappings, ref: TicketRef, group_id: int, actor: str) -> int:
    """Make the ticket a wish of the chosen group (join mode `manual`, audited as `wish_added` by the agent)."""
    return lifecycle.attach_ticket(conn, mappings, _stored(conn, ref), group_id, actor).group_id


def note(conn: Connection, ref: TicketRef, body: str, actor: str) -> int:
    """A note for the analyst: a comment on the group of the ticket's wish. Returns the group id."""
    wish = wish_of(conn, _stored(conn, ref))
    if wish is None:
        raise WorkflowError("the ticket is no wish yet: register or attach it first")
    if len(body) > NOTE_LIMIT:
        raise WorkflowError(f"the note is {len(body)} characters long; {NOTE_LIMIT} at most")
    lifecycle.add_comment(conn, wish.group_id, actor, body)
    return wish.group_id
