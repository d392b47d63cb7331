"""The explorers in a real browser: JupyterLab + Debian's chromium, driven by playwright.

Starts JupyterLab on 127.0.0.1 (a free port, a random token, temporary config/runtime/data
folders, a temporary copy of notebooks/08_explorers.ipynb), opens the notebook, runs it with
Run ▸ Run All Cells, waits until every explorer has drawn its figure, moves the activation
explorer's x slider with the keyboard and checks that the figure was redrawn. A screenshot is
saved in the test's temporary folder (``explorers.png``). The server is always stopped.

Without chromium or playwright the test skips, except in CI (the ``CI`` variable is set), where
``.ci/run`` installs chromium and a missing browser is a failure.
"""

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "08_explorers.ipynb"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
N_EXPLORERS = 6  # cells of 08_explorers that open an explorer (two circuits, paths, activation, ...)


@pytest.fixture
def sync_playwright():
    """Playwright's sync_playwright, or skip (fail in CI) saying what is missing. Listed before
    the server fixture, so that a machine without a browser does not start JupyterLab at all."""
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def jupyterlab(tmp_path):
    """A JupyterLab server on a copy of 08_explorers.ipynb; yields (base url, token)."""
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    shutil.copy(NOTEBOOK, notebooks)
    config = tmp_path / "config"
    (config / "labconfig").mkdir(parents=True)
    # No "would you like news?" pop-up over the notebook.
    (config / "labconfig" / "page_config.json").write_text(json.dumps(
        {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}))
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(config), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               JUPYTER_DATA_DIR=str(tmp_path / "data"), JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"))
    env.pop("MPLBACKEND", None)  # the kernel must use the inline backend, as a student's does
    port, token = free_port(), secrets.token_hex(16)
    log = open(tmp_path / "jupyterlab.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", "--allow-root", f"--ServerApp.root_dir={notebooks}"],
        cwd=notebooks, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    output = (tmp_path / "jupyterlab.log").read_text()[-3000:]
                    pytest.fail(f"JupyterLab did not start:\n{output}")
                time.sleep(0.25)
        yield base, token
    finally:
        server.terminate()  # the server shuts its kernels down on SIGTERM
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
        try:  # and anything left of the group we started (a stuck kernel)
            os.killpg(server.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        server.wait()
        log.close()


def test_explorers_render_and_respond_in_jupyterlab(sync_playwright, jupyterlab, tmp_path):
    base, token = jupyterlab
    screenshot = tmp_path / "explorers.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(f"{base}/lab/tree/{NOTEBOOK.name}?token={token}")
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=45_000)
            kernel_idle = "document.body.innerText.includes('| Idle')"  # the status bar
            page.wait_for_function(kernel_idle, timeout=45_000)

            page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
            page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
            # Every explorer draws its figure as an <img> inside its Output widget.
            page.wait_for_function(
                f"document.querySelectorAll('.jp-OutputArea .widget-output img').length >= {N_EXPLORERS}",
                timeout=60_000)
            page.wait_for_function(kernel_idle, timeout=30_000)
            text = page.inner_text("body")
            assert "Error displaying widget" not in text
            assert "Loading widget" not in text
            errors = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
            assert errors.count() == 0, errors.first.inner_text()  # tracebacks are shown as stderr

            cell = page.locator(".jp-CodeCell", has_text="act = activation_explorer()")
            slider = cell.locator(".widget-hslider", has=page.locator(".widget-label", has_text="x")).first
            picture = cell.locator(".widget-output img").first
            before_src = picture.get_attribute("src")
            before_readout = slider.locator(".widget-readout").inner_text()
            slider.locator(".noUi-handle").first.focus()
            for _ in range(3):
                page.keyboard.press("ArrowRight")
            deadline = time.monotonic() + 20
            while picture.get_attribute("src") == before_src and time.monotonic() < deadline:
                time.sleep(0.2)
            assert picture.get_attribute("src") != before_src, "the figure was not redrawn"
            assert (before_readout, slider.locator(".widget-readout").inner_text()) == ("1.00", "1.15")
            page.wait_for_function(kernel_idle, timeout=30_000)
            cell.scroll_into_view_if_needed()
        finally:
            page.screenshot(path=str(screenshot))
            browser.close()
    assert screenshot.stat().st_size > 10_000
