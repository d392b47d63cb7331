"""The course in a real browser: JupyterLab + Debian's chromium, driven by playwright.

Starts JupyterLab the way README's first command does (its own arguments, read from README.md),
on a temporary copy of the course (notebooks/, exercises/, solutions/), plus what a test needs:
127.0.0.1, a free port, a random token, temporary config/runtime/data folders, --allow-root. Then:

1. it opens the page README's command opens (00_start_here), goes up to the server root in the
   file browser, into exercises/, opens ex01_gates.ipynb, runs its grading cell and reads the
   table it prints (the untouched exercise: every task "not attempted", total 0);
2. with a device scale factor of 2 (a retina screen) it opens 08_explorers, runs it
   (Run ▸ Run All Cells), waits until every explorer has drawn, checks that each figure has at least
   twice as many pixels across as it takes on the page, moves the activation explorer's x slider
   with the keyboard and checks that the figure was redrawn, then presses the backprop stepper's
   Step ▸ through one full pass (14 stages and on to the next melon), a screenshot per stage.

Screenshots are saved in the test's temporary folder. The server is always stopped.
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
from browser_support import CHROMIUM, CHROMIUM_ARGS
from test_repo import jupyter_lab_arguments, readme_commands

ROOT = Path(__file__).resolve().parents[1]
EXPLORERS = "notebooks/08_explorers.ipynb"
EXERCISE = "exercises/ex01_gates.ipynb"
N_EXPLORERS = 7  # cells of 08_explorers that open an explorer (two circuits, paths, activation, ...)
N_STAGES = 14  # the backprop stepper's stages in one pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    """JupyterLab started with README's arguments on a copy of the course; yields (base url,
    token, the page README's command opens). One server for the module's tests."""
    tmp_path = tmp_path_factory.mktemp("jupyterlab")
    course = tmp_path / "course"
    for folder in ("notebooks", "exercises", "solutions"):
        shutil.copytree(ROOT / folder, course / folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    readme_arguments = jupyter_lab_arguments(readme_commands()[0])
    opened = next(a for a in readme_arguments if a.endswith(".ipynb"))
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
    extra = ["--allow-root"] if "--allow-root" not in readme_arguments else []
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", *readme_arguments, *extra, "--no-browser", "--ip=127.0.0.1",
         f"--port={port}", f"--IdentityProvider.token={token}"],
        cwd=course, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
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
        yield base, token, opened
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


KERNEL_IDLE = "document.body.innerText.includes('| Idle')"  # JupyterLab's status bar


def open_ready(page, base: str, token: str, workspace: str, path: str) -> None:
    """Open ``path`` in a workspace of its own (tests share one server) and wait for its kernel."""
    page.goto(f"{base}/lab/workspaces/{workspace}/tree/{path}?token={token}")
    page.wait_for_selector(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell", timeout=45_000)
    page.wait_for_function(KERNEL_IDLE, timeout=45_000)


def test_course_opens_at_the_root_and_grades_an_exercise(sync_playwright, jupyterlab, tmp_path):
    base, token, opened = jupyterlab
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            open_ready(page, base, token, "grading", opened)
            assert page.locator(".jp-Notebook").first.is_visible()
            # The file browser: up to the server root, then exercises/ and the notebook.
            page.locator(".jp-BreadCrumbs-home").first.click()
            listing = page.locator(".jp-DirListing-content")
            listing.get_by_text("exercises", exact=True).wait_for(timeout=10_000)
            assert listing.get_by_text("solutions", exact=True).count() == 1
            listing.get_by_text("exercises", exact=True).dblclick()
            listing.get_by_text(Path(EXERCISE).name, exact=True).dblclick()
            tab = page.locator(".lm-TabBar-tab.lm-mod-current", has_text=Path(EXERCISE).name)
            tab.wait_for(timeout=30_000)
            page.wait_for_function(KERNEL_IDLE, timeout=45_000)
            notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
            grade_cell = notebook.locator(".jp-CodeCell", has_text="grade_this_notebook()")
            notebook.locator(".jp-CodeCell").first.wait_for(timeout=10_000)
            assert grade_cell.count() >= 1, f"{EXERCISE} has no grade_this_notebook() cell"
            grade_cell.last.locator(".jp-InputArea-editor").click()
            page.keyboard.press("Shift+Enter")
            output = grade_cell.last.locator(".jp-OutputArea")
            output.get_by_text("Grading ex01_gates.ipynb").wait_for(timeout=30_000)
            page.wait_for_function(KERNEL_IDLE, timeout=90_000)
            text = output.inner_text()
            assert "Traceback" not in text and "the grader stopped" not in text, text
            # The table, one line per task: an untouched exercise earns 0 and says why.
            assert "1.1" in text and "total" in text and "not attempted" in text, text
        finally:
            page.screenshot(path=str(tmp_path / "grading.png"))
            browser.close()


def test_explorers_render_sharp_and_respond_in_jupyterlab(sync_playwright, jupyterlab, tmp_path):
    base, token, _ = jupyterlab
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, device_scale_factor=2)
        try:
            open_ready(page, base, token, "explorers", EXPLORERS)
            page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
            page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
            # Every explorer draws its figure as an <img> inside its Output widget.
            images = ".jp-OutputArea .widget-output img"
            page.wait_for_function(f"document.querySelectorAll('{images}').length >= {N_EXPLORERS}",
                                   timeout=60_000)
            page.wait_for_function(KERNEL_IDLE, timeout=30_000)
            text = page.inner_text("body")
            assert "Error displaying widget" not in text
            assert "Loading widget" not in text
            errors = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
            assert errors.count() == 0, errors.first.inner_text()  # tracebacks are shown as stderr

            # Sharp on a 2x screen: at least two image pixels per CSS pixel across.
            sizes = page.eval_on_selector_all(images, """imgs => imgs.map(i => [i.naturalWidth,
                i.getBoundingClientRect().width, i.naturalHeight, i.getBoundingClientRect().height])""")
            assert len(sizes) >= N_EXPLORERS
            for natural_w, shown_w, natural_h, shown_h in sizes:
                assert shown_w > 100 and natural_w >= 2 * shown_w - 1, sizes
                assert natural_h >= 2 * shown_h - 1, sizes

            cell = page.locator(".jp-CodeCell", has_text="act = activation_explorer()")
            cell.scroll_into_view_if_needed()  # JupyterLab renders cells far off screen lazily
            slider = cell.locator(".widget-hslider", has=page.locator(".widget-label", has_text="x")).first
            picture = cell.locator(".widget-output img").first
            before_src = picture.get_attribute("src")
            slider.locator(".widget-readout").wait_for(timeout=10_000)
            before_readout = slider.locator(".widget-readout").inner_text()
            slider.locator(".noUi-handle").first.focus()
            for _ in range(3):
                page.keyboard.press("ArrowRight")
            deadline = time.monotonic() + 20
            while picture.get_attribute("src") == before_src and time.monotonic() < deadline:
                time.sleep(0.2)
            assert picture.get_attribute("src") != before_src, "the figure was not redrawn"
            assert (before_readout, slider.locator(".widget-readout").inner_text()) == ("1.00", "1.15")
            page.wait_for_function(KERNEL_IDLE, timeout=30_000)
            cell.scroll_into_view_if_needed()
            page.screenshot(path=str(tmp_path / "explorers.png"))

            # The backprop stepper: Step ▸ through one full pass (forward, backward, update).
            cell = page.locator(".jp-CodeCell", has_text="stepper = backprop_stepper()")
            picture = cell.locator(".widget-output img").first
            status = cell.locator(".widget-html").first
            cell.scroll_into_view_if_needed()
            for stage in range(2, N_STAGES + 2):
                before_src = picture.get_attribute("src")
                cell.locator("button", has_text="Step ▸").click()
                deadline = time.monotonic() + 20
                while picture.get_attribute("src") == before_src and time.monotonic() < deadline:
                    time.sleep(0.1)
                assert picture.get_attribute("src") != before_src, f"stage {stage} was not drawn"
                expected = f"stage {stage} of {N_STAGES}" if stage <= N_STAGES else "melon 2 "
                page.wait_for_function("([el, text]) => el.innerText.includes(text)",
                                       arg=[status.element_handle(), expected], timeout=10_000)
                cell.screenshot(path=str(tmp_path / f"stepper_{stage - 1:02d}.png"))
        finally:
            browser.close()
    assert (tmp_path / "explorers.png").stat().st_size > 10_000
