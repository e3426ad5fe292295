import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, text, update

from bridge.errors import FatalError
from bridge.mapping import load_mappings
from bridge.model import EpicBrief, Organization, Popularity, Ticket, TicketLine, TicketLink, TicketRef
from bridge.outbox.drain import drain, ticket_patch_handler
from bridge.outbox.notify import TICKET_PATCH
from bridge.store import outbox
from bridge.store.audit import trail
from bridge.store.schema import epic_intents, tracker_links, wish_groups
from bridge.store.schema import outbox as outbox_rows
from bridge.sync.pull import SyncSummary, store_tickets
from bridge.tracker.brief import fitted
from bridge.tracker.epics import epic_handlers, link_ticket
from bridge.tracker.requests import request_epic, request_epic_update, request_ticket_link
from bridge.workflow.changes import welcome
from bridge.workflow.lifecycle import record_analysis
from connectors.jira import JiraConnector
from connectors.jira.description import DESCRIPTION_LIMIT, adf, adf_size, description, wiki
from tests.conftest import MAPPINGS
from tests.doubles import MemoryHelpdesk
from tests.jira_helpers import a_group, add_ticket, served_jira


@pytest.fixture(scope="module")
def mappings():
    return load_mappings(MAPPINGS)


def approve(engine, tickets: int = 3, issue_key: str | None = None) -> int:
    with engine.begin() as conn:
        group = a_group(conn, tickets)
        assert request_epic(conn, group, issue_key)
    return group


def run_outbox(engine, connector, mappings) -> None:
    """Drain until nothing is due: the epic first, then the links it asked for, and any customer message."""
    handlers = {**epic_handlers(engine, connector, mappings),
                TICKET_PATCH: ticket_patch_handler({"zendesk": MemoryHelpdesk()})}
    while (summary := drain(engine, handlers)).done + summary.retrying + summary.dead:
        assert not summary.dead and not summary.retrying, outbox.items(engine.connect())


def stored_link(engine, group: int):
    with engine.connect() as conn:
        return conn.execute(select(tracker_links).where(tracker_links.c.group_id == group)).one()


def make_due(engine) -> None:
    with engine.begin() as conn:
        conn.execute(update(outbox_rows).where(outbox_rows.c.state == "pending")
                     .values(next_attempt_at=datetime.now(UTC)))


def test_an_approved_group_becomes_one_epic_with_the_mapped_fields_and_every_ticket_linked(engine, mappings):
    group = approve(engine, tickets=3)
    with served_jira() as (connector, jira):
        run_outbox(engine, connector, mappings)
    [epic] = jira.issues.values()
    assert stored_link(engine, group).issue_key == epic.key
    assert epic.fields["project"] == {"key": "WISH"} and epic.fields["summary"] == "Export reports to Excel"
    assert epic.fields["labels"] == ["customer-wish", f"wishbridge-g{group}"]
    assert epic.properties == {"wishbridge": {"group_id": group}}
    assert sorted(epic.remote_links) == [TicketLink(TicketRef("zendesk", f"zendesk-{n}"), '', '').global_id for n in range(3)]
    description = json.dumps(epic.fields["description"])
    assert epic.fields["description"]["type"] == "doc"
    assert "https://desk.example/tickets/2" in description and "Finance teams need it monthly." in description


def test_a_new_epic_tells_the_customers_the_approval_and_its_first_status_nothing(engine, mappings):
    group = approve(engine)
    with served_jira() as (connector, _jira):
        run_outbox(engine, connector, mappings)
    assert stored_link(engine, group).stage == "planned"
    with engine.connect() as conn:
        assert [i["payload"]["stage"] for i in outbox.items(conn) if i["kind"] == "ticket_patch"] == ["approved"] * 3
        assert [row["action"] for row in trail(conn, "group", group)] == ["epic_created"]


def test_a_group_declined_before_its_hand_over_succeeded_tells_no_approval(engine, mappings):
    group = approve(engine)
    with engine.begin() as conn:
        conn.execute(update(wish_groups).where(wish_groups.c.id == group).values(state="declined"))
    with served_jira() as (connector, _jira):
        run_outbox(engine, connector, mappings)
    with engine.connect() as conn:
        assert [i for i in outbox.items(conn) if i["kind"] == "ticket_patch"] == []


def test_on_server_the_description_is_wiki_markup(engine, mappings):
    approve(engine, tickets=2)
    with served_jira(deployment="server") as (connector, jira):
        run_outbox(engine, connector, mappings)
    [epic] = jira.issues.values()
    assert isinstance(epic.fields["description"], str)
    assert "h3. Originating tickets (2)" in epic.fields["description"]
    assert "* [zendesk #zendesk-1: Export to Excel #1|https://desk.example/tickets/1]" in epic.fields["description"]
    assert len(epic.remote_links) == 2


@pytest.mark.parametrize("required", [True, False])
def test_epic_name_is_sent_only_when_the_project_requires_it(engine, mappings, required):
    approve(engine)
    with served_jira(epic_name_required=required) as (connector, jira):
        run_outbox(engine, connector, mappings)
    [epic] = jira.issues.values()
    assert ("customfield_10011" in epic.fields) is required


def test_a_retried_request_creates_no_second_epic(engine, mappings):
    group = approve(engine)
    with served_jira() as (connector, jira):
        run_outbox(engine, connector, mappings)
        with engine.begin() as conn:
            assert not request_epic(conn, group)
            conn.execute(update(outbox_rows).where(outbox_rows.c.idempotency_key == f"epic:g{group}")
                         .values(state="pending", next_attempt_at=datetime.now(UTC)))
        run_outbox(engine, connector, mappings)
    assert len(jira.issues) == 1


def _break_link_storage(engine) -> None:
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("CREATE FUNCTION crash() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'crash'; "
                              "END $$ LANGUAGE plpgsql"))
            conn.execute(text("CREATE TRIGGER crash BEFORE INSERT ON tracker_links "
                              "FOR EACH ROW EXECUTE FUNCTION crash()"))
        else:
            conn.execute(text("CREATE TRIGGER crash BEFORE INSERT ON tracker_links "
                              "BEGIN SELECT RAISE(ABORT, 'crash'); END"))


def _repair_link_storage(engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER crash ON tracker_links" if engine.dialect.name == "postgresql"
                          else "DROP TRIGGER crash"))


def test_a_crash_after_jira_created_the_epic_adopts_it_instead_of_creating_another(engine, mappings):
    group = approve(engine)
    _break_link_storage(engine)
    with served_jira() as (connector, jira):
        summary = drain(engine, epic_handlers(engine, connector, mappings))
        assert (summary.retrying, len(jira.issues)) == (1, 1)
        _repair_link_storage(engine)
        make_due(engine)
        run_outbox(engine, connector, mappings)
    [epic] = jira.issues.values()
    assert stored_link(engine, group).issue_key == epic.key
    assert len(epic.remote_links) == 3
    with engine.connect() as conn:
        assert [row["action"] for row in trail(conn, "group", group)] == ["epic_adopted"]


def test_of_several_marked_issues_the_oldest_is_adopted(engine, mappings):
    group = approve(engine)
    with served_jira() as (connector, jira):
        for summary in ("first copy", "second copy"):
            jira.create({"fields": {"project": {"key": "WISH"}, "issuetype": {"id": "10000"}, "summary": summary,
                                    "labels": [f"wishbridge-g{group}"]}})
        run_outbox(engine, connector, mappings)
    assert stored_link(engine, group).issue_key == "WISH-1"
    assert len(jira.issues) == 2


@pytest.fixture
def epic_of_two(engine, mappings):
    """A group of two tickets whose epic and links exist, while the sandbox Jira still serves."""
    group = approve(engine, tickets=2)
    with served_jira() as (connector, jira):
        run_outbox(engine, connector, mappings)
        yield group, connector, jira


def test_relinking_a_ticket_updates_its_remote_link_instead_of_adding_one(engine, epic_of_two):
    group, connector, jira = epic_of_two
    with engine.connect() as conn:
        first_ticket = conn.execute(select(outbox_rows.c.payload).where(outbox_rows.c.kind == "link_ticket")
                                    .order_by(outbox_rows.c.id)).scalars().first()["ticket_id"]
    link_ticket(engine, connector, group, first_ticket)
    link_ticket(engine, connector, group, first_ticket)
    [epic] = jira.issues.values()
    assert len(epic.remote_links) == 2


def test_a_ticket_that_joins_later_is_linked_the_same_way(engine, mappings, epic_of_two):
    group, connector, jira = epic_of_two
    with engine.begin() as conn:
        late = add_ticket(conn, group, 7)
        assert request_ticket_link(conn, group, late)
        assert not request_ticket_link(conn, group, late)
    run_outbox(engine, connector, mappings)
    [epic] = jira.issues.values()
    assert TicketLink(TicketRef("zendesk", "zendesk-7"), '', '').global_id in epic.remote_links
    assert len(epic.remote_links) == 3


def test_a_link_is_not_requested_for_a_group_that_goes_to_no_epic(engine):
    with engine.begin() as conn:
        group = a_group(conn, 1)
        ticket = add_ticket(conn, group, 5)
        assert not request_ticket_link(conn, group, ticket)


def test_an_existing_issue_can_be_linked_by_key_and_its_stage_is_told_to_customers(engine, mappings):
    with served_jira() as (connector, jira):
        existing = jira.create({"fields": {"project": {"key": "WISH"}, "issuetype": {"id": "10001"},
                                           "summary": "Excel export (already planned)"}})
        jira.transition(existing, "21", {"accountId": "po"})
        group = approve(engine, tickets=2, issue_key=existing.key)
        run_outbox(engine, connector, mappings)
    assert len(jira.issues) == 1
    assert existing.properties == {"wishbridge": {"group_id": group}}
    assert stored_link(engine, group).stage == "in_development"
    assert len(existing.remote_links) == 2
    with engine.connect() as conn:
        stages = [(i["payload"]["stage"], i["state"]) for i in outbox.items(conn) if i["kind"] == "ticket_patch"]
    # the approval, queued once the issue was linked, waits behind nothing: its stage replaces it at once
    assert sorted(stages) == [("approved", "superseded")] * 2 + [("in_development", "done")] * 2


def brief(**changes) -> EpicBrief:
    values = dict(
        group_id=9, title="Export", summary="Export [all] reports *now*", notes="Line one\nline two",
        importance="high",
        popularity=Popularity(tickets=4, organizations=3, requesters=4, paid_accounts=120,
                              by_segment={"enterprise": 2, "smb": 1},
                              segment_paid_accounts={"enterprise": 100, "smb": 20}),
        legal_reference="Federal law 54-FZ", legal_deadline=date(2027, 3, 1),
        tickets=(TicketLine("zendesk #1: Export", "https://desk/1"), TicketLine("manual #2: Export")),
    )
    return EpicBrief(**{**values, **changes})


def test_the_description_tells_popularity_by_segment_and_the_legal_deadline_in_both_formats():
    for rendered in (json.dumps(adf(brief()), ensure_ascii=False), wiki(brief())):
        assert "enterprise: 2 organisations, 100 paid accounts" in rendered
        assert "Federal law 54-FZ (deadline 2027-03-01)" in rendered
        assert "4 tickets from 3 organisations, 4 requesters, 120 paid accounts" in rendered


def test_wiki_markup_escapes_what_customers_typed_and_links_tickets():
    rendered = wiki(brief())
    assert "Export \\[all\\] reports \\*now\\*" in rendered
    assert "* [zendesk #1: Export|https://desk/1]" in rendered and "* manual #2: Export" in rendered


def test_adf_keeps_line_breaks_and_links_and_never_sends_empty_text():
    document = adf(brief(summary="", notes="a\n\nb"))
    paragraphs = [node for node in document["content"] if node["type"] == "paragraph"]
    assert paragraphs[0]["content"] == [{"type": "text", "text": "a"}, {"type": "hardBreak"}, {"type": "hardBreak"},
                                        {"type": "text", "text": "b"}]
    link = json.dumps(document)
    assert '"marks": [{"type": "link", "attrs": {"href": "https://desk/1"}}]' in link
    assert '"text": ""' not in link


def test_a_long_ticket_list_is_cut_and_counted():
    many = tuple(TicketLine(f"t{n}", f"https://desk/{n}") for n in range(120))
    rendered = wiki(brief(tickets=many))
    assert "h3. Originating tickets (120)" in rendered and "https://desk/49]" in rendered
    assert "https://desk/50]" not in rendered and "... and 70 more" in rendered


@pytest.mark.parametrize("cloud", [True, False])
def test_a_long_customer_email_is_cut_so_the_description_stays_within_jiras_limit(cloud):
    email = "Нам нужна выгрузка отчётов в Excel [каждый месяц]. " * 2_000
    many = tuple(TicketLine(f"zendesk #{n}: " + "x" * 200, f"https://desk/{n}") for n in range(300))
    rendered = description(brief(summary=email, tickets=many), cloud=cloud)
    text = json.dumps(rendered, ensure_ascii=False) if cloud else rendered
    assert (adf_size(rendered) if cloud else len(rendered)) <= DESCRIPTION_LIMIT
    assert "Нам нужна выгрузка отчётов" in text and "…" in text
    assert "Line one" in text  # the notes, short, stay whole
    assert "Originating tickets (300)" in text and "more, each linked to this epic" in text


def test_when_even_the_texts_cut_short_are_too_long_fewer_tickets_are_listed():
    many = tuple(TicketLine(f"zendesk #{n}: " + "x" * 200, f"https://desk/{n}") for n in range(50))
    full = adf(brief(tickets=many))
    rendered = fitted(brief(tickets=many), adf, adf_size, limit=adf_size(full) - 100)
    text = json.dumps(rendered, ensure_ascii=False)
    assert "https://desk/24" in text and "https://desk/25" not in text and "... and 25 more" in text
    assert "Export [all] reports *now*" in text


@pytest.mark.parametrize("deployment", ["cloud", "server"])
def test_a_group_whose_first_wish_is_a_very_long_email_still_gets_its_epic(engine, mappings, deployment):
    with engine.begin() as conn:
        group = a_group(conn, 2, description="Please export reports. " * 3_000)
        assert request_epic(conn, group)
    with served_jira(deployment=deployment) as (connector, jira):
        run_outbox(engine, connector, mappings)
    [epic] = jira.issues.values()
    assert stored_link(engine, group).issue_key == epic.key


def test_the_sandbox_refuses_a_description_over_32767_characters_as_jira_does():
    with served_jira(deployment="server") as (connector, _jira):
        fields = {"project": {"key": "WISH"}, "issuetype": {"id": "10000"}, "summary": "Long",
                  "description": "x" * 32_768}
        with pytest.raises(FatalError) as refused:
            connector.client.create_issue(fields)
    assert refused.value.status == 400 and "exceeds the allowed limit of 32,767 characters" in str(refused.value)


def test_a_crash_right_after_create_while_search_lags_still_makes_one_epic(engine, mappings):
    group = approve(engine)
    _break_link_storage(engine)
    with served_jira(search_lag=3600) as (connector, jira):
        assert drain(engine, epic_handlers(engine, connector, mappings)).retrying == 1
        _repair_link_storage(engine)
        make_due(engine)
        waiting = drain(engine, epic_handlers(engine, connector, mappings))
        assert (waiting.retrying, len(jira.issues)) == (1, 1)  # search shows nothing yet: wait, do not create
        with engine.connect() as conn:
            item = next(i for i in outbox.items(conn) if i["kind"] == "create_epic")
        assert "does not show it yet" in item["last_error"]
        jira.search_lag = 0  # Jira's index caught up
        make_due(engine)
        run_outbox(engine, connector, mappings)
    [epic] = jira.issues.values()
    assert stored_link(engine, group).issue_key == epic.key
    with engine.connect() as conn:
        assert [row["action"] for row in trail(conn, "group", group)] == ["epic_adopted"]
        assert conn.execute(select(epic_intents)).all() == []


def test_an_intent_older_than_search_can_lag_means_the_earlier_create_never_happened(engine, mappings):
    group = approve(engine)
    with engine.begin() as conn:
        conn.execute(epic_intents.insert().values(group_id=group,
                                                  asked_at=datetime.now(UTC) - JiraConnector.search_settle - timedelta(seconds=1)))
    with served_jira(search_lag=3600) as (connector, jira):
        run_outbox(engine, connector, mappings)
    [epic] = jira.issues.values()
    assert stored_link(engine, group).issue_key == epic.key


def test_notes_edited_after_approval_reach_the_epics_description_once(engine, mappings, epic_of_two):
    group, connector, jira = epic_of_two
    with engine.begin() as conn:
        for _ in range(2):
            record_analysis(conn, group, "analyst", notes="Needed before the March filing deadline.")
    run_outbox(engine, connector, mappings)
    with engine.begin() as conn:
        assert not request_epic_update(conn, group)  # nothing changed since
    run_outbox(engine, connector, mappings)
    [epic] = jira.issues.values()
    assert "Needed before the March filing deadline." in json.dumps(epic.fields["description"], ensure_ascii=False)
    assert epic.edits == [["description"]]


def test_a_ticket_joining_an_approved_group_is_linked_and_counted_in_the_description(engine, mappings, epic_of_two):
    group, connector, jira = epic_of_two
    with engine.begin() as conn:
        welcome(conn, mappings, group, {add_ticket(conn, group, 7)}, "sync")
    run_outbox(engine, connector, mappings)
    [epic] = jira.issues.values()
    assert TicketLink(TicketRef("zendesk", "zendesk-7"), '', '').global_id in epic.remote_links
    assert "Originating tickets (3)" in json.dumps(epic.fields["description"], ensure_ascii=False)


def test_of_several_pending_updates_only_the_newest_writes(engine, mappings, epic_of_two):
    group, connector, jira = epic_of_two
    with engine.begin() as conn:
        for notes in ("First thought.", "Second thought.", "First thought."):
            record_analysis(conn, group, "analyst", notes=notes)
    run_outbox(engine, connector, mappings)
    [epic] = jira.issues.values()
    assert epic.edits == [["description"]]
    assert "First thought." in json.dumps(epic.fields["description"], ensure_ascii=False)


def test_a_synced_ticket_that_moves_to_another_organisation_updates_the_epics_popularity(
        engine, mappings, epic_of_two):
    _group, connector, jira = epic_of_two  # its two tickets come from Org 0 and Org 1
    moved = Ticket(TicketRef("zendesk", "zendesk-0"), "Export to Excel #0",
                   organization=Organization("org1", "Org 1"))
    with engine.begin() as conn:
        store_tickets(conn, [moved], None, SyncSummary("zendesk"))
        store_tickets(conn, [moved], None, SyncSummary("zendesk"))
    run_outbox(engine, connector, mappings)
    [epic] = jira.issues.values()
    assert epic.edits == [["description"]]
    assert "2 tickets from 1 organisations" in json.dumps(epic.fields["description"], ensure_ascii=False)


def test_an_update_for_an_epic_deleted_in_jira_marks_it_missing_instead_of_failing(engine, mappings, epic_of_two):
    group, connector, jira = epic_of_two
    jira.issues.clear()
    with engine.begin() as conn:
        record_analysis(conn, group, "analyst", notes="Still wanted.")
    run_outbox(engine, connector, mappings)
    assert stored_link(engine, group).missing_at is not None
