"""The browser every page test drives unless its module needs another (a narrow sidebar, a download folder)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium.webdriver.remote.webdriver import WebDriver

from tests.browser.chromium import start_chromium


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    """Debian's chromium, 1280 px wide, one per test module."""
    driver = start_chromium(tmp_path_factory.mktemp("chromium"), 1280)
    yield driver
    driver.quit()
