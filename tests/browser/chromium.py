"""Debian's chromium through selenium: starting it, and waiting without racing a page load."""

from collections.abc import Callable
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
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


def click_and_wait(browser: WebDriver, element: WebElement) -> None:
    """Click something that loads a new page, and wait until it has."""
    load_and_wait(browser, element.click)


def load_and_wait(browser: WebDriver, act: Callable[[], object]) -> None:
    """Do something that loads a new page, and wait until the new page is complete."""
    page = browser.find_element(By.TAG_NAME, "html")
    act()
    wait = WebDriverWait(browser, 20)
    wait.until(expected_conditions.staleness_of(page))
    wait.until(lambda b: b.execute_script("return document.readyState") == "complete")
