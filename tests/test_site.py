"""The course website: built offline by ``python -m bpcourse site``, then read in a real browser.

The site is built once for this module into a temporary folder (every lecture executed). Then:

* no solution code reaches the site: every line of every ``### BEGIN SOLUTION`` block of
  ``solutions/`` that is not also in a lecture or an exercise is searched for in the text of every
  built page and every file the site serves (the detector itself is tested on a planted line);
* a headless chromium (Debian's, through playwright), with every request to another host blocked
  and recorded, loads the home page and three lectures: no console error, no failed request, no
  request leaving the site, math typeset by MathJax (its ``mjx-container`` elements), figures
  loaded, every sidebar link answered, and the search page finds "threshold". Screenshots are
  saved in the test's temporary folder.

Without chromium or playwright the browser test skips, except in CI, where it fails.
"""

import html
import http.server
import json
import re
import threading
from functools import partial
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest
from browser_support import CHROMIUM, CHROMIUM_ARGS

from bpcourse.site import build, freeze_widgets

ROOT = Path(__file__).resolve().parents[1]
REPOSITORY, HUB, BINDER = "https://github.com/example/bpcourse", "https://hub.example.edu", "https://binder.example.org"
PAGES = ["index.html", "notebooks/01_circuits_and_gates.html", "notebooks/03_vector_gradients.html",
         "notebooks/07_standard_vs_accumulated_bp.html"]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("website") / "site"
    build(out, log=lambda *a: None, repository_url=REPOSITORY, hub_url=HUB, binder_url=BINDER)
    return out


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data):
        self.parts.append(data)


def page_text(markup: str) -> str:
    """What a reader sees of an HTML page (tags dropped, entities decoded), white space folded."""
    parser = _Text()
    parser.feed(markup)
    return " ".join(" ".join(parser.parts).split())


def _fold(text: str) -> str:
    return " ".join(text.split())


def _cells(path: Path) -> list[str]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in nb["cells"]]


def solution_lines() -> set[str]:
    """Lines of the solutions' answers (≥ 16 characters) that no lecture or exercise also has."""
    public = " \n ".join(_fold(src) for folder in ("notebooks", "exercises")
                         for path in sorted((ROOT / folder).rglob("*.ipynb")) for src in _cells(path))
    lines: set[str] = set()
    for path in sorted((ROOT / "solutions").rglob("*.ipynb")):
        for src in _cells(path):
            inside = False
            for line in src.splitlines():
                if "### BEGIN SOLUTION" in line:
                    inside = True
                elif "### END SOLUTION" in line:
                    inside = False
                elif inside:
                    folded = _fold(line)
                    if len(folded) >= 16 and not folded.startswith("#") and folded not in public:
                        lines.add(folded)
    return lines


def leaks(site: Path, lines: set[str]) -> list[tuple[str, str]]:
    """(file, line) for every solution line found in the site's pages or served files."""
    found = []
    for path in sorted(site.rglob("*")):
        if not path.is_file() or path.suffix not in {".html", ".ipynb", ".txt", ".js", ".md", ".py"}:
            continue
        raw = path.read_text(encoding="utf-8", errors="replace")
        texts = [_fold(raw), _fold(html.unescape(raw))]
        if path.suffix == ".html":
            texts.append(page_text(raw))
        if path.suffix == ".ipynb":
            texts.append(" \n ".join(_fold(s) for s in _cells(path)))
        for line in lines:
            if any(line in text for text in texts):
                found.append((str(path.relative_to(site)), line))
    return found


def test_the_leak_detector_finds_a_planted_solution_line(tmp_path):
    lines = solution_lines()
    assert len(lines) > 20, "too few solution lines to make the leak test meaningful"
    planted = sorted(lines)[0]
    (tmp_path / "page.html").write_text(
        "<pre>" + "".join(f"<span>{html.escape(w)}</span> " for w in planted.split()) + "</pre>")
    (tmp_path / "clean.html").write_text("<p>nothing here</p>")
    assert leaks(tmp_path, {planted}) == [("page.html", planted)]


def test_no_solution_code_in_the_site(site):
    assert leaks(site, solution_lines()) == []


def test_every_lecture_and_exercise_has_a_page(site):
    for folder in ("notebooks", "exercises"):
        names = sorted(p.stem for p in (ROOT / folder).glob("*.ipynb"))
        assert names, f"no notebooks in {folder}/"
        for name in names:
            assert (site / folder / f"{name}.html").is_file(), f"{folder}/{name}.html was not built"
    assert "automodule" not in (site / "reference.html").read_text(encoding="utf-8")
    assert "class bpcourse.gates. Value" in page_text((site / "reference.html").read_text(encoding="utf-8"))


def test_each_page_links_its_notebook_a_hub_and_binder(site):
    for folder in ("notebooks", "exercises"):
        for path in sorted((site / folder).glob("*.html")):
            markup = html.unescape((site / folder / path.name).read_text(encoding="utf-8"))
            name = f"{folder}/{path.stem}.ipynb"
            assert f'href="../_sources/{name}"' in markup, f"{path.name}: no download link"
            assert f"{HUB}/hub/user-redirect/git-pull?repo=" in markup, f"{path.name}: no hub link"
            assert f"urlpath=lab/tree/bpcourse/{name}" in markup, f"{path.name}: hub link to the wrong file"
            assert f"{BINDER}/v2/gh/example/bpcourse/main?urlpath=lab/tree/{name}" in markup, path.name


def test_explorers_are_pictures_with_a_note_never_a_widget_repr(site):
    text = page_text((site / "notebooks" / "08_explorers.html").read_text(encoding="utf-8"))
    assert "live in Jupyter" in text
    for bad in ("interactive(", "VBox(", "Explorer(", "Error"):
        assert bad not in text, f"the explorers page shows {bad!r}"
    markup = (site / "notebooks" / "08_explorers.html").read_text(encoding="utf-8")
    assert markup.count("bpcourse-live-note") >= 5
    assert len(re.findall(r"<img[^>]+src=\"[^\"]+\.png\"", markup)) >= 5


def test_freeze_widgets_turns_an_output_widget_into_its_picture():
    import nbformat

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("explorer()")
    cell.outputs = [nbformat.v4.new_output("display_data", data={
        "application/vnd.jupyter.widget-view+json": {"model_id": "box", "version_major": 2},
        "text/plain": "Explorer(children=...)"})]
    nb.cells = [cell]
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {
        "box": {"state": {"_model_name": "VBoxModel", "children": ["IPY_MODEL_out", "IPY_MODEL_status"]}},
        "out": {"state": {"_model_name": "OutputModel", "outputs": [
            {"output_type": "display_data", "data": {"image/png": "iVBORw0KGgo=", "text/plain": "<fig>"}}]}},
        "status": {"state": {"_model_name": "HTMLModel", "value": "E = 0.25"}},
    }}}
    assert freeze_widgets(nb) == 1
    outputs = nb.cells[0].outputs
    assert outputs[0]["data"] == {"image/png": "iVBORw0KGgo="}
    note = outputs[1]["data"]["text/html"]
    assert "E = 0.25" in note and "live in Jupyter" in note
    assert "widgets" not in nb.metadata


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(site):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


def test_the_site_in_a_browser_offline(server, sync_playwright, tmp_path):
    host = urlparse(server).netloc
    outside, failed, errors = [], [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})

            def route(r):
                if urlparse(r.request.url).netloc == host:
                    r.continue_()
                else:
                    outside.append(r.request.url)
                    r.abort()

            page.route("**/*", route)
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("requestfailed", lambda r: failed.append(r.url))
            for i, path in enumerate(PAGES):
                page.goto(urljoin(server, path), wait_until="load")
                assert page.locator("nav.bd-links a").count() >= 10, f"{path}: no sidebar"
                if path.startswith("notebooks/"):
                    page.wait_for_selector("mjx-container", timeout=30_000)
                    assert page.locator("mjx-container").count() > 0, f"{path}: no typeset math"
                    images = page.locator("article img")
                    assert images.count() > 0, f"{path}: no figure"
                    widths = images.evaluate_all("els => els.map(e => e.complete ? e.naturalWidth : 0)")
                    assert min(widths) > 0, f"{path}: a figure did not load"
                page.screenshot(path=str(tmp_path / f"page{i}.png"), full_page=False)
            links = page.locator("nav.bd-links a").evaluate_all("els => els.map(e => e.href)")
            for href in sorted(set(links)):
                url = href.split("#")[0]
                assert urlparse(url).netloc == host, f"a sidebar link leaves the site: {href}"
                assert page.request.get(url).status == 200, f"sidebar link {href} does not resolve"
            page.goto(urljoin(server, "search.html?q=threshold"), wait_until="load")
            page.wait_for_selector("#search-results li", timeout=30_000)
            assert page.locator("#search-results li").count() > 0, "search found nothing for 'threshold'"
            page.screenshot(path=str(tmp_path / "search.png"))
        finally:
            browser.close()
    assert outside == [], f"the site asked another host for: {outside[:5]}"
    assert failed == [], f"requests failed: {failed[:5]}"
    assert errors == [], f"console errors: {errors[:5]}"
