"""Telling customers: a stage of a wish group becomes one outbox item per originating ticket.

Contract: at most one item per (stage, group, ticket, epoch) — `epoch` counts reopenings, so a wish that is
declined, reopened and declined again tells its customers twice, never more. Each item carries the message
rendered for its own ticket: that customer's wish title, in that customer's language, and the group's public
number (a wish's number is its group's); nothing of another customer's wish. Items of one ticket share a lane,
so they go out in the order they were queued, and a stage supersedes the ticket's stage messages still waiting
(the customer hears the latest truth). A stage's patch removes every other stage's tags, so the ticket ends with
the tags of its latest stage. Tickets that came through a door without an installed helpdesk connector (manual
entry, product form, file import) get no item.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection

from bridge.mapping import Mappings
from bridge.mapping.messages import render
from bridge.model import Patch
from bridge.outbox.keys import occasion_key, stage_key, ticket_lane
from bridge.registry import known_sources
from bridge.store.outbox import NewItem, enqueue_many
from bridge.store.tickets import tickets_of_groups
from bridge.text.numbers import public_number

TICKET_PATCH = "ticket_patch"


def reaches_customer(source: str) -> bool:
    """Whether a ticket of `source` can be written to: an installed helpdesk connector exists for it."""
    return source in known_sources()


def stage_spec(mappings: Mappings, stage: str) -> Mapping[str, Any] | None:
    spec: Mapping[str, Any] | None = mappings.get("messages").get("stages", {}).get(stage)
    return spec


def _other_stage_tags(mappings: Mappings, stage: str) -> tuple[str, ...]:
    specs = mappings.get("messages").get("stages", {})
    own = set(specs.get(stage, {}).get("tags_add", ()))
    return tuple(dict.fromkeys(tag for name, spec in specs.items() if name != stage
                               for tag in spec.get("tags_add", ()) if tag not in own))


def patch_for(mappings: Mappings, stage: str, source: str, language: str, context: Mapping[str, Any]) -> Patch:
    """What one ticket of `source`, in `language`, is sent for `stage`, with `context`'s placeholders filled."""
    return _with_comment(stage_patch(mappings, stage, source), stage_template(mappings, stage, language), context)


def stage_patch(mappings: Mappings, stage: str, source: str) -> Patch:
    """The stage's patch for tickets of `source`, without its comment."""
    messages, spec = mappings.get("messages"), stage_spec(mappings, stage)
    if spec is None:
        return Patch()
    tags_add = tuple(spec.get("tags_add", ()))
    return Patch(
        public=spec.get("public", True),
        tags_add=tags_add,
        tags_remove=tuple(dict.fromkeys((*spec.get("tags_remove", ()), *(
            _other_stage_tags(mappings, stage) if tags_add else ())))),
        fields=dict((spec.get("fields") or {}).get(source, {})),
        status=spec.get("status"),
        follow_up_closed=spec.get("closed_tickets", messages.get("closed_tickets", "follow_up")) == "follow_up",
    )


def stage_template(mappings: Mappings, stage: str, language: str) -> str | None:
    """The stage's message template in `language` (English when it has none in that language)."""
    message = (stage_spec(mappings, stage) or {}).get("message") or {}
    template: str | None = message.get(language) or message.get("en")
    return template


def _with_comment(patch: Patch, template: str | None, context: Mapping[str, Any]) -> Patch:
    return replace(patch, comment=render(template, context)) if template else patch


def patch_payload(patch: Patch) -> dict[str, Any]:
    return {"comment": patch.comment, "public": patch.public, "tags_add": list(patch.tags_add),
            "tags_remove": list(patch.tags_remove), "fields": dict(patch.fields), "status": patch.status,
            "follow_up_closed": patch.follow_up_closed}


def patch_from_payload(payload: Mapping[str, Any]) -> Patch:
    return Patch(comment=payload.get("comment"), public=payload.get("public", True),
                 tags_add=tuple(payload.get("tags_add", ())), tags_remove=tuple(payload.get("tags_remove", ())),
                 fields=payload.get("fields") or {}, status=payload.get("status"),
                 follow_up_closed=payload.get("follow_up_closed", True))


@dataclass(frozen=True)
class Audience:
    """Who hears a stage of one group: its tickets (only `ticket_ids`, when given), with the group's
    placeholders and epoch."""

    group_id: int
    context: Mapping[str, Any]
    epoch: int = 0
    ticket_ids: Collection[int] | None = None


def notify(conn: Connection, mappings: Mappings, group_id: int, stage: str, context: Mapping[str, Any], *,
           epoch: int = 0, ticket_ids: set[int] | None = None, occasion: str | None = None) -> int:
    """Enqueue the stage's patch, rendered per ticket, for every ticket of the group (or only `ticket_ids`);
    returns items added. Keys are once per (stage, group, epoch, ticket), or per `occasion` instead of the
    epoch (each question the analyst asks is its own occasion, and supersedes nothing). A stage whose
    messages.yaml entry says `supersede: false` (the acknowledgement) neither supersedes nor is superseded."""
    return notify_all(conn, mappings, stage, [Audience(group_id, context, epoch, ticket_ids)], occasion=occasion)


def notify_all(conn: Connection, mappings: Mappings, stage: str, audiences: Sequence[Audience], *,
               occasion: str | None = None) -> int:
    """`notify` several groups' audiences of one stage with one read and one write."""
    default_language = mappings.get("messages").get("default_language", "en")
    supersede = occasion is None and bool((stage_spec(mappings, stage) or {}).get("supersede", True))
    by_group = {audience.group_id: audience for audience in audiences}
    limited = all(audience.ticket_ids is not None for audience in audiences)
    wanted = {ticket for audience in audiences for ticket in audience.ticket_ids or ()} if limited else None
    items: list[NewItem] = []
    patches: dict[str, Patch] = {}
    for row in tickets_of_groups(conn, by_group, wanted):
        audience = by_group[row.group_id]
        if (audience.ticket_ids is not None and row.id not in audience.ticket_ids) or not reaches_customer(row.source):
            continue
        language = row.language or default_language
        own = {**audience.context, "wish_title": row.wish_title, "wish_id": row.wish_id,
               "number": public_number(row.group_id)}
        if row.source not in patches:
            patches[row.source] = stage_patch(mappings, stage, row.source)
        patch = _with_comment(patches[row.source], stage_template(mappings, stage, language), own)
        if patch.is_empty():
            continue
        key = (occasion_key(stage, occasion, row.group_id, row.id) if occasion
               else stage_key(stage, row.group_id, audience.epoch, row.id))
        items.append(NewItem(key, row.source, TICKET_PATCH,
                             {"external_id": row.external_id, "stage": stage, "patch": patch_payload(patch)},
                             lane=ticket_lane(row.source, row.external_id), supersedable=supersede,
                             supersedes=supersede))
    return enqueue_many(conn, items)
