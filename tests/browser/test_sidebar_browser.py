"""The ticket sidebar and the product's suggestion form as people use them: Debian's chromium, driven by selenium,
against a served app. Screenshots land in tests/browser/screenshots/ (git-ignored)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select

from bridge.config import load_settings
from bridge.runtime import Runtime
from bridge.store.schema import audit
from bridge.store.users import create_user
from bridge.web.api import rate_limits
from bridge.web.app import create_app
from bridge.workflow.read_models import list_groups
from sandboxes.jira import serve_in_thread
from tests.browser.chromium import BROWSER_TESTS, SHOTS, click_and_wait, load_and_wait, start_chromium, submit
from tests.conftest import MAPPINGS
from tests.sidebar.support import ACCOUNT, ACTOR, APP_SECRET, WISH_SUBJECT, Seeded, seed, zendesk_token
from tests.wish_helpers import store_ticket

KEY = "browser-product-key"
SUBMISSIONS_PER_HOUR = 2
pytestmark = BROWSER_TESTS


@dataclass
class Site:
    url: str
    runtime: Runtime
    seeded: Seeded
    app: Flask


def product_page(key: str) -> str:
    """A product page that embeds the suggestion form the way the product would."""
    return (f'<!doctype html><html lang="en"><body><h1>Acme CRM</h1>'
            f'<script src="/embed/suggest.js" data-key="{key}" data-customer-id="acc-42" data-language="en">'
            f"</script></body></html>")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("sidebar-site")
    runtime = Runtime(load_settings({
        "DATABASE_URL": f"sqlite:///{folder / 'store.db'}", "WISHBRIDGE_MAPPINGS": str(MAPPINGS),
        "WISHBRIDGE_SECRET_KEY": "browser-secret", "WISHBRIDGE_API_KEYS": KEY, "ZENDESK_URL": ACCOUNT,
        "ZENDESK_APP_SECRET": APP_SECRET}, env_file=None))
    seeded = seed(runtime.engine, runtime.mappings)
    with runtime.engine.begin() as conn:
        store_ticket(conn, "204", "Sales report: export to Excel please", "We export the sales report by hand",
                     organization="umbrella", is_wish=False, language="en")
    app = create_app(runtime=runtime)
    app.extensions["wishbridge.api_limiter"] = rate_limits(customer=SUBMISSIONS_PER_HOUR)
    app.add_url_rule("/product/<key>", "product", product_page)
    url, stop = serve_in_thread(app)
    yield Site(url, runtime, seeded, app)
    stop()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    driver = start_chromium(tmp_path_factory.mktemp("chromium"), 380)
    yield driver
    driver.quit()


def open_sidebar(browser: WebDriver, site: Site, token: str) -> None:
    """Post the signed request the way Zendesk opens the app: a form with the field `token`."""
    browser.get("about:blank")
    load_and_wait(browser, lambda: browser.execute_script(
        "var form = document.createElement('form'); form.method = 'post'; form.action = arguments[0];"
        "var field = document.createElement('input'); field.type = 'hidden'; field.name = 'token';"
        "field.value = arguments[1]; form.appendChild(field); document.body.appendChild(form); form.submit();",
        f"{site.url}/sidebar/zendesk", token))


def text_of(browser: WebDriver) -> str:
    return str(browser.find_element(By.TAG_NAME, "body").text)


def shoot(browser: WebDriver, name: str) -> None:
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(380, min(max(int(height), 600), 3000))
    SHOTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(SHOTS / f"{name}.png"))
    browser.set_window_size(380, 900)


def agent_actions(site: Site) -> list[str]:
    with site.runtime.engine.connect() as conn:
        return [row.action for row in conn.execute(select(audit).where(audit.c.actor == ACTOR))]


def test_an_agent_sees_the_tickets_wish_and_leaves_a_note_for_the_analyst(browser: WebDriver, site: Site) -> None:
    open_sidebar(browser, site, zendesk_token("101"))
    page = text_of(browser)
    assert WISH_SUBJECT in page and "WB-7 · In Progress" in page and "1 organisations, 1 tickets" in page
    assert f"is registered as W-{site.seeded.group}." in page
    shoot(browser, "sidebar-wish")
    submit(browser, "note-form", body="Acme's CFO asks for this every month")
    WebDriverWait(browser, 20).until(lambda b: "Your note was added" in text_of(b))
    assert "comment" in agent_actions(site)


def test_an_agent_registers_a_ticket_as_a_new_wish(browser: WebDriver, site: Site) -> None:
    open_sidebar(browser, site, zendesk_token("202"))
    assert "This ticket is not a wish yet." in text_of(browser)
    shoot(browser, "sidebar-no-wish")
    click_and_wait(browser, (By.CSS_SELECTOR, "#register-form button"))
    WebDriverWait(browser, 20).until(lambda b: "this ticket is now a wish" in text_of(b))
    assert browser.find_element(By.ID, "stage").text
    assert "wish_added" in agent_actions(site)


def test_an_agent_attaches_a_ticket_to_a_suggested_wish(browser: WebDriver, site: Site) -> None:
    open_sidebar(browser, site, zendesk_token("204"))
    click_and_wait(browser, (By.CSS_SELECTOR, f"#attach-form-{site.seeded.group} button"))
    WebDriverWait(browser, 20).until(lambda b: f"Attached to group W-{site.seeded.group}." in text_of(b))
    assert WISH_SUBJECT in text_of(browser)
    assert "wish_added" in agent_actions(site)


def test_an_expired_request_shows_nothing_of_the_ticket(browser: WebDriver, site: Site) -> None:
    open_sidebar(browser, site, zendesk_token("101", age=900))
    page = text_of(browser)
    assert "could not be verified" in page
    assert WISH_SUBJECT not in page and "WB-7" not in page and not browser.find_elements(By.TAG_NAME, "form")


def suggest(browser: WebDriver, site: Site, text: str, key: str = KEY) -> str:
    """Type `text` into the embedded form on the product page, send it and return what the form says."""
    browser.set_window_size(640, 900)
    browser.get(f"{site.url}/product/{key}")
    browser.switch_to.frame(browser.find_element(By.CSS_SELECTOR, "iframe.wishbridge-suggest"))
    try:
        if browser.find_elements(By.ID, "problem"):
            return str(browser.find_element(By.ID, "problem").text)
        browser.execute_script("document.querySelector('textarea[name=text]').value = arguments[0];", text)
        browser.find_element(By.CSS_SELECTOR, "#suggest button").click()
        message = browser.find_element(By.ID, "message")
        WebDriverWait(browser, 20).until(lambda _: message.is_displayed() and "…" not in message.text)
        return str(message.text)
    finally:
        SHOTS.mkdir(exist_ok=True)
        browser.switch_to.default_content()
        browser.save_screenshot(str(SHOTS / "product-form.png"))


def test_a_customer_suggests_an_improvement_that_the_product_team_then_sees(browser: WebDriver, site: Site) -> None:
    said = suggest(browser, site, "Let us schedule the sales report by e-mail every Monday")
    assert said.startswith("Thank you! Your suggestion is registered as W-")
    with site.runtime.engine.begin() as conn:
        found = list_groups(conn, site.runtime.mappings, search="schedule the sales report")
        assert said == f"Thank you! Your suggestion is registered as W-{found[0].id}.", "its group's number"
        create_user(conn, "pm", "browser-pass-1", "product_manager")
    assert [row.title for row in found] == ["Let us schedule the sales report by e-mail every Monday"]
    browser.get(f"{site.url}/admin/login")
    browser.find_element(By.NAME, "username").send_keys("pm")
    browser.find_element(By.NAME, "password").send_keys("browser-pass-1")
    click_and_wait(browser, (By.CSS_SELECTOR, "form.stack button[type=submit]"))
    browser.get(f"{site.url}/admin/inbox")
    assert "Let us schedule the sales report by e-mail every Monday" in text_of(browser)


def test_the_form_explains_a_text_that_is_too_long_a_bad_key_and_the_rate_limit(browser: WebDriver,
                                                                                  site: Site) -> None:
    assert suggest(browser, site, "x" * 5001) == "The text is too long: 5001 characters, 5000 at most."
    assert "its key is not accepted" in suggest(browser, site, "A wish", key="stolen-key")
    answers = [suggest(browser, site, f"Suggestion number {n} about invoices") for n in range(SUBMISSIONS_PER_HOUR + 1)]
    assert answers[-1] == "You have sent many suggestions recently. Please try again in 60 min."
