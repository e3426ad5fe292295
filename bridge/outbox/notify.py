"""Telling customers: a stage of a wish group becomes one outbox item per originating ticket.

Contract: at most one item per (stage, group, ticket, epoch) — `epoch` counts reopenings, so a wish that is
declined, reopened and declined again tells its customers twice, never more. Each item carries the message
rendered for its own ticket: that customer's wish title and its group's public number, in that customer's
language; nothing of another customer's wish. Items of one ticket share a lane, so they go out in the order
they were queued, and a stage supersedes the ticket's stage messages still waiting (the customer hears the
latest truth). A stage's patch removes every other stage's tags, so the ticket ends with the tags of its latest
stage. Tickets that came through a door without an installed helpdesk connector (manual entry, product form,
file import) get no item.

The title and reason a customer reads are chosen for their language (bridge.outbox.wording): the group's title
written for it, else their own wish title; the reason's words for it. A message that would carry text not
written in its reader's language is queued `held`, never sent, until the product manager translates it or
sends it as it is (bridge.workflow.languages); `as_is` names the languages the manager has already agreed to.
`plan` renders exactly what `notify` queues, so a preview built on it shows what customers will read.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from bridge.mapping import Mappings
from bridge.mapping.messages import placeholders, render
from bridge.model import Patch
from bridge.outbox.keys import occasion_key, stage_key, ticket_lane
from bridge.outbox.wording import Reason, title_in
from bridge.registry import known_sources
from bridge.store.outbox import NewItem, enqueue_many
from bridge.store.schema import wish_groups
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


def message_template(mappings: Mappings, stage: str, language: str) -> str | None:
    """The stage's message in `language` (in English when that language has none), or None without one."""
    messages = (stage_spec(mappings, stage) or {}).get("message") or {}
    template: str | None = messages.get(language) or messages.get("en")
    return template


@dataclass(frozen=True)
class StageForm:
    """What a stage writes to a ticket of one helpdesk read in one language, its comment still a template."""

    patch: Patch                 # without the comment
    template: str | None
    used: frozenset[str]         # the template's placeholders

    def render(self, context: Mapping[str, Any]) -> Patch:
        return replace(self.patch, comment=render(self.template, context) if self.template else None)


def stage_form(mappings: Mappings, stage: str, source: str, language: str) -> StageForm:
    messages, spec = mappings.get("messages"), stage_spec(mappings, stage)
    if spec is None:
        return StageForm(Patch(), None, frozenset())
    template = message_template(mappings, stage, language)
    tags_add = tuple(spec.get("tags_add", ()))
    return StageForm(Patch(
        public=spec.get("public", True),
        tags_add=tags_add,
        tags_remove=tuple(dict.fromkeys((*spec.get("tags_remove", ()), *(
            _other_stage_tags(mappings, stage) if tags_add else ())))),
        fields=dict((spec.get("fields") or {}).get(source, {})),
        status=spec.get("status"),
        follow_up_closed=spec.get("closed_tickets", messages.get("closed_tickets", "follow_up")) == "follow_up",
    ), template, frozenset(placeholders(template)) if template else frozenset())


def patch_for(mappings: Mappings, stage: str, source: str, language: str, context: Mapping[str, Any]) -> Patch:
    return stage_form(mappings, stage, source, language).render(context)


def patch_payload(patch: Patch) -> dict[str, Any]:
    return {"comment": patch.comment, "public": patch.public, "tags_add": list(patch.tags_add),
            "tags_remove": list(patch.tags_remove), "fields": dict(patch.fields), "status": patch.status,
            "follow_up_closed": patch.follow_up_closed}


def patch_from_payload(payload: Mapping[str, Any]) -> Patch:
    return Patch(comment=payload.get("comment"), public=payload.get("public", True),
                 tags_add=tuple(payload.get("tags_add", ())), tags_remove=tuple(payload.get("tags_remove", ())),
                 fields=payload.get("fields") or {}, status=payload.get("status"),
                 follow_up_closed=payload.get("follow_up_closed", True))


def render_for(mappings: Mappings, stage: str, source: str, language: str, context: Mapping[str, Any],
               titles: Mapping[str, str], form: StageForm | None = None) -> tuple[Patch, tuple[str, ...]]:
    """One ticket's patch for `stage` in `language`, and the placeholders of its message that carry text not
    written in that language. `context` holds the ticket's own wish title as `wish_title` and the reason as a
    Reason (or its as_json form, or plain text); `titles` are the group's titles per language. `form` is the
    stage's form for that source and language when the caller has it already."""
    form = form or stage_form(mappings, stage, source, language)
    words = {"wish_title": title_in(titles, str(context.get("wish_title") or ""), language),
             "reason": Reason.of(context.get("reason")).in_language(language)}
    patch = form.render({**context, **{name: wording.text for name, wording in words.items()}})
    return patch, tuple(name for name, wording in words.items() if wording.foreign and name in form.used)


def stored_context(context: Mapping[str, Any]) -> dict[str, Any]:
    """`context` as JSON keeps it (a held item is rendered again from it)."""
    return {**context, "reason": Reason.of(context.get("reason")).as_json()} if "reason" in context else dict(context)


def group_titles(conn: Connection, group_ids: Collection[int]) -> dict[int, dict[str, str]]:
    """The groups' titles written per language (none for an unknown group)."""
    found = {group_id: titles for group_id, titles in conn.execute(
        select(wish_groups.c.id, wish_groups.c.titles).where(wish_groups.c.id.in_(list(group_ids))))}
    return {group_id: dict(found.get(group_id) or {}) for group_id in group_ids}


@dataclass(frozen=True)
class Message:
    """One ticket's item of a stage, rendered as `notify` queues it."""

    source: str
    external_id: str
    language: str
    key: str
    patch: Patch
    foreign: tuple[str, ...]   # placeholders whose text is not written in `language`
    context: dict[str, Any]    # what it was rendered from


@dataclass(frozen=True)
class Audience:
    """Who hears a stage of one group: its tickets (only `ticket_ids`, when given), with the group's
    placeholders and epoch."""

    group_id: int
    context: Mapping[str, Any]
    epoch: int = 0
    ticket_ids: Collection[int] | None = None


def plan(conn: Connection, mappings: Mappings, group_id: int, stage: str, context: Mapping[str, Any], *,
         epoch: int = 0, ticket_ids: set[int] | None = None, occasion: str | None = None,
         titles: Mapping[str, str] | None = None) -> list[Message]:
    """The messages `notify` would queue now, one per ticket that can be written to, rendered with the group's
    titles (or `titles` instead). Reads only."""
    return plan_all(conn, mappings, stage, [Audience(group_id, context, epoch, ticket_ids)], occasion=occasion,
                    titles=None if titles is None else {group_id: titles})


def plan_all(conn: Connection, mappings: Mappings, stage: str, audiences: Sequence[Audience], *,
             occasion: str | None = None, titles: Mapping[int, Mapping[str, str]] | None = None) -> list[Message]:
    """`plan` for several groups' audiences of one stage, with one read of their tickets."""
    default_language = mappings.get("messages").get("default_language", "en")
    by_group = {audience.group_id: audience for audience in audiences}
    titles = group_titles(conn, list(by_group)) if titles is None else titles
    limited = all(audience.ticket_ids is not None for audience in audiences)
    wanted = {ticket for audience in audiences for ticket in audience.ticket_ids or ()} if limited else None
    planned: list[Message] = []
    forms: dict[tuple[str, str], StageForm] = {}
    for row in tickets_of_groups(conn, by_group, wanted):
        audience = by_group[row.group_id]
        if (audience.ticket_ids is not None and row.id not in audience.ticket_ids) or not reaches_customer(row.source):
            continue
        language = row.language or default_language
        own = {**audience.context, "wish_title": row.wish_title, "wish_id": row.wish_id,
               "number": public_number(row.group_id)}
        form = forms.get((row.source, language)) or forms.setdefault(
            (row.source, language), stage_form(mappings, stage, row.source, language))
        patch, foreign = render_for(mappings, stage, row.source, language, own, titles[row.group_id], form)
        if patch.is_empty():
            continue
        key = (occasion_key(stage, occasion, row.group_id, row.id) if occasion
               else stage_key(stage, row.group_id, audience.epoch, row.id))
        planned.append(Message(row.source, row.external_id, language, key, patch, foreign, own))
    return planned


def notify(conn: Connection, mappings: Mappings, group_id: int, stage: str, context: Mapping[str, Any], *,
           epoch: int = 0, ticket_ids: set[int] | None = None, occasion: str | None = None,
           as_is: Collection[str] = (), not_before: datetime | None = None) -> int:
    """Enqueue the stage's patch, rendered per ticket, for every ticket of the group (or only `ticket_ids`);
    returns items added. Keys are once per (stage, group, epoch, ticket), or per `occasion` instead of the
    epoch (each question the analyst asks is its own occasion, and supersedes nothing). A stage whose
    messages.yaml entry says `supersede: false` (the acknowledgement) neither supersedes nor is superseded.
    A message carrying text not written in its reader's language is held unless that language is in `as_is`;
    nothing goes out before `not_before` (an undo window)."""
    return notify_all(conn, mappings, stage, [Audience(group_id, context, epoch, ticket_ids)], occasion=occasion,
                      as_is=as_is, not_before=not_before)


def notify_all(conn: Connection, mappings: Mappings, stage: str, audiences: Sequence[Audience], *,
               occasion: str | None = None, as_is: Collection[str] = (), not_before: datetime | None = None) -> int:
    """`notify` several groups' audiences of one stage with one read and one write."""
    supersede = occasion is None and bool((stage_spec(mappings, stage) or {}).get("supersede", True))
    items = []
    for message in plan_all(conn, mappings, stage, audiences, occasion=occasion):
        held = bool(message.foreign) and message.language not in as_is
        payload: dict[str, Any] = {"external_id": message.external_id, "stage": stage,
                                   "patch": patch_payload(message.patch)}
        if held:
            payload["held"] = {"language": message.language, "foreign": list(message.foreign),
                               "context": stored_context(message.context)}
        items.append(NewItem(message.key, message.source, TICKET_PATCH, payload,
                             lane=ticket_lane(message.source, message.external_id), supersedable=supersede,
                             supersedes=supersede, not_before=not_before, held=held))
    return enqueue_many(conn, items)
