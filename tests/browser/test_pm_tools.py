"""The PM tools as people use them, in Debian's chromium: a product manager sorts and filters the group list,
takes a group and opens the board; an admin reads the mappings with three mistakes named at once, and disables a
user whose open session ends. Screenshots land in tests/browser/screenshots/ as 16-8-*.png and 16-10-*.png."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from bridge.config import load_settings
from bridge.runtime import Runtime
from bridge.store.users import create_user
from bridge.web.app import create_app
from bridge.workflow import lifecycle
from sandboxes.jira import serve_in_thread
from tests.browser import chromium
from tests.browser.chromium import BROWSER_TESTS, SHOTS, click_and_wait
from tests.conftest import MAPPINGS
from tests.web.support import add_group

PASSWORD = "browser-pass-1"
pytestmark = BROWSER_TESTS
# (title, organisations asking); the first is routed to the analysts
ASKED = (("Bulk ordering of marking codes through the API", 4), ("Dark theme for the mobile scanner", 1),
         ("Export the sales report to Excel", 3), ("Roaming of transfer documents with a new operator", 2),
         ("Scheduled delivery of reports by e-mail", 1), ("Offline mode for the warehouse scanner", 2))


@dataclass
class Site:
    url: str
    runtime: Runtime
    mappings: Path
    groups: dict[str, int]


def seed(runtime: Runtime) -> dict[str, int]:
    """Groups asked by different numbers of organisations, the first of them in analysis."""
    with runtime.engine.begin() as conn:
        create_user(conn, "pm", PASSWORD, "product_manager", display_name="Polina PM")
        create_user(conn, "root", PASSWORD, "admin", display_name="Admin")
        create_user(conn, "agent", PASSWORD, "support", display_name="Artem Support")
    groups = {}
    for number, (title, organisations) in enumerate(ASKED):
        group = add_group(runtime.engine, runtime.mappings, title, organization=f"Org {number}-0")
        with runtime.engine.begin() as conn:
            for other in range(1, organisations):
                joined = lifecycle.add_wish(conn, runtime.mappings, door="manual", actor="seed",
                                            text=f"{title} ({other})", organization=f"Org {number}-{other}").group_id
                if joined != group:
                    lifecycle.merge(conn, joined, group, "seed")
        groups[title] = group
    with runtime.engine.begin() as conn:
        lifecycle.route(conn, runtime.mappings, groups[ASKED[0][0]], "analyst", "seed")
    return groups


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("pm-site")
    mappings = folder / "mappings"
    shutil.copytree(MAPPINGS, mappings)
    runtime = Runtime(load_settings({"DATABASE_URL": f"sqlite:///{folder / 'store.db'}",
                                     "WISHBRIDGE_MAPPINGS": str(mappings), "WISHBRIDGE_SECRET_KEY": "pm-secret"},
                                    env_file=None))
    groups = seed(runtime)
    url, stop = serve_in_thread(create_app(runtime=runtime))
    yield Site(url, runtime, mappings, groups)
    stop()


def log_in(browser, site: Site, username: str) -> None:  # type: ignore[no-untyped-def]
    chromium.log_in(browser, site.url, username, PASSWORD)


body = chromium.page_text


def titles_shown(browser) -> list[str]:  # type: ignore[no-untyped-def]
    return [link.text for link in browser.find_elements(By.CSS_SELECTOR, "table.groups td:nth-child(2) a")]


def shot(browser, name: str, whole: bool = True) -> Path:  # type: ignore[no-untyped-def]
    """A screenshot at 1280 px named `name`.png: of the whole page, or of its first screen."""
    height = browser.execute_script(  # the page, plus what the window's frame takes
        "return document.documentElement.scrollHeight + window.outerHeight - window.innerHeight")
    browser.set_window_size(1280, min(max(int(height), 700), 4000) if whole else 900)
    SHOTS.mkdir(exist_ok=True)
    path = SHOTS / f"{name}.png"
    browser.save_screenshot(str(path))
    browser.set_window_size(1280, 900)
    return path


def test_a_product_manager_sorts_filters_takes_a_group_and_opens_the_board(browser, site: Site) -> None:
    log_in(browser, site, "pm")
    browser.get(f"{site.url}/admin/groups")
    Select(browser.find_element(By.NAME, "sort")).select_by_value("organizations")
    click_and_wait(browser, (By.CSS_SELECTOR, "#group-filters button[type=submit]"))
    assert "sort=organizations" in browser.current_url
    newest_first_among_equals = sorted(enumerate(ASKED), key=lambda item: (-item[1][1], -item[0]))
    assert titles_shown(browser) == [title for _, (title, _) in newest_first_among_equals]

    offline = site.groups["Offline mode for the warehouse scanner"]
    browser.get(f"{site.url}/admin/groups/{offline}")
    Select(browser.find_element(By.CSS_SELECTOR, "#assign-form select[name=owner]")).select_by_value("pm")
    click_and_wait(browser, (By.CSS_SELECTOR, "#assign-form button[type=submit]"))
    assert "The owner was set." in body(browser)
    assert browser.find_element(By.ID, "owner").text == "Polina PM"

    browser.get(f"{site.url}/admin/groups?sort=organizations")
    Select(browser.find_element(By.NAME, "owner")).select_by_value("mine")
    Select(browser.find_element(By.NAME, "stage")).select_by_value("grouped")
    click_and_wait(browser, (By.CSS_SELECTOR, "#group-filters button[type=submit]"))
    assert re.search(r"owner=mine", browser.current_url) and "stage=grouped" in browser.current_url
    assert titles_shown(browser) == ["Offline mode for the warehouse scanner"]
    assert browser.find_element(By.CSS_SELECTOR, "table.groups td.owner").text == "Polina PM"
    shot(browser, "16-8-filtered-list")

    click_and_wait(browser, (By.LINK_TEXT, "Board"))
    lanes = browser.execute_script(  # each lane's name, without its count
        "return [...document.querySelectorAll('#board .lane h2')].map(h => h.firstChild.textContent.trim())")
    assert lanes == [
        "New", "Triage", "In analysis", "Approved", "In development", "Released", "Deferred", "Declined"]
    analysis = browser.find_element(By.ID, "lane-in_analysis")
    assert "Bulk ordering of marking codes through the API" in analysis.text
    assert "4 tickets · 4 orgs · 0 paid" in analysis.text
    assert "Polina PM" in browser.find_element(By.ID, "lane-grouped").text
    shot(browser, "16-8-board")


def test_an_admin_reads_three_mapping_mistakes_at_once_then_disables_a_user(browser, site: Site) -> None:
    zendesk = site.mappings / "zendesk.yaml"
    text = zendesk.read_text(encoding="utf-8")
    zendesk.write_text(text.replace("  nested: true\n", "  nested: true\n  colour: red\n")
                       .replace("Оплата: billing", "Оплата: payments"), encoding="utf-8")
    (site.mappings / "routing.yaml").write_text("rules: [unclosed\n", encoding="utf-8")
    agent = requests.Session()   # Artem is signed in elsewhere while the admin works
    form = agent.get(f"{site.url}/admin/login", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None
    agent.post(f"{site.url}/admin/login", data={"username": "agent", "password": PASSWORD,
                                                "csrf_token": token.group(1)}, timeout=10)
    assert agent.get(f"{site.url}/admin/inbox", allow_redirects=False, timeout=10).status_code == 200

    log_in(browser, site, "root")
    click_and_wait(browser, (By.LINK_TEXT, "Mappings"))
    problems = browser.find_element(By.ID, "mapping-problems").text
    assert "3 error(s) in the mappings" in problems
    lines = zendesk.read_text(encoding="utf-8").splitlines()
    assert f"zendesk.yaml:{lines.index('  colour: red') + 1}:3 category.colour: unknown key" in problems
    assert f"zendesk.yaml:{lines.index('    Оплата: payments') + 1}:5" in problems
    assert "unknown category 'payments'" in problems
    assert "routing.yaml:1:8 (syntax): a list opened with '[' here is never closed with ']'" in problems
    shot(browser, "16-10-mapping-three-mistakes", whole=False)
    shutil.copy(MAPPINGS / "zendesk.yaml", zendesk)
    shutil.copy(MAPPINGS / "routing.yaml", site.mappings / "routing.yaml")

    click_and_wait(browser, (By.LINK_TEXT, "Users"))
    click_and_wait(browser, (By.LINK_TEXT, "agent"))
    click_and_wait(browser, (By.CSS_SELECTOR, "#access-form button[type=submit]"))
    assert "User agent was disabled; their sessions have ended." in body(browser)
    assert "disabled" in browser.find_element(By.XPATH, "//tr[td/a[text()='agent']]").text
    assert agent.get(f"{site.url}/admin/inbox", allow_redirects=False, timeout=10).status_code == 302
