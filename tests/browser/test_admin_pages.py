"""The admin pages as a person uses them: Debian's chromium driven by selenium against a served app.

Screenshots of the main pages at 1280 px and 390 px land in tests/browser/screenshots/ (git-ignored).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlalchemy import Engine

from bridge.config import load_settings
from bridge.mapping import Mappings
from bridge.outbox.drain import drain
from bridge.runtime import Runtime
from bridge.store.users import create_user
from bridge.tracker.epics import epic_handlers
from bridge.web.app import create_app
from sandboxes.jira import serve_in_thread
from tests.browser import chromium
from tests.browser.chromium import BROWSER_TESTS, SHOTS, click_and_wait, load_and_wait, start_chromium, submit
from tests.conftest import MAPPINGS
from tests.jira_helpers import served_jira
from tests.web.support import add_group, dead_letter, in_queue

PASSWORD = "browser-pass-1"
pytestmark = BROWSER_TESTS


@dataclass
class Site:
    url: str
    runtime: Runtime
    groups: dict[str, int]


def seed(engine: Engine, mappings: Mappings) -> dict[str, int]:
    with engine.begin() as conn:
        create_user(conn, "pm", PASSWORD, "product_manager", display_name="Polina PM")
        create_user(conn, "agent", PASSWORD, "support", display_name="Artem Support")
        create_user(conn, "root", PASSWORD, "admin", display_name="Admin")
    groups = {
        "approve": in_queue(engine, mappings, "Order marking codes in bulk through the API", "analyst"),
        "decline": add_group(engine, mappings, "A dark theme for the mobile scanner app", category="mobile",
                             subcategory="scanning"),
        "shots": in_queue(engine, mappings, "Roaming of universal transfer documents with a new operator",
                          "legal"),
    }
    for number, (category, subcategory) in enumerate([("reports", "export"), ("reports", "dashboards"),
                                                      ("integrations", "one_c"), ("edo", "upd")] * 2):
        add_group(engine, mappings, f"Customer request {number} about {subcategory}", organization=f"Org {number}",
                  category=category, subcategory=subcategory)
    dead_letter(engine, "stage:in_analysis:g99:e0:t1", "FatalError: 404 from /api/v2/tickets/update_many.json",
                target="zendesk", kind="ticket_patch")
    return groups


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("site")
    settings = load_settings({"DATABASE_URL": f"sqlite:///{folder / 'store.db'}",
                                        "WISHBRIDGE_MAPPINGS": str(MAPPINGS),
                                        "WISHBRIDGE_SECRET_KEY": "browser-secret"}, env_file=None)
    runtime = Runtime(settings)
    groups = seed(runtime.engine, runtime.mappings)
    url, stop = serve_in_thread(create_app(runtime=runtime))
    yield Site(url, runtime, groups)
    stop()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    downloads = tmp_path_factory.mktemp("downloads")
    driver = start_chromium(tmp_path_factory.mktemp("chromium"), 1280, downloads)
    driver.downloads = downloads  # type: ignore[attr-defined]
    yield driver
    driver.quit()


def log_in(browser, site: Site, username: str) -> None:  # type: ignore[no-untyped-def]
    chromium.log_in(browser, site.url, username, PASSWORD)


body = chromium.page_text


def wait_for(condition: Callable[[], bool], seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def shoot(browser, name: str, width: int) -> Path:  # type: ignore[no-untyped-def]
    """A full-page screenshot at `width` px (the window grows to the page's height, up to 4000 px)."""
    browser.set_window_size(width, 900)
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(width, min(max(int(height), 700), 4000))
    SHOTS.mkdir(exist_ok=True)
    path = SHOTS / f"{name}-{width}.png"
    browser.save_screenshot(str(path))
    browser.set_window_size(1280, 900)
    return path


def test_a_product_manager_approves_a_group_and_sees_its_epic_once_jira_has_it(browser, site: Site) -> None:
    group_id = site.groups["approve"]
    log_in(browser, site, "pm")
    browser.get(f"{site.url}/admin/groups?queue=analyst")
    click_and_wait(browser, (By.LINK_TEXT, "Order marking codes in bulk through the API"))
    WebDriverWait(browser, 20, ignored_exceptions=(WebDriverException,)).until(lambda b: Select(
        b.find_element(By.CSS_SELECTOR, "#analyse-form select[name=importance]")).select_by_value("critical") or 1)
    submit(browser, "analyse-form", notes="Three enterprise customers need it before the audit")
    submit(browser, "approve-form")
    assert "Approved: the epic is on its way to the tracker." in body(browser)
    assert "the epic is being created in the tracker" in browser.find_element(By.ID, "epic").text

    with served_jira() as (connector, _sandbox):
        summary = drain(site.runtime.engine, epic_handlers(site.runtime.engine, connector, site.runtime.mappings))
        assert summary.done >= 1 and not summary.dead
    browser.get(f"{site.url}/admin/groups/{group_id}")
    epic = browser.find_element(By.ID, "epic")
    key = epic.find_element(By.TAG_NAME, "a").text
    assert key.startswith("WISH-")
    assert browser.find_element(By.ID, "epic-status").text == "To Do"
    assert "pm" in browser.find_element(By.CSS_SELECTOR, "table.audit").text
    shoot(browser, "group-approved", 1280)
    shoot(browser, "group-approved", 390)


def test_a_product_manager_declines_a_group_only_with_a_reason(browser, site: Site) -> None:
    group_id = site.groups["decline"]
    log_in(browser, site, "pm")
    browser.get(f"{site.url}/admin/inbox")
    click_and_wait(browser, (By.LINK_TEXT, "A dark theme for the mobile scanner app"))
    click_and_wait(browser, (By.CSS_SELECTOR, "#decline-form button"))
    assert "Please fill in: Reason." in body(browser)  # no reason, no preview
    submit(browser, "decline-form", reason_en="Not on this year's roadmap")
    assert "Nothing has changed yet." in body(browser)  # the preview of the customers' messages
    click_and_wait(browser, (By.ID, "confirm"))
    assert browser.current_url.endswith(f"/admin/groups/{group_id}")  # the group opened from the inbox
    text = body(browser)
    assert "Declined: the customers will be told why." in text
    assert "Reason: Not on this year's roadmap" in text
    assert browser.find_element(By.CSS_SELECTOR, ".heading .badge").text == "declined"


def test_support_opens_a_report_and_exports_it(browser, site: Site) -> None:
    log_in(browser, site, "agent")
    click_and_wait(browser, (By.LINK_TEXT, "Reports"))
    Select(browser.find_element(By.NAME, "period")).select_by_value("week")
    Select(browser.find_element(By.NAME, "measure")).select_by_value("wishes")
    click_and_wait(browser, (By.CSS_SELECTOR, "#report-options button"))
    assert "period=week" in browser.current_url
    assert browser.find_element(By.CSS_SELECTOR, ".chart svg").is_displayed()
    assert "Export" in browser.find_element(By.ID, "topic-table").text
    shoot(browser, "reports", 1280)
    shoot(browser, "reports", 390)
    browser.find_element(By.ID, "export-csv").click()
    browser.find_element(By.ID, "export-xlsx").click()
    csv = browser.downloads / "topics-wishes-week.csv"
    xlsx = browser.downloads / "topics-wishes-week.xlsx"
    wait_for(lambda: csv.exists() and xlsx.exists())
    assert "Export" in csv.read_text(encoding="utf-8-sig")
    assert xlsx.read_bytes()[:2] == b"PK"


def test_support_is_refused_what_its_role_does_not_allow(browser, site: Site) -> None:
    log_in(browser, site, "agent")
    browser.get(f"{site.url}/admin/groups/{site.groups['shots']}")
    assert browser.find_elements(By.ID, "approve-form") == []
    assert browser.find_elements(By.ID, "comment-form")
    browser.get(f"{site.url}/admin/operations/")
    assert "403 · Not allowed" in body(browser)
    load_and_wait(browser, lambda: browser.execute_script(  # a hand-made approval with a valid token: refused
        "const f = document.createElement('form'); f.method = 'post';"
        "f.action = arguments[0]; const t = document.createElement('input'); t.name = 'csrf_token';"
        "t.value = document.querySelector('input[name=csrf_token]').value; f.appendChild(t);"
        "document.body.appendChild(f); f.submit();", f"/admin/groups/{site.groups['shots']}/approve"))
    assert browser.current_url.endswith("/approve")
    assert "403 · Not allowed" in body(browser)


def test_the_similar_groups_arrive_on_the_group_page_and_one_is_merged_from_there(browser, site: Site) -> None:
    shown = site.groups["shots"]
    twin = add_group(site.runtime.engine, site.runtime.mappings,
                     "Roaming of universal transfer documents with another operator")
    log_in(browser, site, "pm")
    browser.get(f"{site.url}/admin/groups/{shown}")
    WebDriverWait(browser, 20).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#suggestions table#similar"))
    click_and_wait(browser, (By.XPATH, f"//table[@id='similar']//tr[td/a[starts-with(., 'W-{twin} ')]]"
                                       "//button[@type='submit' and text()='Merge into this group']"))
    assert browser.find_element(By.CSS_SELECTOR, f"#side-{shown} input[name=survivor]").is_selected()  # the older
    click_and_wait(browser, (By.CSS_SELECTOR, "#merge-confirm button[type=submit]"))
    assert browser.current_url.endswith(f"/admin/groups/{shown}")
    assert "The groups were merged." in body(browser)


@pytest.mark.parametrize("width", [1280, 390])
def test_screenshots_of_the_main_pages_in_both_languages(browser, site: Site, width: int) -> None:
    browser.delete_all_cookies()
    browser.get(f"{site.url}/admin/login")
    shoot(browser, "login", width)
    log_in(browser, site, "root")
    pages = {"inbox": "/admin/inbox", "groups": "/admin/groups", "group": f"/admin/groups/{site.groups['shots']}",
             "new-wish": "/admin/wishes/new", "operations": "/admin/operations/", "users": "/admin/users/"}
    for name, path in pages.items():
        browser.get(site.url + path)
        shoot(browser, name, width)
        resources = browser.execute_script(
            "return [...document.querySelectorAll('link[href],script[src],img[src]')].map(e => e.href || e.src)")
        assert all(url.startswith(site.url) for url in resources), resources
    click_and_wait(browser, (By.CSS_SELECTOR, "button[name=language][value=ru]"))
    assert "Входящие" in body(browser)
    browser.get(f"{site.url}/admin/groups/{site.groups['shots']}")
    shoot(browser, "group-ru", width)
    click_and_wait(browser, (By.CSS_SELECTOR, "button[name=language][value=en]"))
