"""The pages of decisions customers hear: declining shows every message per language before anything changes,
Confirm needs the preview it confirms (and a word on text in another language), Undo takes it back within its
window; titles are written per language and held messages shown; a merge shows its survivor first."""

from __future__ import annotations

import re
from html import unescape

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from bridge.runtime import Runtime
from bridge.store import outbox
from bridge.store.schema import wish_groups
from bridge.workflow import lifecycle
from tests.flows.language_helpers import a_group
from tests.web.support import page, post, sign_in

CUSTOMERS = [("en", "Export reports to Excel"), ("ru", "Выгрузка отчётов в Excel"), ("ru", "Экспорт в эксель")]


@pytest.fixture
def pm(client: FlaskClient) -> FlaskClient:
    sign_in(client, "product_manager")
    return client


def a_mixed_group(runtime: Runtime, customers: list[tuple[str, str]] = CUSTOMERS, **values: object) -> int:
    with runtime.engine.begin() as conn:
        return a_group(conn, customers, **values)


def state_of(runtime: Runtime, group_id: int) -> str:
    with runtime.engine.connect() as conn:
        return str(conn.execute(select(wish_groups.c.state).where(wish_groups.c.id == group_id)).scalar_one())


def digest(html: str) -> str:
    found = re.search(r'name="digest" value="([0-9a-f]+)"', html)
    assert found, "the preview carries its digest"
    return found.group(1)


def queued(runtime: Runtime) -> list[dict]:
    with runtime.engine.connect() as conn:
        return outbox.items(conn)


def test_declining_shows_each_language_s_message_and_changes_nothing_until_confirmed(
        pm: FlaskClient, web_runtime: Runtime) -> None:
    group = a_mixed_group(web_runtime)
    form = {"reason_code": "out_of_scope", "reason_en": "we focus on the web version",
            "reason_ru": "мы развиваем веб-версию"}
    response = post(pm, f"/admin/groups/{group}/decline", form)
    html = unescape(page(response))
    assert response.status_code == 200
    assert ('Unfortunately your wish "Export reports to Excel" was declined. Reason: it is outside the scope of our '
            "product — we focus on the web version") in html
    assert "Причина: это выходит за рамки нашего продукта — мы развиваем веб-версию" in html
    # English: one ticket; Russian: two tickets, two messages (each wish has its own title)
    assert html.count("tickets: 1") == 3 and html.count("tickets: 2") == 1
    assert state_of(web_runtime, group) == "grouped" and queued(web_runtime) == []

    response = post(pm, f"/admin/groups/{group}/decline", {**form, "confirm": "1", "digest": digest(html)})
    assert response.status_code == 302 and response.location == f"/admin/groups/{group}"
    assert state_of(web_runtime, group) == "declined"
    assert {item["state"] for item in queued(web_runtime)} == {"pending"}
    group_page = page(pm.get(response.location))
    assert 'id="undo-form"' in group_page and "until then you can undo it" in group_page

    response = post(pm, f"/admin/groups/{group}/undo")
    assert response.status_code == 302
    assert state_of(web_runtime, group) == "grouped" and queued(web_runtime) == []
    group_page = page(pm.get(response.location))
    assert "Undone: 3 messages will not be sent." in group_page and 'id="undo-form"' not in group_page


def test_a_preview_shows_a_few_messages_per_language_and_counts_the_rest(pm: FlaskClient,
                                                                        web_runtime: Runtime) -> None:
    group = a_mixed_group(web_runtime, [("ru", f"Выгрузка отчёта №{number}") for number in range(7)])
    html = page(post(pm, f"/admin/groups/{group}/defer", {"reason_code": "later"}))
    assert html.count('<p class="message"') == 5
    assert "…and 2 more messages to 2 tickets" in unescape(html)
    response = post(pm, f"/admin/groups/{group}/defer", {"reason_code": "later", "title_ru": "Выгрузка отчётов"})
    assert page(response).count('<p class="message"') == 1 and "tickets: 7" in page(response)


def test_a_confirmation_of_another_preview_shows_the_new_one_instead(pm: FlaskClient, web_runtime: Runtime) -> None:
    group = a_mixed_group(web_runtime)
    old = digest(page(post(pm, f"/admin/groups/{group}/defer", {"reason_code": "later"})))
    response = post(pm, f"/admin/groups/{group}/defer", {"reason_code": "legal", "confirm": "1", "digest": old})
    assert response.status_code == 409
    assert "The messages changed since the preview" in page(response)
    assert "Reason: legal constraints do not allow it" in page(response)
    assert state_of(web_runtime, group) == "grouped"


def test_text_in_another_language_needs_a_translation_or_a_tick_before_it_is_confirmed(
        pm: FlaskClient, web_runtime: Runtime) -> None:
    group = a_mixed_group(web_runtime)
    form = {"reason_ru": "сначала перепишем модуль отчётов"}
    html = page(post(pm, f"/admin/groups/{group}/defer", form))
    assert "Not written in English: the reason." in html
    response = post(pm, f"/admin/groups/{group}/defer", {**form, "confirm": "1", "digest": digest(html)})
    assert response.status_code == 409 and "(en)" in page(response)
    assert state_of(web_runtime, group) == "grouped"
    response = post(pm, f"/admin/groups/{group}/defer", {**form, "confirm": "1", "digest": digest(html),
                                                         "as_is": "en"})
    assert response.status_code == 302 and state_of(web_runtime, group) == "deferred"
    [english] = [item for item in queued(web_runtime) if item["payload"]["external_id"] == f"{group}-0"]
    assert english["state"] == "pending"
    assert "Reason: сначала перепишем модуль отчётов." in english["payload"]["patch"]["comment"]


def test_a_decline_without_any_reason_or_an_unknown_standard_one_is_refused(pm: FlaskClient,
                                                                            web_runtime: Runtime) -> None:
    group = a_mixed_group(web_runtime)
    assert post(pm, f"/admin/groups/{group}/decline", {"reason_en": " "}).status_code == 400
    response = post(pm, f"/admin/groups/{group}/decline", {"reason_code": "because"})
    assert response.status_code == 400 and "Please fill in: Standard reason." in page(response)


def test_only_deciders_may_undo(client: FlaskClient, web_runtime: Runtime) -> None:
    group = a_mixed_group(web_runtime)
    sign_in(client, "product_manager")
    html = page(post(client, f"/admin/groups/{group}/decline", {"reason_code": "duplicate"}))
    post(client, f"/admin/groups/{group}/decline", {"reason_code": "duplicate", "confirm": "1", "digest": digest(html)})
    sign_in(client, "support")
    assert 'id="undo-form"' in page(client.get(f"/admin/groups/{group}"))   # shown, without its button
    assert post(client, f"/admin/groups/{group}/undo").status_code == 403
    assert state_of(web_runtime, group) == "declined"


def test_the_group_page_shows_held_messages_and_takes_a_title_per_language(pm: FlaskClient,
                                                                            web_runtime: Runtime) -> None:
    group = a_mixed_group(web_runtime, [("en", "Выгрузка отчётов в Excel")])
    with web_runtime.engine.begin() as conn:
        lifecycle.route(conn, web_runtime.mappings, group, "analyst", "pm")
    html = page(pm.get(f"/admin/groups/{group}"))
    assert "Waiting for a translation" in html
    assert "1 × “in analysis” to readers of English; not in English: the title." in html
    response = post(pm, f"/admin/groups/{group}/translate", {"title_en": "Export reports to Excel", "title_ru": ""})
    assert response.status_code == 302
    html = page(pm.get(response.location))
    assert "Messages that were waiting for it and went out: 1." in html and "Waiting for a translation" not in html
    assert 'value="Export reports to Excel"' in html
    [item] = queued(web_runtime)
    assert item["payload"]["patch"]["comment"] == 'Your wish "Export reports to Excel" is being analysed.'


def test_a_merge_shows_the_survivor_by_the_rule_and_keeps_the_one_picked(pm: FlaskClient,
                                                                         web_runtime: Runtime) -> None:
    established = a_mixed_group(web_runtime, category="reports", subcategory="export")
    newcomer = a_mixed_group(web_runtime, CUSTOMERS[:1])
    response = post(pm, f"/admin/groups/{newcomer}/merge_preview", {"target_id": f"#{established}"})
    html = page(response)
    assert response.status_code == 200
    assert re.search(rf'name="survivor" value="{established}" checked>\s*Keep #{established}', html)
    assert "Reports / Export" in html
    response = post(pm, f"/admin/groups/{newcomer}/merge", {"target_id": str(established),
                                                            "survivor": str(established)})
    assert response.location == f"/admin/groups/{established}"
    assert state_of(web_runtime, newcomer) == "merged"
