"""Every outbox key and lane, built and read here only. A key makes its item once-only (the store refuses a second
item with the same key); a lane orders items (only a lane's oldest unfinished item can be claimed). Pure."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StageKey:
    """`stage:{stage}:g{group}:e{epoch}:t{ticket}`: a stage told to one ticket, once per epoch of its group."""

    stage: str
    group_id: int
    epoch: int
    ticket_id: int

    def __str__(self) -> str:
        return f"stage:{self.stage}:g{self.group_id}:e{self.epoch}:t{self.ticket_id}"

    @classmethod
    def parse(cls, key: str) -> StageKey:
        kind, stage, group, epoch, ticket = key.split(":")
        if kind != "stage":
            raise ValueError(f"not a stage key: {key}")
        return cls(stage, int(group[1:]), int(epoch[1:]), int(ticket[1:]))


def stage_key(stage: str, group_id: int, epoch: int, ticket_id: int) -> str:
    return str(StageKey(stage, group_id, epoch, ticket_id))


def occasion_key(stage: str, occasion: str, group_id: int, ticket_id: int) -> str:
    """A message that belongs to an occasion rather than an epoch (each question the analyst asks)."""
    return f"{stage}:{occasion}:g{group_id}:t{ticket_id}"


QUESTION = "question"  # the stage of messages.yaml that puts the analyst's question to a ticket


def question_occasion(comment_id: int) -> str:
    """The occasion of a question: the group comment that keeps it."""
    return f"c{comment_id}"


@dataclass(frozen=True)
class QuestionKey:
    """`question:c{comment}:g{group}:t{ticket}`: the question kept as group comment `comment_id`, put to one
    ticket (occasion_key of the `question` stage)."""

    comment_id: int
    group_id: int
    ticket_id: int

    @classmethod
    def parse(cls, key: str) -> QuestionKey:
        stage, occasion, group, ticket = key.split(":")
        if stage != QUESTION or not occasion.startswith("c"):
            raise ValueError(f"not a question key: {key}")
        return cls(int(occasion[1:]), int(group[1:]), int(ticket[1:]))


def question_keys() -> str:
    """A LIKE pattern matching every question key."""
    return f"{QUESTION}:%"


def stage_keys() -> str:
    """A LIKE pattern matching every stage key."""
    return "stage:%"


def stage_keys_of_group(group_id: int) -> str:
    """A LIKE pattern matching every stage key of the group."""
    return f"stage:%:g{group_id}:%"


def stage_keys_of_epoch(stage: str, group_id: int, epoch: int) -> str:
    """A LIKE pattern matching the keys of one stage of the group in one epoch (every ticket told it)."""
    return f"stage:{stage}:g{group_id}:e{epoch}:%"


def message_keys_of_group(group_id: int) -> str:
    """A LIKE pattern matching every stage and occasion key of the group."""
    return f"%:g{group_id}:%"


def keys_of_ticket(ticket_id: int) -> str:
    """A LIKE pattern matching every message key of one ticket."""
    return f"%:t{ticket_id}"


def ticket_lane(source: str, external_id: str) -> str:
    return f"{source}:{external_id}"


def epic_key(group_id: int) -> str:
    return f"epic:g{group_id}"


def link_key(group_id: int, ticket_id: int) -> str:
    return f"link:g{group_id}:t{ticket_id}"


def epic_update_lane(group_id: int) -> str:
    return f"epic-update:g{group_id}"


def epic_update_key(group_id: int, version: str, count: int) -> str:
    return f"{epic_update_lane(group_id)}:v{version}:n{count}"
