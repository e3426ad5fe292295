"""Debian's chromium through selenium: starting it, and waiting without racing a page load."""

from collections.abc import Callable
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
SHOTS = Path(__file__).with_name("screenshots")
BROWSER_TESTS = [
    pytest.mark.browser,
    pytest.mark.skipif(not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
                       reason="needs Debian's chromium and chromium-driver (/usr/bin/chromium, "
                              "/usr/bin/chromedriver): apt-get install chromium chromium-driver"),
]


def start_chromium(profile: Path, width: int, downloads: Path | None = None) -> WebDriver:
    """Headless chromium with no network of its own beyond the pages it is sent to (selenium's driver
    manager cannot download here, so the Debian binaries are named)."""
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", f"--user-data-dir={profile}", f"--window-size={width},900"):
        options.add_argument(flag)
    if downloads is not None:
        options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                                  "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.implicitly_wait(2)
    return driver


Locator = tuple[str, str]


def submit(browser: WebDriver, form_id: str, **fields: str) -> None:
    """Fill the form's fields and send it, waiting for the page it loads."""
    def filled(_: WebDriver) -> bool:
        form = browser.find_element(By.ID, form_id)
        for name, value in fields.items():
            box = form.find_element(By.NAME, name)
            box.clear()
            box.send_keys(value)
        return True

    _patiently(browser, filled)
    click_and_wait(browser, (By.CSS_SELECTOR, f"#{form_id} button[type=submit], #{form_id} button:not([type])"))


def click_and_wait(browser: WebDriver, locator: Locator) -> None:
    """Click what `locator` finds, which loads a new page, and wait until that page is complete. Chromium
    under load sometimes swaps nodes while we reach for them ("does not belong to the document"), so the
    reach is retried — but never once the old page is gone, so the click lands once."""
    page = _html(browser)

    def clicked(_: WebDriver) -> bool:
        if not _gone(page):
            browser.find_element(*locator).click()
        return True

    load_and_wait(browser, lambda: _patiently(browser, clicked), page)


def load_and_wait(browser: WebDriver, act: Callable[[], object], page: WebElement | None = None) -> None:
    """Do something that loads a new page, and wait until the new page is complete."""
    page = page or _html(browser)
    act()
    wait = WebDriverWait(browser, 20)
    wait.until(lambda _: _gone(page))
    wait.until(lambda b: b.execute_script("return document.readyState") == "complete")


def _patiently(browser: WebDriver, step: Callable[[WebDriver], object]) -> object:
    return WebDriverWait(browser, 20, ignored_exceptions=(WebDriverException,)).until(step)


def _gone(page: WebElement) -> bool:
    """Whether the page `page` belongs to was replaced. Chromium says so either as a stale element or as
    "Node with given id does not belong to the document"."""
    try:
        page.is_enabled()
    except StaleElementReferenceException:
        return True
    except WebDriverException as error:
        if "does not belong to the document" in str(error):
            return True
        raise
    return False


def _html(browser: WebDriver) -> WebElement:
    page = _patiently(browser, lambda b: b.find_element(By.TAG_NAME, "html"))
    assert isinstance(page, WebElement)
    return page


def log_in(browser: WebDriver, url: str, username: str, password: str) -> None:
    """Sign in through the log-in form of the site at `url` (cookies of an earlier user dropped first)."""
    browser.delete_all_cookies()
    browser.get(f"{url}/admin/login")
    browser.find_element(By.NAME, "username").send_keys(username)
    browser.find_element(By.NAME, "password").send_keys(password)
    click_and_wait(browser, (By.CSS_SELECTOR, "form.stack button[type=submit]"))
    assert "/admin/login" not in browser.current_url


def page_text(browser: WebDriver) -> str:
    return str(browser.find_element(By.TAG_NAME, "body").text)
