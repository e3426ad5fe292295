"""The product manager's tools as pages: the group list sorted and filtered from its address, owners and renaming
on the group page, merging ticked suggestions, the board; and for admins the mappings page and editing and
disabling users."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event, select

from bridge.config import Settings
from bridge.runtime import Runtime
from bridge.store import audit
from bridge.store.schema import wish_groups
from bridge.store.users import get_user
from bridge.web.admin import views_pm
from bridge.web.app import create_app
from bridge.workflow import lifecycle
from bridge.workflow.read_models import SORTS
from tests.conftest import MAPPINGS
from tests.web.support import PASSWORD, TOKEN, add_group, add_role_users, page, post, sign_in

TITLES = ("Export the sales report to Excel", "Dark theme for the scanner", "Roaming of transfer documents")


@pytest.fixture
def pm(client: FlaskClient) -> FlaskClient:
    sign_in(client, "product_manager")
    return client


def order(html: str, titles: tuple[str, ...] = TITLES) -> list[str]:
    """The titles in the order the page shows them (those it shows)."""
    return sorted((title for title in titles if title in html), key=html.index)


def three_groups(runtime: Runtime) -> dict[str, int]:
    """Excel: two organisations (the highest score), older; dark theme: three tickets of one organisation; roaming:
    the newest, with a comment last (the latest activity)."""
    excel, dark, roaming = (add_group(runtime.engine, runtime.mappings, title, organization=organization)
                            for title, organization in zip(TITLES, ("Romashka", "Lutik", "Kedr"), strict=True))
    with runtime.engine.begin() as conn:
        for group, text, organization in ((excel, "Sales report as xlsx", "Vasilek"),
                                          (dark, "Night mode, please", "Lutik"), (dark, "Dark mode again", "Lutik")):
            joined = lifecycle.add_wish(conn, runtime.mappings, door="manual", text=text, actor="seed",
                                        organization=organization).group_id
            if joined != group:   # a repeat joins by itself; anything else is merged by hand
                lifecycle.merge(conn, joined, group, "seed")
        lifecycle.add_comment(conn, roaming, "seed", "asked again")
    return {"excel": excel, "dark": dark, "roaming": roaming}


def test_the_group_list_sorts_as_its_address_says_and_the_form_keeps_the_choice(pm: FlaskClient,
                                                                               web_runtime: Runtime) -> None:
    three_groups(web_runtime)
    by = {sort: order(page(pm.get(f"/admin/groups?sort={sort}")))
          for sort in ("score", "tickets", "oldest", "activity")}
    assert by == {"score": [TITLES[0], TITLES[2], TITLES[1]],   # 2 organisations, then 1 and 1 (newer first)
                  "tickets": [TITLES[1], TITLES[0], TITLES[2]],
                  "oldest": list(TITLES),
                  "activity": [TITLES[2], TITLES[1], TITLES[0]]}
    form = page(pm.get("/admin/groups?sort=tickets&owner=mine"))
    assert '<option value="tickets" selected>' in form and '<option value="mine" selected>' in form


def test_an_owner_set_on_the_group_page_is_audited_shown_in_the_list_and_filtered_by(pm: FlaskClient,
                                                                                    web_runtime: Runtime) -> None:
    groups = three_groups(web_runtime)
    group_page = page(pm.get(f"/admin/groups/{groups['dark']}"))
    assert 'id="assign-form"' in group_page and 'id="take-form"' in group_page
    response = post(pm, f"/admin/groups/{groups['dark']}/assign", {"owner": "product_manager"})
    assert response.status_code == 302 and "The owner was set." in page(pm.get(response.location))
    post(pm, f"/admin/groups/{groups['excel']}/assign", {"owner": "analyst"})
    mine, nobodys, analysts = (page(pm.get(f"/admin/groups?owner={owner}")) for owner in ("mine", "-", "analyst"))
    assert order(mine) == [TITLES[1]] and '<td class="owner">Product Manager</td>' in mine
    assert order(nobodys) == [TITLES[2]] and order(analysts) == [TITLES[0]]
    with web_runtime.engine.connect() as conn:
        [entry] = [row for row in audit.trail(conn, "group", groups["dark"]) if row["action"] == "assign"]
    assert (entry["actor"], entry["details"]["owner"]) == ("product_manager", "product_manager")
    assert "Owner set" in page(pm.get(f"/admin/groups/{groups['dark']}"))
    assert post(pm, f"/admin/groups/{groups['dark']}/assign", {"owner": "nobody-here"}).status_code == 409


def test_the_list_filters_by_stage_segment_and_category(pm: FlaskClient, web_runtime: Runtime) -> None:
    marked = add_group(web_runtime.engine, web_runtime.mappings, "Aggregation of boxes", category="marking",
                       subcategory="aggregation")
    add_group(web_runtime.engine, web_runtime.mappings, "Weekly reports by mail")
    with web_runtime.engine.begin() as conn:
        lifecycle.route(conn, web_runtime.mappings, marked, "legal", "seed")
    for query in ("stage=in_analysis", "category=marking", "stage=in_analysis&category=marking"):
        html = page(pm.get(f"/admin/groups?{query}"))
        assert "Aggregation of boxes" in html and "Weekly reports by mail" not in html, query
    assert "Weekly reports by mail" in page(pm.get("/admin/groups?stage=new"))
    assert "Aggregation of boxes" not in page(pm.get("/admin/groups?segment=enterprise"))


def test_a_rename_is_audited_needs_a_title_and_is_only_for_those_who_decide(client: FlaskClient,
                                                                            web_runtime: Runtime) -> None:
    group_id = add_group(web_runtime.engine, web_runtime.mappings, "export of reprots")
    sign_in(client, "support")
    assert 'id="rename-form"' not in page(client.get(f"/admin/groups/{group_id}"))
    assert post(client, f"/admin/groups/{group_id}/rename", {"new_title": "Export of reports"}).status_code == 403
    sign_in(client, "product_manager")
    refused = post(client, f"/admin/groups/{group_id}/rename", {"new_title": "  "})
    assert refused.status_code == 400 and "Please fill in: New title." in page(refused)
    response = post(client, f"/admin/groups/{group_id}/rename", {"new_title": "Export of reports"})
    html = page(client.get(response.location))
    assert f"<h1>W-{group_id} Export of reports</h1>" in html and "The group was renamed." in html
    assert "Previous title: export of reprots" in html


def test_ticked_suggestions_merge_into_the_group_in_one_step(pm: FlaskClient, web_runtime: Runtime) -> None:
    target = add_group(web_runtime.engine, web_runtime.mappings, "Export the sales report to Excel")
    first = add_group(web_runtime.engine, web_runtime.mappings, "Export the stock report to Excel")
    second = add_group(web_runtime.engine, web_runtime.mappings, "Export the sales figures to Excel")
    similar = page(pm.get(f"/admin/groups/{target}/similar?partial=1"))
    assert similar.count('form="merge-suggested-form"') >= 4 and 'id="merge-suggested-form"' in similar
    score = re.search(rf'name="score-{first}" value="([0-9.]+)"', similar)
    assert score is not None
    response = post(pm, f"/admin/groups/{target}/similar/merge",
                    {"source_ids": [str(first), str(second)], f"score-{first}": score.group(1)})
    assert response.status_code == 302 and response.location == f"/admin/groups/{target}"
    assert "2 suggested group(s) merged into this one." in page(pm.get(response.location))
    with web_runtime.engine.connect() as conn:
        states = set(conn.execute(select(wish_groups.c.state).where(wish_groups.c.id.in_([first, second])))
                     .scalars())
    assert states == {"merged"}
    assert post(pm, f"/admin/groups/{target}/similar/merge", {}).status_code == 400
    assert post(pm, "/admin/groups/999/similar/merge", {"source_ids": [str(first)]}).status_code == 404
    refused = post(pm, f"/admin/groups/{target}/similar/merge", {"source_ids": [str(first)]})
    assert refused.status_code == 409 and f"group W-{first} is merged: cannot merge" in page(refused)


def test_the_board_shows_a_column_per_stage_and_a_more_link_past_its_cards(pm: FlaskClient, web_runtime: Runtime,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views_pm, "CARDS_SHOWN", 2)
    for title in TITLES:
        add_group(web_runtime.engine, web_runtime.mappings, title, organization=title)
    routed = add_group(web_runtime.engine, web_runtime.mappings, "Mark goods with a new code")
    with web_runtime.engine.begin() as conn:
        lifecycle.route(conn, web_runtime.mappings, routed, "analyst", "seed")
    html = page(pm.get("/admin/board?segment=&owner=mine"))
    assert [title for title in re.findall(r'id="lane-(\w+)-title"', html)] == [
        "new", "grouped", "in_analysis", "approved", "in_development", "done", "deferred", "declined"]
    board = page(pm.get("/admin/board"))
    new_lane = board.split('id="lane-new"')[1].split("</section>")[0]
    assert '<span class="badge">3</span>' in new_lane and len(order(new_lane)) == 2
    assert 'href="/admin/groups?stage=new">1 more in the list' in new_lane
    assert "Mark goods with a new code" in board.split('id="lane-in_analysis"')[1].split("</section>")[0]
    assert len(order(page(pm.get("/admin/groups?stage=new")))) == 3, "the list holds the whole column"
    assert "1 tickets · 1 orgs · 0 paid" in board


def test_the_mappings_page_shows_each_file_line_by_line_to_admins_only(client: FlaskClient) -> None:
    sign_in(client, "product_manager")
    assert client.get("/admin/mappings/").status_code == 403
    sign_in(client, "admin")
    html = page(client.get("/admin/mappings/"))
    assert "Every mapping file is valid." in html
    assert 'id="zendesk.yaml"' in html and "helpdesk mapping" in html and "tracker mapping" in html
    lines = (MAPPINGS / "zendesk.yaml").read_text(encoding="utf-8").splitlines()
    line = lines.index("source: zendesk") + 1
    assert re.search(rf'<tr id="zendesk.yaml-{line}">\s*<td class="num muted">{line}</td>\s*'
                     r'<td style="padding-left: 0.5rem"><code>source</code></td>\s*<td><code>zendesk</code>', html)


def test_the_mappings_page_names_three_mistakes_in_two_files_at_once_with_file_and_line(
        tmp_path: Path, settings: Settings) -> None:
    broken = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, broken)
    zendesk = broken / "zendesk.yaml"
    text = zendesk.read_text(encoding="utf-8")
    zendesk.write_text(text.replace("  nested: true\n", "  nested: true\n  colour: red\n")
                       .replace("Оплата: billing", "Оплата: payments"), encoding="utf-8")
    (broken / "routing.yaml").write_text("rules: [unclosed\n", encoding="utf-8")
    runtime = Runtime(settings.replace(WISHBRIDGE_MAPPINGS=str(broken)))
    client = create_app(runtime=runtime).test_client()
    add_role_users(runtime.engine)
    sign_in(client, "admin")
    html = page(client.get("/admin/mappings/"))
    problems = html.split('id="mapping-problems"')[1].split("</section>")[0]
    lines = zendesk.read_text(encoding="utf-8").splitlines()
    colour, payments = lines.index("  colour: red") + 1, lines.index("    Оплата: payments") + 1
    assert "3 error(s) in the mappings" in problems
    assert f"<code>zendesk.yaml:{colour}:3</code></a>\n      <code>category.colour</code>: unknown key" in problems
    assert f"zendesk.yaml:{payments}:5</code></a>" in problems and "unknown category &#39;payments&#39;" in problems
    assert "routing.yaml:1:8</code></a>" in problems and "is never closed with &#39;]&#39;" in problems
    assert f'<tr id="zendesk.yaml-{colour}" class="attention">' in html
    assert "This file cannot be read until the mistake below is fixed." in html


def test_an_admin_edits_a_user_and_the_change_is_audited(client: FlaskClient, web_runtime: Runtime) -> None:
    with web_runtime.engine.connect() as conn:
        support = get_user(conn, "support")
    assert support is not None
    sign_in(client, "admin")
    form = page(client.get(f"/admin/users/{support.id}"))
    assert 'id="edit-user-form"' in form and 'id="access-form"' in form
    response = post(client, f"/admin/users/{support.id}", {"display_name": "Sofia", "role": "analyst",
                                                            "language": "ru"})
    assert response.status_code == 302 and "User support was saved." in page(client.get(response.location))
    with web_runtime.engine.connect() as conn:
        changed = get_user(conn, "support")
        [entry] = [row for row in audit.trail(conn, "user", "support") if row["action"] == "edit"]
    assert changed is not None and (changed.display_name, changed.role, changed.language) == ("Sofia", "analyst",
                                                                                             "ru")
    assert (entry["actor"], entry["details"]) == ("admin", {
        "display_name": "Sofia", "role": "analyst", "language": "ru", "previous_display_name": "Support",
        "previous_role": "support", "previous_language": "en"})
    refused = post(client, f"/admin/users/{support.id}", {"display_name": "", "role": "boss", "language": "en"})
    assert refused.status_code == 400 and "unknown role &#39;boss&#39;" in page(refused)
    assert client.get("/admin/users/999").status_code == 404


def test_disabling_a_user_ends_their_sessions_and_enabling_lets_them_log_in_again(
        client: FlaskClient, web_runtime: Runtime) -> None:
    app = create_app(runtime=web_runtime)
    victim = app.test_client()
    sign_in(victim, "support")
    assert victim.get("/admin/inbox").status_code == 200
    with web_runtime.engine.connect() as conn:
        support = get_user(conn, "support")
    assert support is not None
    sign_in(client, "admin")
    response = post(client, f"/admin/users/{support.id}/access", {"disabled": "1"})
    assert "User support was disabled; their sessions have ended." in page(client.get(response.location))
    assert victim.get("/admin/inbox").status_code == 302, "the open session ended at once"
    post(client, f"/admin/users/{support.id}/access", {"disabled": "0"})
    assert victim.get("/admin/inbox").status_code == 302, "an old session stays ended"
    with victim.session_transaction() as session:
        session["csrf"] = TOKEN
    assert post(victim, "/admin/login", {"username": "support", "password": PASSWORD}).status_code == 302
    with web_runtime.engine.connect() as conn:
        actions = [(row["action"], row["actor"]) for row in audit.trail(conn, "user", "support")]
    assert actions[:2] == [("disable", "admin"), ("enable", "admin")]


def test_an_admin_cannot_disable_themselves_or_drop_their_own_role(client: FlaskClient,
                                                                   web_runtime: Runtime) -> None:
    with web_runtime.engine.connect() as conn:
        admin = get_user(conn, "admin")
    assert admin is not None
    sign_in(client, "admin")
    assert 'id="access-form"' not in page(client.get(f"/admin/users/{admin.id}"))
    for url, form in ((f"/admin/users/{admin.id}/access", {"disabled": "1"}),
                      (f"/admin/users/{admin.id}", {"display_name": "Admin", "role": "support", "language": "en"})):
        refused = post(client, url, form)
        assert refused.status_code == 409 and "You cannot disable yourself" in page(refused)
    with web_runtime.engine.connect() as conn:
        still = get_user(conn, "admin")
    assert still is not None and (still.role, still.disabled) == ("admin", False)
    sign_in(client, "product_manager")
    assert client.get(f"/admin/users/{admin.id}").status_code == 403


def test_the_list_in_every_order_and_the_board_read_the_same_number_of_statements_for_more_groups(
        pm: FlaskClient, web_runtime: Runtime) -> None:
    """No statement per row: six more groups (owned, in analysis) cost no statement more."""
    statements: list[str] = []
    event.listen(web_runtime.engine, "before_cursor_execute",
                 lambda _conn, _cursor, statement, *_rest: statements.append(statement))
    pages = ["/admin/board", "/admin/groups?owner=mine&segment=smb",
             *(f"/admin/groups?sort={sort}" for sort in SORTS)]

    def counted() -> list[int]:
        counts = []
        for path in pages:
            statements.clear()
            assert pm.get(path).status_code == 200
            counts.append(len(statements))
        return counts

    for number in range(3):
        add_group(web_runtime.engine, web_runtime.mappings, f"Request {number} about exports",
                  organization=f"o{number}")
    few = counted()
    assert all(few)
    for number in range(3, 9):
        group = add_group(web_runtime.engine, web_runtime.mappings, f"Request {number} about imports",
                          organization=f"o{number}")
        post(pm, f"/admin/groups/{group}/assign", {"owner": "product_manager"})
        post(pm, f"/admin/groups/{group}/route", {"queue": "analyst"})
    assert counted() == few
