"""`wishbridge demo --check`: the whole loop, headless, step by step — tickets synced from the sandbox Zendesk,
wishes grouped, a group approved, its epic in the sandbox Jira with every ticket linked, the epic moved, the
stage message on every originating ticket exactly once, and a declined group told its reason."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from bridge.store.schema import inbox, tracker_links
from bridge.worker import jobs
from bridge.workflow.lifecycle import decide, record_analysis, route
from bridge.workflow.read_models import GroupRow, list_groups
from demo.stack import DemoStack
from sandboxes.jira import DEMO_USER

STAGE_WORDS = {"in_development": ("в разработке", "is in development"), "declined": ("отклонено", "was declined")}
DECLINE_REASON = "Вне стратегии продукта на этот год"


@dataclass(frozen=True)
class Step:
    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'} {self.name}: {self.detail}"


def settle(stack: DemoStack, rounds: int = 10) -> None:
    """Run the inbox and outbox jobs until nothing is left to do (link items follow epic items)."""
    for _ in range(rounds):
        handled = jobs.drain_inbox(stack.runtime)
        summary = jobs.drain_outbox(stack.runtime)
        if not handled and not summary.done and not summary.retrying:
            return


def wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def stage_comments(stack: DemoStack, group: GroupRow, stage: str) -> dict[str, int]:
    """Per originating Zendesk ticket: how many comments carry the stage's words."""
    from bridge.store.tickets import group_tickets

    with stack.runtime.engine.connect() as conn:
        rows = [row for row in group_tickets(conn, group.id) if row.source == "zendesk"]
    words = STAGE_WORDS[stage]
    return {row.external_id: sum(any(w in str(c.get("body", "")) for w in words)
                                 for c in stack.zendesk_comments(row.external_id)) for row in rows}


def jira_webhooks_received(stack: DemoStack) -> int:
    with stack.runtime.engine.connect() as conn:
        return len(conn.execute(select(inbox.c.id).where(inbox.c.source == "jira")).all())


def run_check(stack: DemoStack) -> list[Step]:
    runtime, steps = stack.runtime, []
    [summary] = jobs.sync_sources(runtime)
    steps.append(Step("sync", summary.new == stack.tickets and summary.wishes > 0, summary.line()))
    with runtime.engine.connect() as conn:
        groups = sorted(list_groups(conn, runtime.mappings), key=lambda g: (-g.tickets, g.id))
    steps.append(Step("grouping", 1 < len(groups) < summary.wishes,
                      f"{summary.wishes} wishes in {len(groups)} groups; largest has {groups[0].tickets} tickets"))
    target, other = groups[0], groups[1]
    with runtime.engine.begin() as conn:
        route(conn, runtime.mappings, target.id, "analyst", "pm")
        record_analysis(conn, target.id, "analyst", importance="critical",
                        notes="Top demand from enterprise customers; blocks their move off spreadsheets.")
        decide(conn, runtime.mappings, target.id, "approve", "pm")
    settle(stack)
    steps.append(epic_step(stack, target))
    key = epic_key(stack, target.id)
    sandbox = stack.jira.extensions["jira_sandbox"]
    before = jira_webhooks_received(stack)
    sandbox.transition(sandbox.get(key), "21", DEMO_USER)
    received = wait_for(lambda: jira_webhooks_received(stack) > before)
    settle(stack)
    first = stage_comments(stack, target, "in_development")
    steps.append(Step("status back", received and bool(first) and set(first.values()) == {1},
                      f"{key} moved to In Progress; webhook received: {received}; 'in development' message on "
                      f"{sum(first.values())} of {len(first)} tickets"))
    jobs.reconcile_trackers(runtime)
    settle(stack)
    again = stage_comments(stack, target, "in_development")
    marker = f"wishbridge-g{target.id}"
    epics = sum(marker in (issue.fields.get("labels") or []) for issue in sandbox.issues.values())
    steps.append(Step("no duplicates", again == first and epics == 1,
                      f"after a reconcile poll and a second drain: {sum(again.values())} messages, {epics} epic"))
    with runtime.engine.begin() as conn:
        decide(conn, runtime.mappings, other.id, "decline", "pm", reason=DECLINE_REASON)
    settle(stack)
    declined = stage_comments(stack, other, "declined")
    steps.append(Step("decline told", bool(declined) and set(declined.values()) == {1},
                      f"group {other.id} declined with a reason; message on {sum(declined.values())} of "
                      f"{len(declined)} tickets"))
    return steps


def epic_key(stack: DemoStack, group_id: int) -> str:
    with stack.runtime.engine.connect() as conn:
        return str(conn.execute(select(tracker_links.c.issue_key).where(tracker_links.c.group_id == group_id))
                   .scalar_one_or_none() or "")


def epic_step(stack: DemoStack, group: GroupRow) -> Step:
    key = epic_key(stack, group.id)
    if not key:
        return Step("epic", False, f"group {group.id} has no Jira epic after approval")
    issue = stack.jira.extensions["jira_sandbox"].get(key)
    description = json.dumps(issue.fields.get("description"), ensure_ascii=False)
    linked = len(issue.remote_links)
    ok = "blocks their move off spreadsheets" in description and linked == group.tickets
    return Step("epic", ok, f"{key} created with the analyst notes; {linked} of {group.tickets} tickets linked")
