"""The wish pages with data: inbox, the group list with filters, a group with its parts, every action."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from bridge.runtime import Runtime
from bridge.store import audit, outbox
from bridge.store.schema import suggestion_verdicts, tickets, wish_groups, wish_tickets, wishes
from bridge.tracker.status import mark_missing
from bridge.web.admin import views_wishes
from tests.jira_helpers import link_epic
from tests.web.support import add_group, in_queue, page, post, sign_in


def state_of(runtime: Runtime, group_id: int) -> str:
    with runtime.engine.connect() as conn:
        return str(conn.execute(select(wish_groups.c.state).where(wish_groups.c.id == group_id)).scalar_one())


def trail(runtime: Runtime, group_id: int) -> list[tuple[str, str]]:
    with runtime.engine.connect() as conn:
        return [(row["action"], row["actor"]) for row in audit.trail(conn, "group", group_id)]


@pytest.fixture
def pm(client: FlaskClient) -> FlaskClient:
    sign_in(client, "product_manager")
    return client


def test_the_inbox_lists_new_groups_with_their_topic(pm: FlaskClient, web_runtime: Runtime) -> None:
    add_group(web_runtime.engine, web_runtime.mappings, "Export the aggregation report to Excel",
              category="marking", subcategory="aggregation")
    html = page(pm.get("/admin/inbox"))
    assert "Export the aggregation report to Excel" in html
    assert "Product labelling / Aggregation" in html


def test_the_group_list_filters_by_state_and_search(pm: FlaskClient, web_runtime: Runtime) -> None:
    add_group(web_runtime.engine, web_runtime.mappings, "Dark theme for the dashboard")
    in_queue(web_runtime.engine, web_runtime.mappings, "Roaming with a new operator", "legal")
    assert "Roaming" in page(pm.get("/admin/groups?queue=legal"))
    assert "Dark theme" not in page(pm.get("/admin/groups?queue=legal"))
    assert "Dark theme" in page(pm.get("/admin/groups?search=dark"))
    assert "Roaming" not in page(pm.get("/admin/groups?state=new"))


def test_the_group_page_shows_tickets_people_score_and_audit(pm: FlaskClient, web_runtime: Runtime) -> None:
    group_id = add_group(web_runtime.engine, web_runtime.mappings, "Send invoices to 1C automatically",
                         organization="Romashka LLC")
    html = page(pm.get(f"/admin/groups/{group_id}"))
    assert "Send invoices to 1C automatically" in html
    assert "Romashka LLC" in html
    assert "Score" in html and "Audit trail" in html
    assert "No epic yet" in html


def test_an_unknown_group_is_a_404_page(pm: FlaskClient) -> None:
    assert pm.get("/admin/groups/999").status_code == 404
    assert post(pm, "/admin/groups/999/approve").status_code == 404


@pytest.mark.parametrize(("action", "form", "state"), [
    ("confirm", {}, "grouped"),
    ("route", {"queue": "legal", "reason": "law"}, "in_analysis"),
    ("comment", {"body": "Customer called again"}, "new"),
])
def test_each_action_changes_the_group_and_lands_in_the_audit_trail_under_the_user(
        pm: FlaskClient, web_runtime: Runtime, action: str, form: dict[str, str], state: str) -> None:
    group_id = add_group(web_runtime.engine, web_runtime.mappings, "Scheduled delivery of reports by e-mail")
    response = post(pm, f"/admin/groups/{group_id}/{action}", form)
    assert response.status_code == 302 and response.location == f"/admin/groups/{group_id}"
    assert state_of(web_runtime, group_id) == state
    if action != "comment":
        assert (action, "product_manager") in trail(web_runtime, group_id)
    assert "flash ok" in page(pm.get(response.location))


def test_when_approving_then_the_epic_hand_over_is_queued_and_shown(pm: FlaskClient,
                                                                    web_runtime: Runtime) -> None:
    group_id = in_queue(web_runtime.engine, web_runtime.mappings, "Bulk code ordering via API", "analyst")
    post(pm, f"/admin/groups/{group_id}/analyse", {"importance": "critical", "notes": "Top-3 customers ask"})
    response = post(pm, f"/admin/groups/{group_id}/approve", {})
    assert state_of(web_runtime, group_id) == "approved"
    with web_runtime.engine.connect() as conn:
        assert [item["idempotency_key"] for item in outbox.items(conn, state="pending")
                if item["kind"] == "create_epic"] == [f"epic:g{group_id}"]
    html = page(pm.get(response.location))
    assert "the epic is being created in the tracker" in html and "Top-3 customers ask" in html


def test_given_a_decline_without_reason_then_400_with_a_message_and_no_change(pm: FlaskClient,
                                                                             web_runtime: Runtime) -> None:
    group_id = add_group(web_runtime.engine, web_runtime.mappings, "Mobile app in dark mode")
    response = post(pm, f"/admin/groups/{group_id}/decline", {"reason": "  "})
    assert response.status_code == 400
    assert "Please fill in: Reason." in page(response)
    assert state_of(web_runtime, group_id) == "new"


def test_given_an_action_the_state_forbids_then_409_with_the_workflow_message(pm: FlaskClient,
                                                                             web_runtime: Runtime) -> None:
    group_id = add_group(web_runtime.engine, web_runtime.mappings, "Roaming for UPD documents")
    response = post(pm, f"/admin/groups/{group_id}/approve", {})
    assert response.status_code == 409
    assert f"group W-{group_id} is new: cannot approve" in page(response)
    assert state_of(web_runtime, group_id) == "new"


def test_an_unknown_action_is_a_404(pm: FlaskClient, web_runtime: Runtime) -> None:
    group_id = add_group(web_runtime.engine, web_runtime.mappings, "Anything")
    assert post(pm, f"/admin/groups/{group_id}/explode", {}).status_code == 404


def test_merge_then_unmerge_through_the_pages(pm: FlaskClient, web_runtime: Runtime) -> None:
    source = add_group(web_runtime.engine, web_runtime.mappings, "Print labels from the mobile app")
    target = add_group(web_runtime.engine, web_runtime.mappings, "Offline mode for the warehouse scanner")
    response = post(pm, f"/admin/groups/{source}/merge", {"target_id": f"W-{target}", "survivor": str(target)})
    assert response.location == f"/admin/groups/{target}"
    assert state_of(web_runtime, source) == "merged"
    merged, absorbing = (page(pm.get(f"/admin/groups/{group_id}")) for group_id in (source, target))
    assert f'merged into\n    <a href="/admin/groups/{target}">W-{target}</a>' in merged
    assert ('id="absorbed">The numbers of the groups merged into this one lead here too:\n'
            f'  <a href="/admin/groups/{source}">W-{source}</a></p>') in absorbing
    post(pm, f"/admin/groups/{source}/unmerge", {})
    assert state_of(web_runtime, source) != "merged"


def test_a_split_moves_the_ticked_wishes_to_a_new_group(pm: FlaskClient, web_runtime: Runtime) -> None:
    source = add_group(web_runtime.engine, web_runtime.mappings, "Export dashboards to PDF")
    other = add_group(web_runtime.engine, web_runtime.mappings, "Integration with the marketplace")
    post(pm, f"/admin/groups/{other}/merge", {"target_id": str(source)})
    post(pm, f"/admin/groups/{source}/confirm", {})
    html = page(pm.get(f"/admin/groups/{source}"))
    wish_ids = [part.split('"')[0] for part in html.split('name="wish_ids" value="')[1:]]
    assert len(wish_ids) == 2
    response = post(pm, f"/admin/groups/{source}/split", {"wish_ids": wish_ids[1:], "title": "Marketplace"})
    assert response.status_code == 302 and response.location != f"/admin/groups/{source}"
    assert "Marketplace" in page(pm.get(response.location))


def test_a_split_without_ticked_wishes_is_refused(pm: FlaskClient, web_runtime: Runtime) -> None:
    group_id = add_group(web_runtime.engine, web_runtime.mappings, "Anything at all")
    response = post(pm, f"/admin/groups/{group_id}/split", {})
    assert response.status_code == 400 and "Wishes to split off" in page(response)


def test_the_new_wish_form_starts_a_group_in_the_inbox(client: FlaskClient, web_runtime: Runtime) -> None:
    sign_in(client, "support")
    form = page(client.get("/admin/wishes/new"))
    assert 'data-category="marking"' in form and "Aggregation" in form
    response = post(client, "/admin/wishes/new", {
        "organization": "Vector JSC", "contact": "anna@vector.example", "channel": "meeting",
        "category": "reports", "subcategory": "export", "segment": "enterprise", "language": "en",
        "text": "They want the export of reports in XML for their auditors"})
    assert response.status_code == 302
    html = page(client.get(response.location))
    assert "Vector JSC" in html and "XML for their auditors" in html
    assert "was added as a new group" in html


def test_the_new_wish_form_needs_an_organisation_and_keeps_what_was_typed(client: FlaskClient) -> None:
    sign_in(client, "support")
    response = post(client, "/admin/wishes/new", {"organization": "", "text": "Keep me"})
    assert response.status_code == 400
    assert "Please fill in: Organisation." in page(response) and "Keep me" in page(response)


def test_the_group_page_shows_which_stages_each_customer_was_told(client, web_runtime):
    from bridge.outbox.notify import notify

    group = add_group(web_runtime.engine, web_runtime.mappings, "Dashboards for stores", category="reports",
                      subcategory="dashboards")
    with web_runtime.engine.begin() as conn:
        ticket_id = conn.execute(select(wish_tickets.c.ticket_id).join(wishes, wishes.c.id == wish_tickets.c.wish_id)
                                 .where(wishes.c.group_id == group)).scalar_one()
        conn.execute(tickets.update().where(tickets.c.id == ticket_id).values(source="zendesk"))
        notify(conn, web_runtime.mappings, group, "planned", {"wish_title": "Dashboards"})
    sign_in(client, "product_manager")
    text = page(client.get(f"/admin/groups/{group}"))
    assert "Customer told:" in text and "planned · pending" in text


def test_the_group_page_says_when_jira_no_longer_has_the_epic(pm: FlaskClient, web_runtime: Runtime) -> None:
    group_id = add_group(web_runtime.engine, web_runtime.mappings, "Export reports to Excel")
    with web_runtime.engine.begin() as conn:
        link_epic(conn, group_id, "WISH-7")
        assert "epic-missing" not in page(pm.get(f"/admin/groups/{group_id}"))
        assert mark_missing(conn, "jira", ["WISH-7"], datetime.now(UTC)) == 1
        assert mark_missing(conn, "jira", ["WISH-7"], datetime.now(UTC)) == 0
    html = page(pm.get(f"/admin/groups/{group_id}"))
    assert "WISH-7" in html and "The tracker says this epic does not exist any more" in html


def test_a_suggestion_judged_not_the_same_is_never_suggested_again(pm: FlaskClient, web_runtime: Runtime) -> None:
    first = add_group(web_runtime.engine, web_runtime.mappings, "Export the sales report to Excel")
    second = add_group(web_runtime.engine, web_runtime.mappings, "Export the stock report to Excel")
    assert f"W-{first} " in page(pm.get(f"/admin/groups/{second}/similar?partial=1"))
    response = post(pm, f"/admin/groups/{second}/not_same", {"other_id": str(first), "score": "0.61"})
    assert response.location == f"/admin/groups/{second}"
    assert f"W-{first} " not in page(pm.get(f"/admin/groups/{second}/similar?partial=1"))
    assert f"W-{second} " not in page(pm.get(f"/admin/groups/{first}/similar")), "a verdict holds both ways"
    with web_runtime.engine.connect() as conn:
        verdict = conn.execute(select(suggestion_verdicts)).one()
    assert (verdict.group_id, verdict.other_group_id, verdict.verdict, verdict.score, verdict.actor) == (
        first, second, "not_same", 0.61, "product_manager")


def test_the_group_page_fetches_its_similar_groups_after_it_has_shown(pm: FlaskClient, web_runtime: Runtime) -> None:
    first = add_group(web_runtime.engine, web_runtime.mappings, "Export the sales report to Excel")
    second = add_group(web_runtime.engine, web_runtime.mappings, "Export the stock report to Excel")
    group_page = page(pm.get(f"/admin/groups/{second}"))
    assert f'data-fragment="/admin/groups/{second}/similar?partial=1"' in group_page
    assert f'<a href="/admin/groups/{second}/similar">Show the similar groups</a>' in group_page
    part, whole = (pm.get(f"/admin/groups/{second}/similar{query}") for query in ("?partial=1", ""))
    assert f"W-{first} Export the sales report to Excel" in page(part) and "<html" not in page(part)
    assert f'name="target_id" value="{second}"' in page(part)
    assert "<html" in page(whole) and f"W-{first} Export the sales report to Excel" in page(whole)
    assert pm.get("/admin/groups/999/similar").status_code == 404


def test_a_merge_from_a_suggestion_is_stored_as_the_verdict_same(pm: FlaskClient, web_runtime: Runtime) -> None:
    first = add_group(web_runtime.engine, web_runtime.mappings, "Export the sales report to Excel")
    second = add_group(web_runtime.engine, web_runtime.mappings, "Weekly sales figures as an Excel file")
    post(pm, f"/admin/groups/{second}/merge", {"target_id": str(first), "score": "0.7"})
    with web_runtime.engine.connect() as conn:
        rows = conn.execute(select(suggestion_verdicts))
        verdicts = [(row.group_id, row.other_group_id, row.verdict) for row in rows]
    assert state_of(web_runtime, second) == "merged"
    assert verdicts == [(first, second, "same")]


def test_the_group_list_shows_a_page_at_a_time_and_keeps_its_filters(pm: FlaskClient, web_runtime: Runtime,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views_wishes, "GROUPS_SHOWN", 2)
    titles = [f"Export report {n} to Excel" for n in range(3)]
    for title in titles:
        add_group(web_runtime.engine, web_runtime.mappings, title, organization=title)
    first = page(pm.get("/admin/groups?search=excel"))
    assert sum(title in first for title in titles) == 2
    assert 'rel="next" href="/admin/groups?search=excel&amp;page=2"' in first and 'rel="prev"' not in first
    second = page(pm.get("/admin/groups?search=excel&page=2"))
    assert sum(title in second for title in titles) == 1
    assert 'rel="prev" href="/admin/groups?search=excel&amp;page=1"' in second and 'rel="next"' not in second


def test_a_group_page_shows_its_wishes_a_page_at_a_time_and_counts_them_all(pm: FlaskClient, web_runtime: Runtime,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views_wishes, "WISHES_SHOWN", 1)
    target = add_group(web_runtime.engine, web_runtime.mappings, "Dashboards for stores")
    other = add_group(web_runtime.engine, web_runtime.mappings, "Shelf analytics for stores")
    post(pm, f"/admin/groups/{other}/merge", {"target_id": str(target)})
    first, second = (page(pm.get(f"/admin/groups/{target}?page={n}")) for n in (1, 2))
    assert "Wishes (2)" in first and "Wishes (2)" in second
    assert "Dashboards for stores" in first and "Shelf analytics" not in first.split('id="wishes"')[1]
    assert f'href="/admin/groups/{target}?page=2#wishes"' in first
    assert "Shelf analytics for stores" in second.split('id="wishes"')[1]


def test_a_verdict_on_a_suggestion_is_in_the_audit_trail_of_the_page_it_was_given_on(
        pm: FlaskClient, web_runtime: Runtime) -> None:
    first = add_group(web_runtime.engine, web_runtime.mappings, "Export the sales report to Excel")
    second = add_group(web_runtime.engine, web_runtime.mappings, "Export the stock report to Excel")
    post(pm, f"/admin/groups/{second}/not_same", {"other_id": str(first), "score": "0.61"})
    assert ("verdict", "product_manager") in trail(web_runtime, second)
    assert ("verdict", "product_manager") not in trail(web_runtime, first)
