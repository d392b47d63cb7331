"""What the browser tests share: Debian's chromium, the flags it needs here, and playwright.

``sync_playwright`` is a fixture: playwright's ``sync_playwright``, or a skip (a failure in CI,
where ``.ci/run`` installs chromium) that says what is missing. Request it before any fixture that
starts a server, so a machine without a browser starts nothing.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def sync_playwright():
    problem = None
    if not Path(CHROMIUM).exists():
        problem = f"no chromium at {CHROMIUM} (Debian: apt-get install chromium)"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        problem = "Python playwright is not installed (it comes with requirements-test.txt)"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"browser test cannot run in CI: {problem}")
        pytest.skip(f"browser test skipped: {problem}")
    return sync_playwright
