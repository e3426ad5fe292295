"""A support lead reads the topic report over a six-month import (each month filled on the tickets' own dates,
the current month marked partial) and opens the release digest; Debian's chromium against a served app.

Screenshots land in tests/browser/screenshots/ (git-ignored): 16-5-report-import.png, 16-9-release-digest.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select

from bridge.config import load_settings
from bridge.runtime import Runtime
from bridge.store.users import create_user
from bridge.web.app import create_app
from sandboxes.jira import serve_in_thread
from tests.browser.chromium import BROWSER_TESTS, SHOTS, click_and_wait, log_in, submit
from tests.conftest import MAPPINGS
from tests.report_scenes import Releases, release_scene, six_month_import

PASSWORD = "browser-pass-1"
AS_OF = date(2026, 11, 18)   # the import is done that day: June to October filled, November 18 of 30 days
pytestmark = BROWSER_TESTS


@dataclass
class Site:
    url: str
    releases: Releases


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("reports-site")
    runtime = Runtime(load_settings({"DATABASE_URL": f"sqlite:///{folder / 'store.db'}",
                                     "WISHBRIDGE_MAPPINGS": str(MAPPINGS),
                                     "WISHBRIDGE_SECRET_KEY": "browser-secret"}, env_file=None))
    with runtime.engine.begin() as conn:
        create_user(conn, "lead", PASSWORD, "support", display_name="Sofia, support lead")
    six_month_import(runtime.engine, AS_OF)
    releases = release_scene(runtime.engine)
    url, stop = serve_in_thread(create_app(runtime=runtime))
    yield Site(url, releases)
    stop()


def screenshot(browser: WebDriver, name: str) -> Path:
    """The whole page at 1280 px wide (the window grows to the page's height, up to 4000 px)."""
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1280, min(max(int(height), 700), 4000))
    SHOTS.mkdir(exist_ok=True)
    path = SHOTS / name
    browser.save_screenshot(str(path))
    browser.set_window_size(1280, 900)
    return path


def cells(browser: WebDriver, row: str) -> list[str]:
    found = browser.find_element(By.XPATH, f"//table[@id='topic-table']//tr[td[1][normalize-space()='{row}']]")
    return [cell.text for cell in found.find_elements(By.TAG_NAME, "td")]


def test_a_support_lead_sees_a_six_month_import_in_its_own_months_and_the_partial_month_marked(
        browser: WebDriver, site: Site) -> None:
    log_in(browser, site.url, "lead", PASSWORD)
    click_and_wait(browser, (By.LINK_TEXT, "Reports"))
    Select(browser.find_element(By.NAME, "period")).select_by_value("month")
    browser.execute_script("document.querySelector('#report-options [name=today]').value = arguments[0]",
                           AS_OF.isoformat())
    submit(browser, "report-options", periods="6")
    assert "today=2026-11-18" in browser.current_url
    headings = [th.text for th in browser.find_elements(By.CSS_SELECTOR, "#topic-table thead th")]
    assert headings[1:8] == ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10",
                             "2026-11 (partial: 18 of 30 days)", "2026-10-01 – 2026-10-18 (same days)"]
    assert browser.find_element(By.CSS_SELECTOR, "#topic-table th.partial").text.startswith("2026-11")
    # one to five wishes a month as created in the helpdesk; the two without a date: the import's month
    assert cells(browser, "Export")[1:8] == ["1", "2", "3", "4", "5", "2", "5"]
    notes = browser.find_element(By.ID, "report-notes").text
    assert "2026-11 is not over yet: 18 of 30 days so far" in notes
    assert "2 of the counted tickets have no date from the helpdesk" in notes
    assert "* 2026-11 (partial: 18 of 30 days)" in browser.find_element(By.CSS_SELECTOR, ".chart svg").text
    screenshot(browser, "16-5-report-import.png")


def test_a_support_lead_opens_the_release_digest(browser: WebDriver, site: Site) -> None:
    log_in(browser, site.url, "lead", PASSWORD)
    browser.get(f"{site.url}/admin/reports/")
    click_and_wait(browser, (By.ID, "release-digest"))
    assert browser.find_element(By.ID, "digest-heading").text == "Release digest: version 5.3, released 2026-03-20"
    Select(browser.find_element(By.NAME, "release")).select_by_value("5.2")
    click_and_wait(browser, (By.CSS_SELECTOR, "#digest-options button"))
    assert browser.find_element(By.ID, "digest-heading").text == "Release digest: version 5.2, released 2026-03-11"
    export = browser.find_element(By.ID, f"change-{site.releases.export}")
    assert f"W-{site.releases.export} Export to Excel" in export.find_element(By.TAG_NAME, "h2").text
    accounts = [item.text for item in export.find_elements(By.CSS_SELECTOR, "ul.key-accounts li")]
    assert accounts == ["Big Retail (paid accounts: 300) — no manager recorded",
                        "ООО Ромашка (paid accounts: 120) — manager: Ирина Соколова"]
    assert "Export to Excel: what is new and how to use it" in export.find_element(By.CSS_SELECTOR, ".outline").text
    theme = browser.find_element(By.ID, f"change-{site.releases.theme}")
    assert "No key account asked for it." in theme.text
    assert browser.find_element(By.ID, "digest-md").get_attribute("href").endswith("/digest.md?release=5.2")
    screenshot(browser, "16-9-release-digest.png")
