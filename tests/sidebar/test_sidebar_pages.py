"""The ticket sidebar over HTTP: Zendesk's signed request and Wishbridge's own links open exactly one ticket,
anything unverified shows nothing of it, and every agent action lands in the audit trail under the agent."""

import re
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from sqlalchemy import select

from bridge.model import TicketRef
from bridge.runtime import Runtime
from bridge.store.schema import audit, comments, tickets, wish_tickets
from bridge.web.app import create_app
from bridge.web.sidebar.links import LINK_LIFETIME, sidebar_link
from tests.sidebar.support import (
    ACCOUNT,
    ACTOR,
    AGENT,
    PLAIN_SUBJECT,
    WISH_SUBJECT,
    seed,
    zendesk_settings,
    zendesk_token,
)


@pytest.fixture
def site(runtime):
    zendesk = Runtime(zendesk_settings(runtime.settings))
    zendesk.__dict__["engine"] = runtime.engine
    seeded = seed(zendesk.engine, zendesk.mappings)
    return zendesk, seeded, create_app(runtime=zendesk).test_client()


def open_zendesk(client, ticket_id, **claims):
    return client.post("/sidebar/zendesk", data={"token": zendesk_token(ticket_id, **claims)})


def session_of(response) -> str:
    found = re.search(r'name="session" value="([^"]+)"', response.get_data(as_text=True))
    assert found, "the page carries its session in every form"
    return found.group(1)


def audit_rows(runtime, group_id):
    with runtime.engine.connect() as conn:
        return [(row.action, row.actor) for row in conn.execute(
            select(audit).where(audit.c.entity == "group", audit.c.entity_id == str(group_id)).order_by(audit.c.id))]


def test_a_valid_zendesk_request_shows_the_wish_its_group_size_stage_epic_and_last_message(site):
    _, seeded, client = site
    response = open_zendesk(client, "101")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert WISH_SUBJECT in page
    assert f"Wish W-{seeded.group}</p>" in page and f"<dd>W-{seeded.group} {WISH_SUBJECT}</dd>" in page
    assert "1 organisations, 1 tickets" in page
    assert "New, not reviewed yet" in page
    assert 'href="https://jira.example/browse/WB-7"' in page and "In Progress" in page
    assert f"is registered as W-{seeded.group}." in page, "the registered message the customer got"
    assert f"frame-ancestors 'self' {ACCOUNT}" in response.headers["Content-Security-Policy"]


def test_zendesk_may_open_the_sidebar_with_get_too_and_the_agents_locale_picks_russian(site):
    _, _, client = site
    token = zendesk_token("101", user={**AGENT, "locale": "ru-RU"})
    page = client.get(f"/sidebar/zendesk?token={token}").get_data(as_text=True)
    assert "Эпик в трекере" in page and 'lang="ru"' in page


def forged(ticket_id):
    return zendesk_token(ticket_id, secret="another-secret-of-the-same-length-0123456789")


def test_with_the_apps_public_key_only_an_rs256_token_signed_by_zendesk_opens_the_sidebar(runtime):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    zendesk = Runtime(zendesk_settings(runtime.settings).replace(ZENDESK_APP_PUBLIC_KEY=public_pem))
    zendesk.__dict__["engine"] = runtime.engine
    seed(zendesk.engine, zendesk.mappings)
    client = create_app(runtime=zendesk).test_client()
    genuine = client.post("/sidebar/zendesk", data={"token": zendesk_token("101", secret=private,
                                                                          algorithm="RS256")})
    shared_secret = client.post("/sidebar/zendesk", data={"token": zendesk_token("101")})
    assert genuine.status_code == 200 and WISH_SUBJECT in genuine.get_data(as_text=True)
    assert shared_secret.status_code == 401


@pytest.mark.parametrize("token", [
    pytest.param(lambda: "", id="unsigned: no token"),
    pytest.param(lambda: jwt.encode({"iss": "acme.zendesk.com"}, key=None, algorithm="none"), id="alg none"),
    pytest.param(lambda: zendesk_token("101", age=600), id="expired"),
    pytest.param(lambda: zendesk_token("101", aud=f"{ACCOUNT}/api/v2/apps/installations/1.json.evil"),
                 id="wrong audience"),
    pytest.param(lambda: zendesk_token("101", aud="https://evil.zendesk.com/api/v2/apps/installations/1.json"),
                 id="another account's installation"),
    pytest.param(lambda: zendesk_token("101", iss="evil.zendesk.com"), id="wrong issuer"),
    pytest.param(lambda: forged("101"), id="forged signature"),
    pytest.param(lambda: zendesk_token("101", context={"location": "user_sidebar", "ticket_id": 101}),
                 id="another location"),
    pytest.param(lambda: zendesk_token("101", user={}), id="no agent"),
])
def test_an_unverified_zendesk_request_is_401_and_shows_nothing_of_the_ticket(site, token):
    _, _, client = site
    response = client.post("/sidebar/zendesk", data={"token": token()})
    page = response.get_data(as_text=True)
    assert response.status_code == 401
    assert "could not be verified" in page
    for secret in (WISH_SUBJECT, "WB-7", "101", 'name="session"'):
        assert secret not in page


def test_a_ticket_the_store_has_not_seen_says_so_clearly(site):
    _, _, client = site
    page = open_zendesk(client, "999").get_data(as_text=True)
    assert "Wishbridge has not read ticket zendesk#999 yet" in page


def test_a_wishbridge_link_opens_its_own_ticket_and_only_that_one(site):
    zendesk, _, client = site
    link = sidebar_link(zendesk.settings, TicketRef("zendesk", "202"), agent="Rita RT")
    assert link.startswith("http://127.0.0.1:8080/sidebar/t/")
    page = client.get(link.removeprefix("http://127.0.0.1:8080")).get_data(as_text=True)
    assert PLAIN_SUBJECT in page and WISH_SUBJECT not in page.split('id="suggestions"')[0]


def test_a_wishbridge_link_expires(site):
    zendesk, _, client = site
    old = datetime.now(UTC) - LINK_LIFETIME - timedelta(seconds=5)
    link = sidebar_link(zendesk.settings, TicketRef("zendesk", "101"), now=old)
    response = client.get(link.removeprefix("http://127.0.0.1:8080"))
    assert response.status_code == 401 and WISH_SUBJECT not in response.get_data(as_text=True)


def test_a_session_for_ticket_a_never_acts_on_ticket_b(site):
    zendesk, seeded, client = site
    session = session_of(open_zendesk(client, "101"))
    response = client.post("/sidebar/act/note", data={"session": session, "body": "Customer asked twice",
                                                      "ticket": "303", "external_id": "303"})
    assert response.status_code == 200
    with zendesk.engine.connect() as conn:
        noted = conn.execute(select(comments.c.group_id, comments.c.author)).all()
    assert noted == [(seeded.group, ACTOR)]


def test_a_link_is_no_session_and_a_session_is_no_link(site):
    zendesk, _, client = site
    link_token = sidebar_link(zendesk.settings, TicketRef("zendesk", "101"), agent="X").rsplit("/", 1)[1]
    as_session = client.post("/sidebar/act/note", data={"session": link_token, "body": "hi"})
    assert as_session.status_code == 401
    session = session_of(open_zendesk(client, "101"))
    assert client.get(f"/sidebar/t/{session}").status_code == 401


def test_a_form_without_the_pages_session_is_refused(site):
    _, _, client = site
    response = client.post("/sidebar/act/register", data={"body": "x"})
    assert response.status_code == 401 and "expired" in response.get_data(as_text=True)


def test_registering_a_ticket_as_a_new_wish_is_audited_under_the_agent(site):
    zendesk, _, client = site
    page = open_zendesk(client, "202")
    assert "Register as a new wish" in page.get_data(as_text=True)
    done = client.post("/sidebar/act/register", data={"session": session_of(page)})
    assert done.status_code == 200
    assert "this ticket is now a wish in group" in done.get_data(as_text=True)
    with zendesk.engine.connect() as conn:
        ticket_id = conn.execute(select(tickets.c.id).where(tickets.c.external_id == "202")).scalar_one()
        group_id = conn.execute(select(wish_tickets.c.wish_id).where(wish_tickets.c.ticket_id == ticket_id)).scalar()
    assert group_id is not None
    again = client.post("/sidebar/act/register", data={"session": session_of(page)})
    assert again.status_code == 400 and "already a wish" in again.get_data(as_text=True)


def test_attaching_to_a_suggested_wish_and_adding_a_note_are_audited_under_the_agent(site):
    zendesk, seeded, client = site
    page = open_zendesk(client, "202")
    assert f'name="group_id" value="{seeded.group}"' in page.get_data(as_text=True), "suggested by grouping"
    attached = client.post("/sidebar/act/attach", data={"session": session_of(page), "group_id": seeded.group})
    assert f"Attached to group W-{seeded.group}." in attached.get_data(as_text=True)
    assert "2 organisations, 2 tickets" in attached.get_data(as_text=True)
    noted = client.post("/sidebar/act/note", data={"session": session_of(attached), "body": "Globex needs it by Q3"})
    assert f"Your note was added to group W-{seeded.group}." in noted.get_data(as_text=True)
    assert [row for row in audit_rows(zendesk, seeded.group) if row[1] == ACTOR] == [
        ("wish_added", ACTOR), ("grouped", ACTOR), ("comment", ACTOR)]


def test_a_link_that_names_no_agent_asks_for_a_name_and_audits_it_with_its_door(site):
    zendesk, seeded, client = site
    page = client.get(sidebar_link(zendesk.settings, TicketRef("zendesk", "101")).removeprefix(
        "http://127.0.0.1:8080"))
    assert 'name="agent_name"' in page.get_data(as_text=True)
    nameless = client.post("/sidebar/act/note", data={"session": session_of(page), "body": "hello"})
    assert nameless.status_code == 400 and "Please enter your name" in nameless.get_data(as_text=True)
    named = client.post("/sidebar/act/note", data={"session": session_of(page), "body": "hello",
                                                   "agent_name": "  Rita   Rivera "})
    assert named.status_code == 200
    assert ("comment", "Rita Rivera (via zendesk link)") in audit_rows(zendesk, seeded.group)


@pytest.mark.parametrize("changes", [{"ZENDESK_URL": ""}, {"ZENDESK_APP_SECRET": "short-secret"}])
def test_without_a_configured_zendesk_app_every_request_is_refused(site, changes):
    zendesk, _, _ = site
    runtime = Runtime(zendesk.settings.replace(**changes))
    runtime.__dict__["engine"] = zendesk.engine
    response = open_zendesk(create_app(runtime=runtime).test_client(), "101")
    assert response.status_code == 401 and WISH_SUBJECT not in response.get_data(as_text=True)
