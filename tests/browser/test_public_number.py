"""The number a customer was told, looked up as people do (issue 16, item 1): support types it into the ticket
sidebar and sees the group; the product manager types it into the admin pages' search box and lands on the group
page. The number here is of a group since merged into another, so both also show where it leads. Debian's chromium
driven by selenium against a served app; screenshots land in tests/browser/screenshots/ (git-ignored)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from bridge.config import load_settings
from bridge.runtime import Runtime
from bridge.store.users import create_user
from bridge.web.app import create_app
from bridge.workflow import lifecycle
from sandboxes.jira import serve_in_thread
from tests.browser.chromium import BROWSER_TESTS, SHOTS, click_and_wait, load_and_wait, submit
from tests.conftest import MAPPINGS
from tests.sidebar.support import ACCOUNT, APP_SECRET, zendesk_token
from tests.wish_helpers import intake_one, queued, store_ticket

PASSWORD = "browser-pass-1"
pytestmark = BROWSER_TESTS


@dataclass
class Site:
    url: str
    told: str        # the number the customer of zendesk#501 was told
    absorbed: int    # the group that number names, since merged into `survivor`
    survivor: int


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("numbers-site")
    runtime = Runtime(load_settings({
        "DATABASE_URL": f"sqlite:///{folder / 'store.db'}", "WISHBRIDGE_MAPPINGS": str(MAPPINGS),
        "WISHBRIDGE_SECRET_KEY": "browser-secret", "ZENDESK_URL": ACCOUNT, "ZENDESK_APP_SECRET": APP_SECRET},
        env_file=None))
    mappings = runtime.mappings
    with runtime.engine.begin() as conn:
        create_user(conn, "pm", PASSWORD, "product_manager", display_name="Polina PM")
        absorbed = intake_one(conn, mappings, "501", "Export of the sales report to Excel", language="en")
        survivor = intake_one(conn, mappings, "502", "Monthly sales figures as an xlsx file for accountants",
                              organization="globex", language="en")
        store_ticket(conn, "503", "The customer asks how W-? is going", "Where is my wish?", is_wish=False,
                     language="en")
        [message] = [item["payload"]["patch"]["comment"] for item in queued(conn, "stage:registered:")
                     if item["payload"]["external_id"] == "501"]
        lifecycle.merge(conn, absorbed, survivor, "pm")
    told = re.search(r"W-\d+", message)
    assert told and told.group() == f"W-{absorbed}", message
    url, stop = serve_in_thread(create_app(runtime=runtime))
    yield Site(url, told.group(), absorbed, survivor)
    stop()


def text_of(browser: WebDriver) -> str:
    return str(browser.find_element(By.TAG_NAME, "body").text)


def shoot(browser: WebDriver, name: str, width: int) -> None:
    """The whole page at `width` px: the window grows by the page's height plus the window's own frame."""
    browser.set_window_size(width, 900)
    height, frame = browser.execute_script(
        "return [document.documentElement.scrollHeight, window.outerHeight - window.innerHeight]")
    browser.set_window_size(width, min(max(int(height) + int(frame), 600), 3000))
    browser.execute_script("window.scrollTo(0, 0)")
    SHOTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(SHOTS / f"{name}.png"))
    browser.set_window_size(1280, 900)


def test_support_types_the_number_the_customer_was_told_into_the_sidebar(browser: WebDriver, site: Site) -> None:
    browser.set_window_size(380, 900)
    browser.get("about:blank")
    load_and_wait(browser, lambda: browser.execute_script(
        "var form = document.createElement('form'); form.method = 'post'; form.action = arguments[0];"
        "var field = document.createElement('input'); field.type = 'hidden'; field.name = 'token';"
        "field.value = arguments[1]; form.appendChild(field); document.body.appendChild(form); form.submit();",
        f"{site.url}/sidebar/zendesk", zendesk_token("503")))
    submit(browser, "find-form", number=site.told)
    found = browser.find_element(By.ID, f"found-{site.survivor}").text
    assert f"{site.told} was merged into W-{site.survivor}." in found
    assert f"W-{site.survivor} Monthly sales figures as an xlsx file for accountants" in found
    assert "Grouped, waiting for review" in found and "2 organisations, 2 tickets" in found
    assert browser.find_element(By.NAME, "number").get_attribute("value") == site.told
    shoot(browser, "16-1-sidebar-number", 380)


def test_the_product_manager_searches_the_number_and_lands_on_the_group_page(browser: WebDriver,
                                                                              site: Site) -> None:
    browser.delete_all_cookies()
    browser.get(f"{site.url}/admin/login")
    browser.find_element(By.NAME, "username").send_keys("pm")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    click_and_wait(browser, (By.CSS_SELECTOR, "form.stack button[type=submit]"))
    assert "/admin/login" not in browser.current_url
    submit(browser, "find-form", search=site.told.lower().replace("-", ""))
    assert browser.current_url.endswith(f"/admin/groups/{site.survivor}")
    assert browser.find_element(By.TAG_NAME, "h1").text == (
        f"W-{site.survivor} Monthly sales figures as an xlsx file for accountants")
    page = text_of(browser)
    assert f"{site.told} was merged into W-{site.survivor}." in page
    assert browser.find_element(By.ID, "absorbed").text.endswith(site.told)
    assert browser.title.startswith(f"W-{site.survivor} ")
    shoot(browser, "16-1-search-number", 1280)
