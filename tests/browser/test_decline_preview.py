"""Declining as a product manager does it, in chromium: the preview of every customer's message per language (a
Russian customer gets no English words without the manager's say), Confirm, Undo within the window; then a decline
that goes out, read on the Russian customer's ticket in the sandbox Zendesk.

Screenshots: 16-3-decline-preview.png, 16-3-undo.png, 16-2-russian-decline.png (and 16-2-untranslated-preview.png,
the preview before the Russian words were written) in tests/browser/screenshots/.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select
from sqlalchemy import select

from bridge.config import load_settings
from bridge.runtime import Runtime
from bridge.store.schema import wish_groups
from bridge.store.users import create_user
from bridge.web.app import create_app
from bridge.worker import jobs
from sandboxes.zendesk import ZendeskSandbox, create_sandbox, sandbox_of, serve_in_thread
from sandboxes.zendesk_agent import add_agent_page
from tests.browser.chromium import BROWSER_TESTS, SHOTS, click_and_wait, log_in, submit
from tests.conftest import MAPPINGS
from tests.flows.language_helpers import a_group, add_customer

PASSWORD = "browser-pass-1"
UNDO_SECONDS = 10   # long enough to click Undo under load, short enough to wait for the second decline
pytestmark = BROWSER_TESTS


@dataclass
class Desk:
    url: str
    sandbox: ZendeskSandbox
    english: int   # ticket ids in the sandbox Zendesk
    russian: int


@dataclass
class Site:
    url: str
    runtime: Runtime
    desk: Desk
    group: int


@pytest.fixture(scope="module")
def desk() -> Iterator[Desk]:
    app = create_sandbox({}, export_budget_per_minute=1000)
    add_agent_page(app)
    url, stop = serve_in_thread(app)
    sandbox = sandbox_of(app)
    english = sandbox.add_ticket({"subject": "Export reports to Excel",
                                  "description": "Please let us export the monthly reports to Excel."}, notify=False)
    russian = sandbox.add_ticket({"subject": "Выгрузка отчётов в Excel",
                                  "description": "Нужна выгрузка ежемесячных отчётов в Excel."}, notify=False)
    yield Desk(url, sandbox, english["id"], russian["id"])
    stop()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, desk: Desk) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("decline-site")
    settings = load_settings({"DATABASE_URL": f"sqlite:///{folder / 'store.db'}", "WISHBRIDGE_MAPPINGS": str(MAPPINGS),
                              "WISHBRIDGE_SECRET_KEY": "browser-secret", "WISHBRIDGE_UNDO_SECONDS": str(UNDO_SECONDS),
                              "ZENDESK_URL": desk.url, "ZENDESK_EMAIL": "bridge@example.com",
                              "ZENDESK_API_TOKEN": "sandbox-token"}, env_file=None)
    runtime = Runtime(settings)
    with runtime.engine.begin() as conn:
        create_user(conn, "pm", PASSWORD, "product_manager", display_name="Polina PM")
        group = a_group(conn, [], title="Выгрузка отчётов в Excel")
        add_customer(conn, group, str(desk.english), "en", "Export reports to Excel")
        add_customer(conn, group, str(desk.russian), "ru", "Выгрузка отчётов в Excel")
    url, stop = serve_in_thread(create_app(runtime=runtime))
    yield Site(url, runtime, desk, group)
    stop()


def shot(browser: WebDriver, name: str) -> None:
    """The whole page at 1280 px (the window grows to its height and the browser's own bars, up to 4000 px) as
    SHOTS/<name>."""
    height = browser.execute_script("return document.documentElement.scrollHeight + outerHeight - innerHeight")
    browser.set_window_size(1280, min(max(int(height), 700), 4000))
    SHOTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(SHOTS / name))
    browser.set_window_size(1280, 900)


def body(browser: WebDriver) -> str:
    return str(browser.find_element(By.TAG_NAME, "body").text)


def state(site: Site) -> str:
    with site.runtime.engine.connect() as conn:
        return str(conn.execute(select(wish_groups.c.state).where(wish_groups.c.id == site.group)).scalar_one())


def public_comments(desk: Desk, ticket_id: int) -> list[str]:
    return [str(c["body"]) for c in desk.sandbox.comments[ticket_id][1:] if c.get("public", True)]   # after its own


def choose_reason(browser: WebDriver, form_id: str, code: str) -> None:
    Select(browser.find_element(By.CSS_SELECTOR, f"#{form_id} select[name=reason_code]")).select_by_value(code)


def test_a_product_manager_previews_confirms_and_undoes_a_decline_then_declines_for_good(browser: WebDriver,
                                                                                         site: Site) -> None:
    log_in(browser, site.url, "pm", PASSWORD)
    browser.get(f"{site.url}/admin/groups/{site.group}")

    choose_reason(browser, "decline-form", "out_of_scope")
    submit(browser, "decline-form", reason_en="we focus on the web version this year")
    previews = {box.get_attribute("data-language"): box.text
                for box in browser.find_elements(By.CSS_SELECTOR, "section.preview")}
    assert set(previews) == {"en", "ru"}
    assert 'Unfortunately your wish "Export reports to Excel" was declined.' in previews["en"]
    assert "Not written in Russian: the reason." in previews["ru"]   # the English words would reach a Russian reader
    assert state(site) == "grouped"
    shot(browser, "16-2-untranslated-preview.png")

    submit(browser, "preview-form", reason_ru="в этом году мы развиваем веб-версию")   # "Update the preview"
    previews = {box.get_attribute("data-language"): box.text
                for box in browser.find_elements(By.CSS_SELECTOR, "section.preview")}
    assert ("Причина: это выходит за рамки нашего продукта — в этом году мы развиваем веб-версию"
            in previews["ru"]) and "Not written" not in previews["ru"]
    assert "tickets: 1" in previews["en"] and "tickets: 1" in previews["ru"]
    shot(browser, "16-3-decline-preview.png")

    click_and_wait(browser, (By.ID, "confirm"))
    assert "Declined: the customers will be told why." in body(browser)
    assert "until then you can undo it" in browser.find_element(By.ID, "undo-form").text
    assert state(site) == "declined"
    shot(browser, "16-3-undo.png")
    click_and_wait(browser, (By.CSS_SELECTOR, "#undo-form button"))
    assert "Undone: 2 messages will not be sent." in body(browser)
    assert state(site) == "grouped" and browser.find_elements(By.ID, "undo-form") == []

    choose_reason(browser, "decline-form", "wont_do")   # declined again, and this time it goes out
    submit(browser, "decline-form")
    click_and_wait(browser, (By.ID, "confirm"))
    assert state(site) == "declined"
    assert jobs.drain_outbox(site.runtime).done == 0   # nothing before the undo window closes
    deadline = time.monotonic() + UNDO_SECONDS + 20
    while not public_comments(site.desk, site.desk.russian):
        assert time.monotonic() < deadline, "the decline never went out"
        jobs.drain_outbox(site.runtime)
        time.sleep(0.5)
    assert public_comments(site.desk, site.desk.russian) == [
        "К сожалению, пожелание «Выгрузка отчётов в Excel» отклонено. Причина: мы решили не реализовывать эту "
        "возможность"]
    assert public_comments(site.desk, site.desk.english) == [
        'Unfortunately your wish "Export reports to Excel" was declined. Reason: we have decided not to implement it']
    browser.get(f"{site.desk.url}/agent/tickets/{site.desk.russian}")
    assert "Причина: мы решили не реализовывать эту возможность" in body(browser)
    shot(browser, "16-2-russian-decline.png")
