"""Who may do what in the admin pages: one permission table, checked on every page and action.

Analysts and legal experts act on the groups of their own queue only (analysis, notes, questions to customers);
product managers decide; admins may do everything, including users and operations.
"""

from __future__ import annotations

from collections.abc import Mapping

VIEW = frozenset({"view", "add_wish", "comment"})
QUEUE_WORK = frozenset({"analyse", "ask"})
ORGANISE = frozenset({"rename", "assign"})   # a group's title and owner
DECIDE = frozenset({"confirm", "acknowledge", "route", "merge", "not_same", "unmerge", "split", "approve",
                    "decline", "defer", "reopen", "translate", "handover"}) | QUEUE_WORK | ORGANISE
ADMIN = frozenset({"users", "operations", "mappings"})

PERMISSIONS: Mapping[str, frozenset[str]] = {
    "support": VIEW,
    "analyst": VIEW,
    "legal": VIEW,
    "product_manager": VIEW | DECIDE,
    "admin": VIEW | DECIDE | ADMIN,
}
QUEUE_OF_ROLE: Mapping[str, str] = {"analyst": "analyst", "legal": "legal"}
ACTIONS = frozenset().union(*PERMISSIONS.values())


def allowed(role: str, action: str, queue: str | None = None) -> bool:
    """May `role` do `action` (on a group in `queue`, for queue-bound work)?"""
    if action in PERMISSIONS.get(role, frozenset()):
        return True
    return action in QUEUE_WORK and queue is not None and QUEUE_OF_ROLE.get(role) == queue
