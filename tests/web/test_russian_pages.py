"""Russian mode is Russian everywhere: every admin page, the sidebar and the product form, rendered for a Russian
reader over data in Russian, show no English text of the catalogue, no raw key and none of our raw values
(states, segments, channels, audit actions, score parts); and the product form promises no news it cannot send."""

from __future__ import annotations

import io
import re
import string
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import Connection, func, select

from bridge.config import Settings
from bridge.model import TicketRef
from bridge.runtime import Runtime
from bridge.store import audit
from bridge.store.schema import outbox, tickets, users
from bridge.text.catalogue import TEXTS, translate
from bridge.tracker.status import mark_missing
from bridge.web.app import create_app
from bridge.web.sidebar.links import sidebar_link
from bridge.workflow import lifecycle
from bridge.workflow.merging import wish_ids_of
from bridge.workflow.read_models import group_detail
from tests.jira_helpers import link_epic
from tests.web.support import dead_letter, page, post, sign_in
from tests.wish_helpers import store_ticket

API_KEY = "product-key"
PEOPLE = (("irina", "admin", "Ирина"), ("oleg", "analyst", "Олег"), ("nina", "support", "Нина"))
SHOWN_ATTRIBUTES = frozenset({"title", "placeholder", "aria-label", "alt"})
VERBATIM = frozenset({"script", "style", "code"})  # code shows identifiers as they are (outbox keys, file names)
KEY_FAMILIES = sorted({key.split(".")[0] for key in TEXTS})
PLACEHOLDER = re.compile(r"\{\w+\}")  # the form's script fills these
RAW_KEY = re.compile(rf"\b(?:{'|'.join(KEY_FAMILIES)})\.[a-z_]+")


class _Visible(HTMLParser):
    """The text a reader sees or hears: text nodes, tooltips, placeholders, labels, and the form's messages."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.verbatim = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.verbatim += tag in VERBATIM
        self.parts += [value for name, value in attrs if value and name in SHOWN_ATTRIBUTES]
        self.parts += [PLACEHOLDER.sub("", value) for name, value in attrs if value and name.startswith("data-t-")]

    def handle_endtag(self, tag: str) -> None:
        self.verbatim -= tag in VERBATIM

    def handle_data(self, data: str) -> None:
        if not self.verbatim:
            self.parts.append(data)


def visible(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return "\n".join(parser.parts)


def english_fragments() -> set[str]:
    """The English texts of the catalogue that differ from the Russian ones, cut at their placeholders; pieces of
    fewer than four letters are too common to tell anything."""
    found = set()
    for texts in TEXTS.values():
        if texts["en"] == texts["ru"]:
            continue
        for literal, *_ in string.Formatter().parse(texts["en"]):
            piece = literal.strip(" :;,.()–—-·«»“”\"'%×≥#\n")
            if sum(char.isalpha() for char in piece) >= 4:
                found.add(piece)
    return found


ENGLISH = english_fragments()


def shown(text: str, word: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text) is not None


def leaks(html: str, raw: Iterable[str] = ()) -> set[str]:
    """English catalogue texts, raw keys and the given raw values a Russian reader would see."""
    text = visible(html)
    return ({piece for piece in ENGLISH if shown(text, piece)} | set(RAW_KEY.findall(text))
            | {value for value in raw if shown(text, value)})


@dataclass(frozen=True)
class Scene:
    asked: int       # in analysis: two doors, segments and channels, analysis, comment, question, merge, split
    split_off: int   # the group split off the asked one
    merged: int      # merged into the asked one
    reopened: int    # declined, new demand, seen, reopened
    released: int    # approved, epic released and then gone from Jira
    helpdesk_ticket: int
    plain_ticket: int


@pytest.fixture
def web_runtime(settings: Settings) -> Runtime:
    return Runtime(settings.replace(WISHBRIDGE_API_KEYS=API_KEY))


@pytest.fixture
def app(web_runtime: Runtime) -> Flask:
    return create_app(runtime=web_runtime)


def _wish(conn: Connection, runtime: Runtime, text: str, **fields: Any) -> int:
    return lifecycle.add_wish(conn, runtime.mappings, door="manual", text=text, actor="irina", **fields).group_id


def _ticket(conn: Connection, external_id: str, subject: str, *, channel: str, segment: str,
            is_wish: bool = True) -> int:
    ticket_id = store_ticket(conn, external_id, subject, "Подробности в письме клиента", organization="vasilek",
                             segment=segment, is_wish=is_wish)
    conn.execute(tickets.update().where(tickets.c.id == ticket_id).values(channel=channel, requester_name="Анна"))
    return ticket_id


@pytest.fixture
def scene(web_runtime: Runtime) -> Scene:
    """Russian readers and a workflow that went everywhere, with Russian data."""
    runtime, mappings = web_runtime, web_runtime.mappings
    dead_letter(runtime.engine, "epic:1", "HTTP 503")
    now = datetime.now(UTC)
    with runtime.engine.begin() as conn:
        for username, role, name in PEOPLE:
            conn.execute(users.insert().values(username=username, password_hash="-", role=role, display_name=name,
                                               language="ru", created_at=now))
        asked = _wish(conn, runtime, "Выгрузка отчёта по агрегации в Excel каждый месяц", organization="ООО Ромашка",
                      channel="meeting", segment="enterprise", category="reports", subcategory="export")
        helpdesk_ticket = _ticket(conn, "501", "Нужна ежемесячная выгрузка отчёта", channel="web form", segment="smb")
        lifecycle.attach_ticket(conn, mappings, helpdesk_ticket, asked, "irina")
        lifecycle.route(conn, mappings, asked, "analyst", "irina", "Нужна оценка аналитика")
        lifecycle.record_analysis(conn, asked, "oleg", importance="critical", notes="Нужно трём крупным клиентам",
                                  legal_reference="Постановление № 2464", legal_deadline=date.today() + timedelta(45))
        lifecycle.add_comment(conn, asked, "oleg", "Уточнить формат файла")
        lifecycle.ask_customers(conn, mappings, asked, "Какой формат файла вам удобнее?", "oleg")
        merged = _wish(conn, runtime, "Тёмная тема для мобильного сканера", organization="ООО Лютик", channel="call")
        lifecycle.merge(conn, merged, asked, "irina")
        split_off = lifecycle.split(conn, asked, wish_ids_of(conn, asked)[-1:], "irina", "Тёмная тема")
        reopened = _wish(conn, runtime, "Роуминг УПД с новым оператором ЭДО", organization="ООО Астра",
                         channel="email", segment="business")
        lifecycle.decide(conn, mappings, reopened, "decline", "irina", reason="Не в планах на этот год")
        lifecycle.attach_ticket(conn, mappings, _ticket(conn, "502", "Снова просим роуминг", channel="phone",
                                                        segment="free"), reopened, "irina")
        lifecycle.acknowledge(conn, reopened, "irina")
        lifecycle.reopen(conn, mappings, reopened, "irina", "Клиенты снова просят")
        released = _wish(conn, runtime, "Рассылка отчётов по расписанию", organization="ООО Ромашка",
                         channel="onboarding", category="reports", subcategory="scheduled")
        lifecycle.route(conn, mappings, released, "legal", "irina")
        lifecycle.decide(conn, mappings, released, "approve", "irina")
        link_epic(conn, released, "WISH-7", stage="released", status="Выпущено")
        audit.record(conn, "group", released, "epic_created", "jira",
                     details={"epic_key": "WISH-7", "epic_url": "https://jira.example/browse/WISH-7"})
        lifecycle.mark_done(conn, released, "irina")
        mark_missing(conn, "jira", ["WISH-7"], now)
        plain_ticket = _ticket(conn, "503", "Выгрузка отчёта по агрегации в Excel", channel="chat",
                               segment="smb", is_wish=False)
    return Scene(asked, split_off, merged, reopened, released, helpdesk_ticket, plain_ticket)


@pytest.fixture
def irina(app: Flask, scene: Scene) -> FlaskClient:
    client = app.test_client()
    sign_in(client, "irina")
    return client


def raw_values(runtime: Runtime, group_id: int) -> set[str]:
    """Our identifiers a group page must name, never show: audit actions and detail names, score parts, the
    tickets' segments and channels."""
    with runtime.engine.connect() as conn:
        detail = group_detail(conn, runtime.mappings, group_id)
    return ({entry["action"] for entry in detail.audit} | {name for entry in detail.audit for name in entry["details"]}
            | {part.name for part in detail.score.parts} | {part.explanation for part in detail.score.parts}
            | {value for wish in detail.wishes for ticket in wish.tickets for value in (ticket.segment, ticket.channel)
               if value})


def admin_pages(scene: Scene) -> dict[str, str]:
    return {"inbox": "/admin/inbox", "groups": "/admin/groups", "new wish": "/admin/wishes/new",
            "reports": "/admin/reports/?period=week&periods=4", "release": f"/admin/reports/release/{scene.released}",
            "release digest": "/admin/reports/digest",
            "operations": "/admin/operations/", "users": "/admin/users/",
            "merged group": f"/admin/groups/{scene.merged}", "split group": f"/admin/groups/{scene.split_off}",
            "board": "/admin/board", "mappings": "/admin/mappings/", "user": "/admin/users/2",
            "sorted and filtered groups": "/admin/groups?sort=activity&owner=mine&segment=smb"}


def test_every_admin_page_speaks_only_russian(irina: FlaskClient, scene: Scene) -> None:
    for name, path in admin_pages(scene).items():
        response = irina.get(path)
        assert response.status_code == 200, name
        assert '<html lang="ru">' in page(response), name
        assert leaks(page(response)) == set(), name


def test_operations_names_the_outbox_work_in_russian(irina: FlaskClient, web_runtime: Runtime, scene: Scene) -> None:
    with web_runtime.engine.connect() as conn:
        kinds = set(conn.execute(select(outbox.c.kind).distinct()).scalars())
    assert len(kinds) > 1
    assert leaks(page(irina.get("/admin/operations/")), kinds) == set()


@pytest.mark.parametrize("group", ["asked", "reopened", "released"])
def test_a_group_page_names_in_russian_its_score_audit_trail_segments_and_channels(
        irina: FlaskClient, web_runtime: Runtime, scene: Scene, group: str) -> None:
    group_id = getattr(scene, group)
    html = page(irina.get(f"/admin/groups/{group_id}"))
    raw = raw_values(web_runtime, group_id)
    assert len(raw) > 8
    assert leaks(html, raw) == set()


def test_the_audit_trail_and_score_say_what_happened_in_russian(irina: FlaskClient, scene: Scene) -> None:
    text = visible(page(irina.get(f"/admin/groups/{scene.asked}")))
    for said in ("Направлена в очередь", "Было: сгруппирована", "Очередь: аналитики", "Важность: критично",
                 "Присоединена другая группа", "Пожелания выделены в новую группу", "Сегмент: крупный бизнес",
                 "разных организаций: 2 × 1", "Срок по закону", "встреча", "веб-форма",
                 "малый бизнес"):
        assert said in text, said


def test_the_english_pages_show_no_raw_keys_either(app: Flask, scene: Scene) -> None:
    client = app.test_client()
    sign_in(client, "irina")
    post(client, "/admin/language", {"language": "en"})
    for path in [*admin_pages(scene).values(), f"/admin/groups/{scene.asked}", f"/admin/groups/{scene.released}"]:
        assert RAW_KEY.findall(visible(page(client.get(path)))) == [], path


def test_the_error_pages_speak_russian_even_where_no_admin_route_matched(irina: FlaskClient, app: Flask,
                                                                        scene: Scene) -> None:
    nina = app.test_client()
    sign_in(nina, "nina")
    answers = {"unknown address": (irina.get("/admin/nothing-here"), 404, "Не найдено"),
               "unknown group": (irina.get("/admin/groups/999999"), 404, "Не найдено"),
               "wrong method": (irina.get(f"/admin/groups/{scene.asked}/approve"), 405, "Метод не разрешён"),
               "no csrf token": (irina.post("/admin/wishes/new", data={}), 400, "Неверный запрос"),
               "not allowed": (nina.get("/admin/operations/"), 403, "Нет доступа")}
    for name, (response, status, title) in answers.items():
        assert response.status_code == status, name
        assert title in page(response) and '<html lang="ru">' in page(response), name
        assert leaks(page(response)) == set(), name


def test_an_address_outside_the_admin_pages_keeps_its_own_answer(irina: FlaskClient) -> None:
    assert "Не найдено" not in page(irina.get("/nothing-here"))
    assert irina.get("/api/v1/wishes/999999", headers={"X-API-Key": API_KEY}).json == {"error": "no wish 999999",
                                                                                       "field": None}


def test_the_login_page_of_a_russian_browser_speaks_only_russian(app: Flask, scene: Scene) -> None:
    html = page(app.test_client().get("/admin/login", headers={"Accept-Language": "ru"}))
    assert "Вход в Wishbridge" in html and leaks(html) == set()


def _sidebar(client: FlaskClient, runtime: Runtime, ticket: str, agent: str = "", locale: str = "") -> str:
    url = sidebar_link(runtime.settings, TicketRef("zendesk", ticket), agent=agent, locale=locale)
    return page(client.get(url.removeprefix(str(runtime.settings["WISHBRIDGE_PUBLIC_URL"])),
                           headers={"Accept-Language": "ru-RU,ru;q=0.9"}))


@pytest.mark.parametrize("ticket", ["501", "503", "999"])
def test_the_sidebar_speaks_only_russian_for_a_wish_a_plain_ticket_and_an_unknown_one(
        app: Flask, web_runtime: Runtime, scene: Scene, ticket: str) -> None:
    html = _sidebar(app.test_client(), web_runtime, ticket, agent="Ирина", locale="ru")
    assert 'lang="ru"' in html and leaks(html, {"grouped", "in_analysis", "smb", "web form"}) == set()


def test_the_demos_sidebar_link_names_no_language_so_the_page_follows_the_browser(
        app: Flask, web_runtime: Runtime, scene: Scene) -> None:
    """bridge.demo.stack signs its links without a locale, as here."""
    html = _sidebar(app.test_client(), web_runtime, "501", agent="Demo agent")
    assert 'lang="ru"' in html and "Эпик в трекере" in html and leaks(html) == set()


def test_the_sidebars_own_answers_speak_russian_too(app: Flask, web_runtime: Runtime, scene: Scene) -> None:
    client = app.test_client()
    html = _sidebar(client, web_runtime, "501")
    session = re.search(r'name="session" value="([^"]+)"', html)
    assert session is not None
    russian = {"Accept-Language": "ru"}
    nameless = page(client.post("/sidebar/act/note", data={"session": session.group(1), "body": "Заметка"},
                                headers=russian))
    unknown = page(client.post("/sidebar/act/delete", data={"session": session.group(1)}, headers=russian))
    expired = page(client.post("/sidebar/act/note", data={"session": "forged"}, headers=russian))
    denied = page(client.get("/sidebar/t/forged", headers=russian))
    for name, answer, said in (("nameless", nameless, "Укажите своё имя"), ("unknown", unknown, "нет такого действия"),
                               ("expired", expired, "Сеанс панели истёк"), ("denied", denied, "не подтверждён")):
        assert said in answer and leaks(answer) == set(), name


@pytest.mark.parametrize("query", [f"key={API_KEY}&customer_id=acc-42", "key=stolen&customer_id=acc-42",
                                   f"key={API_KEY}"])
def test_the_product_form_and_its_refusals_speak_only_russian(app: Flask, query: str) -> None:
    html = page(app.test_client().get(f"/embed/suggest?{query}&lang=ru"))
    assert 'lang="ru"' in html and leaks(html) == set()


def queued_items(runtime: Runtime) -> int:
    with runtime.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(outbox)).scalar_one())


@pytest.mark.parametrize("language", ["en", "ru"])
def test_no_message_ever_reaches_a_product_form_customer_and_the_form_says_so_before_sending(
        app: Flask, web_runtime: Runtime, language: str) -> None:
    html = page(app.test_client().get(f"/embed/suggest?key={API_KEY}&customer_id=acc-42&lang={language}"))
    assert translate("form.intro", language) in html
    wish = {"customer_id": "acc-42", "text": "Выгрузка в Excel по расписанию", "contact": "anna@example.com",
            "language": language}
    sent = app.test_client().post("/api/v1/wishes", json=wish, headers={"X-API-Key": API_KEY})
    assert sent.status_code == 201 and sent.json is not None
    with web_runtime.engine.begin() as conn:
        lifecycle.route(conn, web_runtime.mappings, sent.json["group_id"], "analyst", "irina")
        lifecycle.decide(conn, web_runtime.mappings, sent.json["group_id"], "decline", "irina", reason="Нет")
    assert queued_items(web_runtime) == 0, "no stage message for a product-form ticket, so none may be promised"


def test_a_russian_report_downloads_with_russian_headers_and_sheets(irina: FlaskClient) -> None:
    csv = irina.get("/admin/reports/topics.csv?language=ru").data.decode("utf-8-sig").splitlines()
    assert csv[0].startswith("Категория;Подкатегория;") and csv[0].endswith(";Изменение;Изменение, %")
    book = load_workbook(io.BytesIO(irina.get("/admin/reports/topics.xlsx?language=ru").data))
    assert book.sheetnames == ["Данные", "Сводная"]
    assert [cell.value for cell in book["Данные"][1]] == ["Период", "Начало", "Категория", "Подкатегория",
                                                          "Количество", "Дней учтено"]
