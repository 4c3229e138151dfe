"""Browser tests drive Debian's headless Chromium through chromedriver (dash[testing])."""

from __future__ import annotations

import pytest


def pytest_setup_options():
    from selenium.webdriver.chrome.options import Options

    options = Options()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1920,1080", "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--no-first-run", "--lang=en-US"):
        options.add_argument(argument)
    options.binary_location = "/usr/bin/chromium"
    return options


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
