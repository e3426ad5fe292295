"""One public number per wish group (issue 16, item 1): the number a customer is told is the one the sidebar, the
epic, the admin pages, the CLI and the API show and the one every search finds; the number of a group merged into
another leads to the group that absorbed it; a helpdesk ticket's id finds its group too."""

from __future__ import annotations

import re
from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from bridge.cli import main
from bridge.runtime import Runtime
from bridge.tracker.brief import Bullets, blocks
from bridge.tracker.requests import epic_brief
from bridge.web.app import create_app
from bridge.workflow import lifecycle
from bridge.workflow.lookup import absorbed, by_number, find_groups
from bridge.workflow.read_models import list_groups
from tests.conftest import MAPPINGS
from tests.sidebar.support import zendesk_settings, zendesk_token
from tests.web.support import add_role_users, page, sign_in
from tests.wish_helpers import group_of, intake_one, queued, store_ticket

KEY = "numbers-api-key"
EXAMPLE = "W-12"   # the example in the search boxes' placeholders
NUMBER = re.compile(r"\bW-\d+\b")


@pytest.fixture
def site(runtime: Runtime) -> tuple[Runtime, FlaskClient]:
    """The store of `runtime` behind the whole app, with a Zendesk sidebar, an API key and one user per role."""
    served = Runtime(zendesk_settings(runtime.settings).replace(WISHBRIDGE_API_KEYS=KEY))
    served.__dict__["engine"] = runtime.engine
    add_role_users(served.engine)
    return served, create_app(runtime=served).test_client()


def api(client: FlaskClient, path: str) -> Any:
    return client.get(f"/api/v1/{path}", headers={"X-API-Key": KEY})


def sidebar(client: FlaskClient, ticket: str) -> str:
    return page(client.post("/sidebar/zendesk", data={"token": zendesk_token(ticket)}))


def look_up_in_sidebar(client: FlaskClient, ticket: str, asked: str) -> str:
    found = re.search(r'name="session" value="([^"]+)"', sidebar(client, ticket))
    assert found, "the sidebar carries its session in every form"
    return page(client.post("/sidebar/find", data={"session": found.group(1), "number": asked}))


def cli(runtime: Runtime, *args: str) -> str:
    result = CliRunner().invoke(main, ["wish", *args], env={
        "DATABASE_URL": runtime.engine.url.render_as_string(hide_password=False),
        "WISHBRIDGE_MAPPINGS": str(MAPPINGS)})
    assert result.exit_code == 0, result.output
    return result.output


def epic_text(runtime: Runtime, group_id: int) -> str:
    with runtime.engine.connect() as conn:
        shown = blocks(epic_brief(conn, group_id))
    return "\n".join("\n".join(line.label for line in block.items) if isinstance(block, Bullets) else block.text
                     for block in shown)


def numbers(text: str) -> set[str]:
    return set(NUMBER.findall(text)) - {EXAMPLE}


def test_the_customer_sidebar_epic_pages_cli_and_api_all_show_the_one_number(site) -> None:
    runtime, client = site
    with runtime.engine.begin() as conn:
        group = intake_one(conn, runtime.mappings, "100", "Export the sales report to Excel", language="en")
        ticket = store_ticket(conn, "4711", "Sales report as xlsx please", language="en", organization="globex")
        wish = lifecycle.attach_ticket(conn, runtime.mappings, ticket, group, "pm").wish_id
        [told] = [item["payload"]["patch"]["comment"] for item in queued(conn, "stage:registered:")
                  if item["payload"]["external_id"] == "4711"]
    assert wish != group and group != 12, "the wish's own id is another number, the example one more"
    sign_in(client, "product_manager")
    shown = {
        "customer message": told,
        "sidebar": sidebar(client, "4711"),
        "epic description": epic_text(runtime, group),
        "group page": page(client.get(f"/admin/groups/{group}")),
        "group list": page(client.get("/admin/groups")),
        "inbox": page(client.get("/admin/inbox")),
        "API group": api(client, f"groups/W-{group}").get_json()["number"],
        "API wish": api(client, f"wishes/{wish}").get_json()["number"],
        "API ticket": str(api(client, "groups?ticket=4711&source=zendesk").get_json()),
        "CLI show": cli(runtime, "show", str(group)),
        "CLI list": cli(runtime, "list"),
        "CLI find": cli(runtime, "find", "zendesk 4711"),
    }
    assert {where: numbers(text) for where, text in shown.items()} == {where: {f"W-{group}"} for where in shown}
    assert f"is registered as W-{group}." in told
    assert f"<h1>W-{group} Export the sales report to Excel</h1>" in shown["group page"]
    assert f"Created by Wishbridge for wish group W-{group};" in shown["epic description"]


def test_the_number_of_a_merged_group_leads_to_the_group_that_absorbed_it(site) -> None:
    runtime, client = site
    with runtime.engine.begin() as conn:
        first = intake_one(conn, runtime.mappings, "1", "Dark theme for the mobile scanner", language="en")
        second = intake_one(conn, runtime.mappings, "2", "Offline mode for the warehouse app", language="en")
        third = intake_one(conn, runtime.mappings, "3", "Print labels in bulk", language="en")
        lifecycle.merge(conn, first, second, "pm")
        lifecycle.merge(conn, second, third, "pm")
    with runtime.engine.connect() as conn:
        hit = by_number(conn, f"w{first}")
        assert hit is not None and (hit.group_id, hit.asked, hit.merged_away) == (third, f"W-{first}", True)
        assert absorbed(conn, third) == (first, second) and absorbed(conn, first) == ()
    sign_in(client, "product_manager")

    searched = client.get(f"/admin/groups?search=W-{first}")
    assert searched.status_code == 302 and searched.location == f"/admin/groups/{third}"
    survivor = page(client.get(searched.location))
    assert f"W-{first} was merged into W-{third}." in survivor
    assert re.search(rf'id="absorbed">.*>W-{first}</a>, <a [^>]*>W-{second}</a></p>', survivor, re.S)
    absorbed_page = page(client.get(f"/admin/groups/{first}"))
    assert f'merged into\n    <a href="/admin/groups/{second}">W-{second}</a>' in absorbed_page

    answer = api(client, f"groups/W-{first}").get_json()
    assert (answer["number"], answer["asked"], answer["absorbed"]) == (
        f"W-{third}", f"W-{first}", [f"W-{first}", f"W-{second}"])
    looked = look_up_in_sidebar(client, "1", f"W-{first}")
    assert f"W-{first} was merged into W-{third}." in looked and f"W-{third} Print labels in bulk" in looked

    with runtime.engine.begin() as conn:
        lifecycle.unmerge(conn, second, "pm")
    with runtime.engine.connect() as conn:
        assert [found.group_id for found in find_groups(conn, f"W-{first}")] == [second], "unmerged: the chain ends"


def test_a_search_by_number_or_helpdesk_ticket_goes_straight_to_the_one_group_it_names(site) -> None:
    runtime, client = site
    with runtime.engine.begin() as conn:
        desk = intake_one(conn, runtime.mappings, "4711", "Export the sales report to Excel", language="en")
        tracker = intake_one(conn, runtime.mappings, "4711", "Scheduled e-mail of the stock report", language="en",
                             source="rt")
        plain = intake_one(conn, runtime.mappings, "88", "Sales report in the mobile app", language="en")
    sign_in(client, "support")

    for asked, group in ((f"W-{desk}", desk), (f"  w{tracker} ", tracker), (str(plain), plain),
                         ("zendesk 4711", desk), ("rt#4711", tracker), ("zendesk:88", plain)):
        answer = client.get("/admin/groups", query_string={"search": asked})
        assert (answer.status_code, answer.location) == (302, f"/admin/groups/{group}"), asked
    told = page(client.get("/admin/groups", query_string={"search": "zendesk 4711"}, follow_redirects=True))
    assert "Ticket zendesk#4711 is a wish of W-" in told

    both = client.get("/admin/groups", query_string={"search": "4711"})
    assert both.status_code == 200, "one ticket id in two helpdesks names two groups: the list shows them"
    assert "Export the sales report to Excel" in page(both) and "Scheduled e-mail of the stock report" in page(both)
    text = client.get("/admin/groups", query_string={"search": "sales report"})
    assert text.status_code == 200 and "Sales report in the mobile app" in page(text), "text still searches"
    assert client.get("/admin/groups", query_string={"search": f"W-{desk}", "page": 2}).status_code == 200
    assert 'id="find-form"' in page(client.get("/admin/inbox")), "every page has the search box"

    with runtime.engine.connect() as conn:
        assert [row.id for row in list_groups(conn, runtime.mappings, search=f"W-{plain}")] == [plain]
        assert {row.id for row in list_groups(conn, runtime.mappings, search="4711")} == {desk, tracker}


def test_the_api_looks_a_group_up_by_number_or_ticket(site) -> None:
    runtime, client = site
    with runtime.engine.begin() as conn:
        desk = intake_one(conn, runtime.mappings, "4711", "Export the sales report to Excel", language="en")
        tracker = intake_one(conn, runtime.mappings, "4711", "Scheduled e-mail of the stock report", source="rt")
        lifecycle.decide(conn, runtime.mappings, tracker, "decline", "pm", "not this year")

    assert api(client, f"groups/W-{desk}").get_json() == {
        "number": f"W-{desk}", "group_id": desk, "title": "Export the sales report to Excel", "stage": "registered",
        "reason": None, "asked": f"W-{desk}", "absorbed": []}
    assert [found["number"] for found in api(client, "groups?ticket=4711").get_json()["groups"]] == [
        f"W-{tracker}", f"W-{desk}"]
    [declined] = api(client, "groups?ticket=4711&source=rt").get_json()["groups"]
    assert (declined["number"], declined["asked"], declined["stage"], declined["reason"]) == (
        f"W-{tracker}", "rt#4711", "declined", "not this year")
    assert api(client, "groups?ticket=9999").get_json() == {"groups": []}
    assert api(client, "groups").status_code == 400
    for unknown in ("W-999", "nonsense", "W-" + "9" * 20):
        assert api(client, f"groups/{unknown}").status_code == 404
    assert client.get(f"/api/v1/groups/W-{desk}").status_code == 401
    assert client.get("/api/v1/groups?ticket=4711").status_code == 401


def test_support_looks_a_number_up_in_the_sidebar_and_attaches_the_ticket_to_that_group(site) -> None:
    runtime, client = site
    with runtime.engine.begin() as conn:
        group = intake_one(conn, runtime.mappings, "101", "Export the sales report to Excel", language="en")
        plain = store_ticket(conn, "202", "Excel please", is_wish=False, language="en")
    nothing = look_up_in_sidebar(client, "202", "W-404")
    assert "No wish has the number or ticket “W-404”." in nothing

    looked = look_up_in_sidebar(client, "202", f"W-{group}")
    assert f"W-{group} Export the sales report to Excel" in looked and "New, not reviewed yet" in looked
    session = re.search(rf'id="attach-form-found-{group}".*?name="session" value="([^"]+)"', looked, re.S)
    assert session, "a ticket that is no wish yet can join the group it looked up"
    attached = client.post("/sidebar/act/attach", data={"session": session.group(1), "group_id": str(group),
                                                       "agent_name": "Anna"})
    assert f"Attached to group W-{group}." in page(attached)
    with runtime.engine.connect() as conn:
        assert group_of(conn, plain) == group
    assert client.post("/sidebar/find", data={"session": "forged", "number": f"W-{group}"}).status_code == 401
