import hashlib
import hmac
import json
import shutil
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from bridge.errors import FatalError, RetriableError
from bridge.mapping import check_mappings, load_mappings
from bridge.mapping.tracker import stage_for
from bridge.model import STATUS_CHANGED, IssueState, WebhookEvent
from bridge.outbox.drain import drain, ticket_patch_handler
from bridge.outbox.notify import TICKET_PATCH
from bridge.runtime import Runtime
from bridge.store import outbox
from bridge.store.audit import trail
from bridge.store.cursors import load_cursor, sync_status
from bridge.store.schema import inbox, tracker_links, wish_groups
from bridge.store.schema import outbox as outbox_rows
from bridge.tracker.status import handle_tracker_events, observe, reconcile
from bridge.web.app import create_app
from bridge.worker import jobs as services
from connectors.jira.tracker import updated_clause
from sandboxes.jira import DEMO_USER, SANDBOX_EMAIL, SANDBOX_TOKEN, serve_in_thread
from tests.conftest import MAPPINGS, shared_path
from tests.doubles import MemoryHelpdesk
from tests.jira_helpers import a_group, link_epic, served_jira

SECRET = "hook-secret"
JIRA = {"project": {"key": "WISH"}, "issuetype": {"id": "10000"}, "summary": "Export reports to Excel"}


@pytest.fixture(scope="module")
def mappings():
    return load_mappings(MAPPINGS)


@pytest.fixture
def jira_runtime(engine, settings):
    """A Runtime on the parametrized store whose Jira settings match the sandbox's account."""
    runtime = Runtime(settings.replace(JIRA_URL="https://jira.example", JIRA_EMAIL=SANDBOX_EMAIL,
                                       JIRA_API_TOKEN=SANDBOX_TOKEN, JIRA_WEBHOOK_SECRET=SECRET))
    runtime.__dict__["engine"] = engine
    return runtime


def status_event(key: str = "WISH-1", status: str = "In Progress", category: str | None = "indeterminate",
                 resolution: str | None = None, fix_versions: tuple[str, ...] = (), **payload) -> WebhookEvent:
    return WebhookEvent("jira", STATUS_CHANGED, f"d-{status}", issue_key=key, payload={
        "status": status, "status_category": category, "resolution": resolution,
        "fix_versions": list(fix_versions), **payload})


def patches(engine, stage: str | None = None) -> list[dict]:
    with engine.connect() as conn:
        items = [item for item in outbox.items(conn, limit=10_000) if item["kind"] == TICKET_PATCH]
    return [item for item in items if stage is None or item["payload"]["stage"] == stage]


def group_row(engine, group: int):
    with engine.connect() as conn:
        return conn.execute(select(wish_groups).where(wish_groups.c.id == group)).one()


def test_a_status_change_reaches_every_linked_ticket_exactly_once_even_when_one_ticket_fails_at_first(
        engine, mappings):
    with engine.begin() as conn:
        group = a_group(conn, 150)
        link_epic(conn, group, "WISH-1")
        assert handle_tracker_events(conn, mappings, "jira", [status_event()])
        assert not handle_tracker_events(conn, mappings, "jira", [status_event()])
    desk = MemoryHelpdesk(failing={"zendesk-3"})
    handlers = {TICKET_PATCH: ticket_patch_handler({"zendesk": desk})}
    first = drain(engine, handlers, limits={"zendesk": 100})
    assert (first.done, first.retrying) == (149, 1)
    assert [size for _, size in first.calls] == [100, 50]
    with engine.begin() as conn:
        conn.execute(update(outbox_rows).values(next_attempt_at=datetime.now(UTC)))
    assert drain(engine, handlers).done == 1
    assert len(desk.messages) == 150
    assert all(comments == [f'"Export to Excel #{ticket.removeprefix("zendesk-")}" is in development.']
               for ticket, comments in desk.messages.items())


@pytest.fixture
def wired_jira(jira_runtime):
    """The bridge's web app served, and a sandbox Jira whose webhook points at it."""
    bridge_url, stop_bridge = serve_in_thread(create_app(runtime=jira_runtime))
    try:
        with served_jira(webhook_url=f"{bridge_url}/webhooks/jira", webhook_secret=SECRET) as served:
            yield served
    finally:
        stop_bridge()


def test_the_same_change_seen_by_webhook_and_by_the_poll_tells_customers_once(jira_runtime, mappings, wired_jira):
    engine, (connector, jira) = jira_runtime.engine, wired_jira
    epic = jira.create({"fields": JIRA})
    with engine.begin() as conn:
        link_epic(conn, a_group(conn, 3), epic.key)
    jira.transition(epic, "21", DEMO_USER)
    jira.flush()
    assert services.drain_inbox(jira_runtime) == 1
    assert reconcile(engine, connector, mappings) == 0
    assert len(patches(engine, "in_development")) == 3
    with engine.connect() as conn:
        link = conn.execute(select(tracker_links)).one()
    assert (link.stage, link.status, link.status_category) == ("in_development", "In Progress", "indeterminate")


def test_the_bridges_own_changes_never_echo_back(jira_runtime, wired_jira):
    engine, (_connector, jira) = jira_runtime.engine, wired_jira
    epic = jira.create({"fields": JIRA})
    with engine.begin() as conn:
        link_epic(conn, a_group(conn, 2), epic.key)
    jira.transition(epic, "21", {"accountId": "557058:bridge", "emailAddress": SANDBOX_EMAIL})
    jira.flush()
    assert services.drain_inbox(jira_runtime) == 1
    assert inbox_count(engine) == 1 and patches(engine) == []


def test_changes_without_a_status_resolution_or_fix_version_are_ignored(engine, mappings):
    with engine.begin() as conn:
        link_epic(conn, a_group(conn, 2), "WISH-1")
        labels = WebhookEvent("jira", "issue_updated", "d-labels", issue_key="WISH-1", payload={"status": "Done"})
        assert not handle_tracker_events(conn, mappings, "jira", [labels])
    assert patches(engine) == []


def signed_body(name: str, key: str) -> tuple[bytes, dict[str, str]]:
    data = json.loads(shared_path("data", "webhooks", "jira", name).read_text())
    data["issue"]["key"] = key
    body = json.dumps(data).encode()
    signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return body, {"X-Hub-Signature": f"sha256={signature}", "X-Atlassian-Webhook-Identifier": "delivery-1",
                  "Content-Type": "application/json"}


def inbox_count(engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(inbox)).scalar_one())


def test_a_duplicate_delivery_is_stored_once(jira_runtime):
    body, headers = signed_body("webhook-issue-updated-started-working.json", "WISH-1")
    client = create_app(runtime=jira_runtime).test_client()
    first = client.post("/webhooks/jira", data=body, headers=headers)
    again = client.post("/webhooks/jira", data=body, headers=headers)
    assert (first.status_code, again.status_code) == (202, 202)
    assert (first.json["duplicate"], again.json["duplicate"]) == (False, True)
    assert inbox_count(jira_runtime.engine) == 1


def test_a_bad_signature_is_refused_with_401_and_nothing_is_stored(jira_runtime):
    body, headers = signed_body("webhook-issue-updated-started-working.json", "WISH-1")
    client = create_app(runtime=jira_runtime).test_client()
    tampered = client.post("/webhooks/jira", data=body.replace(b"In Progress", b"Done"), headers=headers)
    unsigned = client.post("/webhooks/jira", data=body, headers={"Content-Type": "application/json"})
    assert (tampered.status_code, unsigned.status_code) == (401, 401)
    assert inbox_count(jira_runtime.engine) == 0


def test_a_release_closes_the_group_and_tells_the_fix_version(engine, mappings):
    with engine.begin() as conn:
        group = a_group(conn, 2)
        link_epic(conn, group, "WISH-1", stage="testing", status="Testing")
        assert observe_event(conn, mappings, status="Done", category="done", resolution="Done", fix_versions=("5.2",))
    assert group_row(engine, group).state == "done"
    comments = sorted(item["payload"]["patch"]["comment"] for item in patches(engine, "released"))
    assert comments == [f'Done: "Export to Excel #{n}" is released (5.2). Thank you for helping us improve!'
                        for n in (0, 1)]
    with engine.connect() as conn:
        [entry] = trail(conn, "group", group)
    assert (entry["action"], entry["actor"], entry["details"]["previous_state"]) == ("done", "jira", "approved")


def observe_event(conn, mappings, **state) -> bool:
    return bool(handle_tracker_events(conn, mappings, "jira", [status_event(**state)]))


def test_wont_do_declines_the_group_with_the_resolution_as_reason(engine, mappings):
    with engine.begin() as conn:
        group = a_group(conn, 1)
        link_epic(conn, group, "WISH-1", stage="in_development", status="In Progress")
        assert observe_event(conn, mappings, status="Done", category="done", resolution="Won't Do")
    row = group_row(engine, group)
    assert (row.state, row.reason) == ("declined", "Won't Do")
    with engine.connect() as conn:
        assert [(e["action"], e["actor"], e["reason"]) for e in trail(conn, "group", group)] == [
            ("decline", "jira", "Won't Do")]
    [item] = patches(engine, "declined")   # the customer reads the standard reason "Won't Do" names
    assert item["payload"]["patch"]["comment"].endswith("Reason: we have decided not to implement it")


def test_an_epic_jira_reopens_puts_its_released_group_back_in_approved(engine, mappings):
    with engine.begin() as conn:
        group = a_group(conn, 1)
        link_epic(conn, group, "WISH-1", stage="testing", status="Testing")
        assert observe_event(conn, mappings, status="Done", category="done")
        assert observe_event(conn, mappings, status="In Progress", category="indeterminate")
    assert group_row(engine, group).state == "approved"
    with engine.connect() as conn:
        assert [(e["action"], e["actor"]) for e in trail(conn, "group", group)] == [
            ("done", "jira"), ("reopened_in_jira", "jira")]
    assert sorted(item["payload"]["stage"] for item in patches(engine)) == ["in_development", "released"]


def test_a_status_that_stays_in_its_stage_updates_the_link_and_tells_nobody(engine, mappings):
    with engine.begin() as conn:
        link_epic(conn, a_group(conn, 2), "WISH-1", stage="in_development", status="In Progress")
        assert not observe_event(conn, mappings, status="Coding", category="indeterminate")
        assert conn.execute(select(tracker_links.c.status)).scalar_one() == "Coding"
    assert patches(engine) == []


def test_an_unlinked_issue_is_none_of_the_bridges_business(engine, mappings):
    with engine.begin() as conn:
        assert not observe_event(conn, mappings, key="OTHER-9")


def linked_epics(engine, jira, count: int) -> tuple[list, list[int]]:
    """`count` epics in the sandbox Jira, each linked to its own one-ticket group."""
    epics = [jira.create({"fields": JIRA}) for _ in range(count)]
    with engine.begin() as conn:
        groups = [a_group(conn, 1, first_number=n) for n in range(count)]
        for group, epic in zip(groups, epics, strict=True):
            link_epic(conn, group, epic.key)
    return epics, groups


def test_reconcile_reads_every_linked_issue_first_then_only_what_changed_since_the_last_check(engine, mappings):
    with served_jira() as (connector, jira):
        epics, groups = linked_epics(engine, jira, 3)
        jira.transition(epics[0], "31", DEMO_USER)
        assert reconcile(engine, connector, mappings) == 1
        with engine.connect() as conn:
            assert load_cursor(conn, "jira") is not None
        jira.transition(epics[1], "51", DEMO_USER)
        assert reconcile(engine, connector, mappings) == 1
        assert reconcile(engine, connector, mappings) == 0
    assert [group_row(engine, g).state for g in groups] == ["approved", "done", "approved"]
    assert [len(patches(engine, stage)) for stage in ("testing", "released")] == [1, 1]


def test_the_poll_asks_for_minutes_since_the_last_check_with_some_overlap():
    now = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    assert updated_clause(now - timedelta(minutes=5, seconds=10), now) == 'updated >= "-8m"'


@pytest.mark.parametrize(("status", "category", "resolution", "stage"), [
    ("Done", "done", "Won't Do", "declined"),
    ("in review", "indeterminate", None, "testing"),
    ("Deploying", "indeterminate", None, "in_development"),
    ("Done", "done", "Done", "released"),
    ("Parked", None, None, None),
])
def test_a_stage_comes_from_the_resolution_then_the_status_name_then_its_category(
        mappings, status, category, resolution, stage):
    assert stage_for(mappings.get("jira"), status, category, resolution) == stage


def test_an_unknown_stage_in_jira_yaml_is_reported_at_its_line(tmp_path):
    target = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, target)
    path = target / "jira.yaml"
    path.write_text(path.read_text().replace('"In Progress": in_development', '"In Progress": coding'))
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if "coding" in text)
    issues = [str(issue) for issue in check_mappings(target)[1]]
    assert f"{path}:{line}:3: statuses.In Progress: unknown stage 'coding' (known: planned, in_development, " \
           "testing, released, declined)" in issues


def test_observing_the_same_state_twice_moves_the_stage_once(engine, mappings):
    state = IssueState("WISH-1", "In Review", "indeterminate")
    with engine.begin() as conn:
        link_epic(conn, a_group(conn, 2), "WISH-1")
        assert [observe(conn, mappings, "jira", state), observe(conn, mappings, "jira", state)] == [True, False]
    assert len(patches(engine, "testing")) == 2


def test_a_failed_poll_keeps_the_last_check_and_says_why(engine, mappings):
    with served_jira() as (connector, _jira), engine.begin() as conn:
        link_epic(conn, a_group(conn, 1), "WISH-404")
    with pytest.raises(RetriableError):
        reconcile(engine, connector, mappings)
    with engine.connect() as conn:
        assert load_cursor(conn, "jira") is None
        assert "ConnectionError" in sync_status(conn)[0]["last_error"]


def test_a_late_webhook_older_than_what_the_poll_saw_cannot_move_the_stage_back(engine, mappings):
    with engine.begin() as conn:
        link_epic(conn, a_group(conn, 2), "WISH-1")
        newer = IssueState("WISH-1", "Testing", "indeterminate", as_of=datetime(2026, 11, 24, 10, 5, tzinfo=UTC))
        older = IssueState("WISH-1", "In Progress", "indeterminate",
                           as_of=datetime(2026, 11, 24, 10, 1, tzinfo=UTC))
        assert observe(conn, mappings, "jira", newer)
        assert not observe(conn, mappings, "jira", older)
        link = conn.execute(select(tracker_links)).one()
    assert (link.stage, link.status) == ("testing", "Testing")
    assert [item["payload"]["stage"] for item in patches(engine)] == ["testing", "testing"]


def test_a_deleted_epic_is_marked_missing_and_the_poll_goes_on_and_saves_its_check(engine, mappings):
    with served_jira() as (connector, jira):
        epics, groups = linked_epics(engine, jira, 3)
        del jira.issues[epics[1].key]
        jira.transition(epics[2], "31", DEMO_USER)

        assert reconcile(engine, connector, mappings) == 1
        calls = connector.calls
        assert reconcile(engine, connector, mappings) == 0
        assert connector.calls == calls + 1  # one search, without the missing key and without a 400
    with engine.connect() as conn:
        assert load_cursor(conn, "jira") is not None
        missing = dict(conn.execute(select(tracker_links.c.issue_key, tracker_links.c.missing_at)).all())
        assert [row["action"] for row in trail(conn, "group", groups[1])] == ["epic_missing"]
        assert sync_status(conn)[0]["last_error"] is None
    assert [missing[epic.key] is not None for epic in epics] == [False, True, False]
    assert group_row(engine, groups[2]).state == "approved" and len(patches(engine, "testing")) == 1


def test_the_sandbox_refuses_a_key_list_with_an_unknown_key_as_jira_does():
    with served_jira() as (connector, jira):
        jira.create({"fields": JIRA})
        with pytest.raises(FatalError) as refused:
            list(connector.client.search("issuekey in (WISH-1, WISH-404)"))
    assert refused.value.status == 400
    assert "An issue with key 'WISH-404' does not exist for field 'issuekey'." in str(refused.value)


def _at(minutes: int) -> int:
    return int((datetime(2026, 12, 1, tzinfo=UTC) + timedelta(minutes=minutes)).timestamp() * 1000)


def _what_happened(conn) -> tuple:
    items = conn.execute(select(outbox_rows.c.idempotency_key, outbox_rows.c.state).order_by(outbox_rows.c.id))
    links = conn.execute(select(tracker_links.c.issue_key, tracker_links.c.stage, tracker_links.c.status,
                                tracker_links.c.observed_at).order_by(tracker_links.c.id))
    groups = conn.execute(select(wish_groups.c.id, wish_groups.c.state, wish_groups.c.reason)
                          .order_by(wish_groups.c.id))
    actions = [(entry["action"], entry["reason"]) for group in (1, 2, 3) for entry in trail(conn, "group", group)]
    return list(items), list(links), list(groups), actions


def test_a_run_of_webhooks_handled_together_does_exactly_what_one_at_a_time_does(engine, mappings):
    """The worker observes a chunk of deliveries at once: moves back and forth, a late (older) delivery, a
    rejection and a release among them end as they would one delivery at a time."""
    events = [status_event("WISH-1", as_of=_at(1)), status_event("WISH-2", as_of=_at(1)),
              status_event("WISH-1", "Testing", as_of=_at(2)), status_event("WISH-1", "To Do", "new", as_of=_at(0)),
              status_event("WISH-3", "Done", "done", "Won't Do", as_of=_at(3)),
              status_event("WISH-2", "Testing", as_of=_at(4)), status_event("WISH-1", "In Progress", as_of=_at(5)),
              status_event("WISH-3", "In Progress", as_of=_at(6)),
              status_event("WISH-1", "Done", "done", "Done", ("5.2",), as_of=_at(7))]
    with engine.begin() as conn:
        for number, key in enumerate(("WISH-1", "WISH-2", "WISH-3")):
            link_epic(conn, a_group(conn, 2, first_number=10 * number), key)
    outcomes = []
    for batches in ([[event] for event in events], [events]):
        with engine.connect() as conn:
            transaction = conn.begin()
            acted = sum(handle_tracker_events(conn, mappings, "jira", batch) for batch in batches)
            outcomes.append((acted, _what_happened(conn)))
            transaction.rollback()
    one_at_a_time, together = outcomes
    assert together == one_at_a_time
    acted, (items, links, groups, _) = together
    assert acted == 8
    assert [stage for _, stage, _, _ in links] == ["released", "testing", "in_development"]
    assert [state for _, state, _ in groups] == ["done", "approved", "approved"]
    assert sum(1 for key, state in items if key.startswith("stage:testing:g1:") and state == "superseded") == 2
