"""The product manager's verdicts on suggested groups: `same` (a merge made from a suggestion) or `not_same`.

A pair is stored once, whichever group's page it was judged on, and the latest verdict wins. A pair judged
`not_same` is never suggested again and never joined by `wishbridge group run`; every verdict keeps the
score that was shown, so the pairs can be used to check grouping.yaml's thresholds.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, or_, select

from bridge.errors import WorkflowError
from bridge.store.schema import suggestion_verdicts
from bridge.workflow.changes import load_group

VERDICTS = ("same", "not_same")


def record_verdict(conn: Connection, group_id: int, other_id: int, verdict: str, actor: str,
                   score: float | None = None) -> None:
    """Store the verdict on the pair (replacing an earlier one); WorkflowError for an unknown group or verdict."""
    if verdict not in VERDICTS:
        raise WorkflowError(f"unknown verdict '{verdict}' (known: {', '.join(VERDICTS)})")
    if group_id == other_id:
        raise WorkflowError("a group is not a suggestion for itself")
    load_group(conn, group_id)
    load_group(conn, other_id)
    low, high = sorted((group_id, other_id))
    table = suggestion_verdicts.c
    conn.execute(suggestion_verdicts.delete().where(table.group_id == low, table.other_group_id == high))
    conn.execute(suggestion_verdicts.insert().values(group_id=low, other_group_id=high, verdict=verdict,
                                                     score=score, actor=actor, at=datetime.now(UTC)))


def rejected_with(conn: Connection, group_id: int) -> set[int]:
    """The groups judged `not_same` as ``group_id``."""
    table = suggestion_verdicts.c
    rows = conn.execute(select(table.group_id, table.other_group_id).where(
        table.verdict == "not_same", or_(table.group_id == group_id, table.other_group_id == group_id)))
    return {other if low == group_id else low for low, other in rows}
