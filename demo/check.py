"""`wishbridge demo --check`: the whole loop, headless, step by step, for any pairing of sandbox helpdesk and
tracker (demo/vendors.py): tickets synced and wishes registered, wishes grouped, a group approved while the
worker creating its epic is killed between create and store, exactly one epic with the analyst notes and every
ticket linked, the epic moved and the stage message on every originating ticket exactly once (by the tracker's
webhook, then by the bridge's poll with the webhook off), nothing twice after another round, and a declined group
told its reason."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select

from bridge.outbox.drain import release_stale_claims
from bridge.store.schema import audit, inbox, tracker_links
from bridge.store.tickets import group_tickets
from bridge.worker import jobs
from bridge.workflow.lifecycle import decide, record_analysis, route
from bridge.workflow.read_models import GroupRow, list_groups
from demo.crash import crash_after_create
from demo.stack import DemoStack

STAGE_WORDS = {"in_development": {"ru": "в разработке", "en": "is in development"},
               "testing": {"ru": "на тестировании", "en": "is being tested"},
               "declined": {"ru": "отклонено", "en": "was declined"}}  # mappings/messages.yaml
DECLINE_REASON = "Вне стратегии продукта на этот год"
NOTES = "Top demand from enterprise customers; blocks their move off spreadsheets."
NOTES_SHOWN = "blocks their move off spreadsheets"  # what survives any tracker's escaping of NOTES


@dataclass(frozen=True)
class Step:
    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'} {self.name}: {self.detail}"


@dataclass(frozen=True)
class Told:
    """Per originating ticket: its public comments carrying a stage's words in the ticket's language (and
    `also`, when given)."""

    counts: dict[str, int]
    russian: int  # how many of the tickets were told in Russian

    @property
    def once(self) -> bool:
        return bool(self.counts) and set(self.counts.values()) == {1}

    def __str__(self) -> str:
        reached = sum(1 for count in self.counts.values() if count)
        return (f"on {reached} of {len(self.counts)} tickets ({self.russian} in Russian), "
                f"{sum(self.counts.values())} in all")


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


def told(stack: DemoStack, group: GroupRow, stage: str, also: str = "") -> Told:
    """What the helpdesk shows on each of the group's tickets about `stage`."""
    default = stack.runtime.mappings.get("messages").get("default_language", "en")
    with stack.runtime.engine.connect() as conn:
        rows = [row for row in group_tickets(conn, group.id) if row.source == stack.helpdesk.name]
    counts, russian = {}, 0
    for row in rows:
        language = row.language or default
        words = STAGE_WORDS[stage].get(language, STAGE_WORDS[stage]["en"])
        counts[row.external_id] = sum(c.public and words in c.text and also in c.text
                                      for c in stack.helpdesk.comments(row.external_id))
        russian += language == "ru"
    return Told(counts, russian)


def deliveries(stack: DemoStack) -> int:
    """Webhook deliveries the bridge received from the tracker."""
    with stack.runtime.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(inbox)
                                .where(inbox.c.source == stack.tracker.name)).scalar_one())


def epic_key(stack: DemoStack, group_id: int) -> str:
    with stack.runtime.engine.connect() as conn:
        return str(conn.execute(select(tracker_links.c.issue_key).where(tracker_links.c.group_id == group_id))
                   .scalar_one_or_none() or "")


def epic_actions(stack: DemoStack, group_id: int) -> list[str]:
    """How the group's epic was stored, from its audit: epic_created, epic_adopted (found after a crash) ..."""
    with stack.runtime.engine.connect() as conn:
        return list(conn.execute(select(audit.c.action).where(
            audit.c.entity == "group", audit.c.entity_id == str(group_id), audit.c.action.like("epic_%")
        ).order_by(audit.c.id)).scalars())


def run_check(stack: DemoStack) -> list[Step]:
    runtime, steps = stack.runtime, []
    [summary] = jobs.sync_sources(runtime)
    steps.append(Step("sync", summary.new == stack.tickets and summary.wishes > 0, summary.line()))
    with runtime.engine.connect() as conn:
        groups = sorted(list_groups(conn, runtime.mappings), key=lambda g: (-g.tickets, g.id))
    steps.append(Step("grouping", 1 < len(groups) < summary.wishes,
                      f"{summary.wishes} wishes in {len(groups)} groups; largest has {groups[0].tickets} tickets"))
    target, other = groups[0], groups[1]
    settle(stack)  # the acknowledgements go out first, so the worker that crashes holds only the approval's work
    with runtime.engine.begin() as conn:
        route(conn, runtime.mappings, target.id, "analyst", "pm")
        record_analysis(conn, target.id, "analyst", importance="critical", notes=NOTES)
        decide(conn, runtime.mappings, target.id, "approve", "pm")
    steps.append(crash_step(stack, target))
    steps.append(epic_step(stack, target))
    key = epic_key(stack, target.id)
    steps.append(webhook_step(stack, target, key))
    steps.append(poll_step(stack, target, key))
    jobs.reconcile_trackers(runtime)
    settle(stack)
    again = {stage: told(stack, target, stage) for stage in ("in_development", "testing")}
    epics = stack.tracker.epics_marked(target.id)
    steps.append(Step("no duplicates", all(t.once for t in again.values()) and epics == 1,
                      f"after another poll and drain: 'in development' {again['in_development']}; 'testing' "
                      f"{again['testing']}; {epics} epic"))
    with runtime.engine.begin() as conn:
        decide(conn, runtime.mappings, other.id, "decline", "pm", reason=DECLINE_REASON)
    settle(stack)
    declined = told(stack, other, "declined", also=DECLINE_REASON)
    steps.append(Step("decline told", declined.once,
                      f"group {other.id} declined with the reason «{DECLINE_REASON}»; message with the reason "
                      f"{declined}"))
    return steps


def crash_step(stack: DemoStack, group: GroupRow) -> Step:
    """The worker that handles the approval is killed after the tracker created the epic and before the bridge
    stored it; the restarted worker gives its claims back and drains again."""
    tracker = stack.tracker
    landed = crash_after_create(tracker.app, tracker.creates, stack.environment, stack.data_dir / "crashed-worker.log")
    stored, made = epic_key(stack, group.id), tracker.epics_marked(group.id)
    release_stale_claims(stack.runtime.engine)  # what `wishbridge worker` does when it starts
    settle(stack)
    return Step("crash between create and store", landed and not stored and made == 1,
                f"worker killed after {tracker.label} created the epic ({made} there) and before it was stored "
                f"(stored: {stored or 'nothing'}); restarted and drained again")


def epic_step(stack: DemoStack, group: GroupRow) -> Step:
    key, tracker = epic_key(stack, group.id), stack.tracker
    if not key:
        return Step("epic", False, f"group {group.id} has no {tracker.label} epic after approval")
    epic, epics, how = tracker.epic(key), tracker.epics_marked(group.id), epic_actions(stack, group.id)
    linked = len(set(epic.links))
    ok = (epics == 1 and how == ["epic_adopted"] and NOTES_SHOWN in epic.description
          and linked == len(epic.links) == group.tickets)
    return Step("epic", ok, f"exactly {epics} epic in {tracker.label}, {key}, stored as {', '.join(how)} (found, "
                f"not created again); analyst notes in it; {linked} of {group.tickets} tickets linked, "
                f"{len(epic.links)} links")


def webhook_step(stack: DemoStack, group: GroupRow, key: str) -> Step:
    before = deliveries(stack)
    stack.tracker.move(key, "in_development")
    received = wait_for(lambda: deliveries(stack) > before)
    settle(stack)
    first = told(stack, group, "in_development")
    return Step("status by webhook", received and first.once,
                f"{key} moved to in progress in {stack.tracker.label}; webhook received: {received}; "
                f"'in development' message {first}")


def poll_step(stack: DemoStack, group: GroupRow, key: str) -> Step:
    stack.tracker.webhooks_off()
    before = deliveries(stack)
    stack.tracker.move(key, "testing")
    changed = jobs.reconcile_trackers(stack.runtime)
    settle(stack)
    testing = told(stack, group, "testing")
    silent = deliveries(stack) == before
    return Step("status by poll", changed == 1 and silent and testing.once,
                f"{key} moved to testing with the webhook off; the poll found {changed} change; 'testing' "
                f"message {testing}")
