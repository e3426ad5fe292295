"""Every workflow action the group page offers: the form it reads and the bridge.workflow.lifecycle call it makes.

Each action returns the group whose page to show next (a split shows the new group, a merge its survivor).
The action names are the permission names of roles.py. Declining and deferring are views_decisions' (preview,
confirm, undo).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sqlalchemy import Connection
from werkzeug.datastructures import MultiDict

from bridge.mapping import Mappings
from bridge.store.ids import store_id
from bridge.web.admin.pages import BadField, day, field, number, optional
from bridge.workflow import curation, handover, lifecycle
from bridge.workflow.suggestions import judge

Form = MultiDict[str, str]
Action = Callable[[Connection, Mappings, int, Form, str], int]


def _route(conn: Connection, mappings: Mappings, group_id: int, form: Form, actor: str) -> int:
    lifecycle.route(conn, mappings, group_id, field(form, "queue"), actor, reason=optional(form, "reason"))
    return group_id


def _analyse(conn: Connection, _mappings: Mappings, group_id: int, form: Form, actor: str) -> int:
    lifecycle.record_analysis(conn, group_id, actor, importance=optional(form, "importance"),
                           notes=optional(form, "notes"), legal_reference=optional(form, "legal_reference"),
                           legal_deadline=day(form, "legal_deadline"))
    return group_id


def _ask(conn: Connection, mappings: Mappings, group_id: int, form: Form, actor: str) -> int:
    lifecycle.ask_customers(conn, mappings, group_id, field(form, "question"), actor)
    return group_id


def _approve(conn: Connection, mappings: Mappings, group_id: int, form: Form, actor: str) -> int:
    """Approval; declining and deferring go through their preview (views_decisions)."""
    lifecycle.decide(conn, mappings, group_id, "approve", actor, reason=optional(form, "reason"),
                     issue_key=optional(form, "issue_key"))
    return group_id


def _handover(conn: Connection, _mappings: Mappings, group_id: int, form: Form, actor: str) -> int:
    """Hand a group whose hand-over failed over again: to the issue the form names (checked with the tracker
    by issue_keys.checked first), or to a new epic when it names none."""
    handover.hand_over_again(conn, group_id, actor, optional(form, "issue_key"))
    return group_id


def _reopen(conn: Connection, mappings: Mappings, group_id: int, form: Form, actor: str) -> int:
    lifecycle.reopen(conn, mappings, group_id, actor, field(form, "reason"))
    return group_id


def _shown_score(form: Form) -> float | None:
    try:
        return float(form["score"]) if form.get("score") else None
    except ValueError:
        raise BadField("score") from None


def _merge(conn: Connection, _mappings: Mappings, group_id: int, form: Form, actor: str) -> int:
    """A merge of this group and `target_id` (the merge preview's confirmation): `survivor` is the one the product
    manager kept, else the rule picks it (merging.merge_pair). Made from a suggestion (the form carries the score
    shown), it also records the verdict `same`. Shows the survivor."""
    target = number(form, "target_id")
    survivor = lifecycle.merge_pair(conn, group_id, target, actor, number(form, "survivor") if "survivor" in form
                                    else None)
    if "score" in form:
        judge(conn, target, group_id, "same", actor, _shown_score(form))
    return survivor


def _not_same(conn: Connection, _mappings: Mappings, group_id: int, form: Form, actor: str) -> int:
    """The product manager says a suggested group is not the same request: it is not suggested again."""
    judge(conn, group_id, number(form, "other_id"), "not_same", actor, _shown_score(form))
    return group_id


def _plain(change: Callable[[Connection, int, str], object]) -> Action:
    """An action that needs nothing but the group and who does it."""

    def act(conn: Connection, _mappings: Mappings, group_id: int, _form: Form, actor: str) -> int:
        change(conn, group_id, actor)
        return group_id

    return act


def _split(conn: Connection, _mappings: Mappings, group_id: int, form: Form, actor: str) -> int:
    try:
        wish_ids = [store_id(value) for value in form.getlist("wish_ids")]
    except ValueError:
        raise BadField("wish_ids") from None
    if not wish_ids:
        raise BadField("wish_ids")
    return lifecycle.split(conn, group_id, wish_ids, actor, title=optional(form, "title"))


def _comment(conn: Connection, _mappings: Mappings, group_id: int, form: Form, actor: str) -> int:
    lifecycle.add_comment(conn, group_id, actor, field(form, "body"))
    return group_id


def _rename(conn: Connection, _mappings: Mappings, group_id: int, form: Form, actor: str) -> int:
    curation.rename(conn, group_id, field(form, "new_title"), actor)
    return group_id


def _assign(conn: Connection, _mappings: Mappings, group_id: int, form: Form, actor: str) -> int:
    """The owner chosen, or none (an empty choice)."""
    curation.assign(conn, group_id, optional(form, "owner"), actor)
    return group_id


ACTIONS: Mapping[str, Action] = {
    "confirm": _plain(lifecycle.confirm),
    "acknowledge": _plain(lifecycle.acknowledge),
    "unmerge": _plain(lifecycle.unmerge),
    "route": _route,
    "analyse": _analyse,
    "ask": _ask,
    "approve": _approve,
    "reopen": _reopen,
    "handover": _handover,
    "merge": _merge,
    "not_same": _not_same,
    "split": _split,
    "comment": _comment,
    "rename": _rename,
    "assign": _assign,
}
