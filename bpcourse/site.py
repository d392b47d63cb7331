"""Build the course as a static website: ``python -m bpcourse site [--out build/site]``.

1. Copy the Sphinx project in ``site/`` to ``build/site-src/``.
2. Execute every lecture (``notebooks/*.ipynb``, and ``notebooks/zh/`` when the Chinese edition
   exists) in a fresh kernel, seeded as under nbval, with the widgets' state kept. An explorer
   cannot run on a static page, so each widget output becomes the picture the explorer showed
   when it opened, with a line saying it is live in Jupyter.
3. Add the students' exercises (``exercises/``: task text and empty answers; the complete
   ``solutions/`` are never copied) and a reference page generated from the library's docstrings.
4. Run Sphinx (myst-nb, sphinx-book-theme). MathJax comes from the ``django-static-mathjax``
   wheel and is served by the site, so the pages load nothing from any other host.

The launch buttons need the repository's public address and, for JupyterHub (nbgitpuller links)
or Binder, the hub's: ``--repository-url``, ``--hub-url``, ``--binder-url``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat

from bpcourse.exercises import repo_root

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
LIVE_NOTE = ("<p class='bpcourse-live-note'><em>This explorer is live in Jupyter: open the notebook "
             "and run it to move the controls. Above: the picture it shows when it opens.</em></p>")
LIVE_NOTE_ZH = ("<p class='bpcourse-live-note'><em>这个交互演示需要在 Jupyter 中运行：打开笔记本并运行，"
                "即可拖动控件。上图是它打开时显示的画面。</em></p>")
# Modules of the reference page, in the order a student meets them; others found are added after.
REFERENCE_ORDER = ["gates", "functional", "draw", "paths", "gradcheck", "layers", "zhou", "symbolic",
                   "datasets", "widgets", "explorers", "fonts", "check"]
NOT_IN_REFERENCE = {"__main__", "exercises", "grade", "grading", "site", "i18n", "runner"}
TIMEOUT = 300  # seconds per lecture cell
JOBS = 2  # notebooks executed at once


def _widget_pictures(state: dict, model_id: str, seen: set | None = None) -> tuple[list[dict], list[str]]:
    """The image outputs and HTML lines reachable from one widget model (children, Output widgets)."""
    seen = set() if seen is None else seen
    if model_id in seen or model_id not in state:
        return [], []
    seen.add(model_id)
    model = state[model_id].get("state", {})
    images: list[dict] = []
    html: list[str] = []
    for out in model.get("outputs", []) or []:
        data = out.get("data", {}) if isinstance(out, dict) else {}
        if "image/png" in data or "image/svg+xml" in data:
            images.append({k: v for k, v in data.items() if k in ("image/png", "image/svg+xml")})
    if model.get("_model_name") == "ImageModel":
        buffers = state[model_id].get("buffers", [])
        for buf in buffers:
            if buf.get("path") == ["value"] and buf.get("encoding") == "base64":
                fmt = model.get("format", "png")
                images.append({f"image/{'svg+xml' if fmt == 'svg+xml' else fmt}": buf["data"]})
    if model.get("_model_name") == "HTMLModel" and model.get("value"):
        html.append(str(model["value"]))
    children = list(model.get("children", []) or [])
    for child in children:
        ref = child[len("IPY_MODEL_"):] if isinstance(child, str) and child.startswith("IPY_MODEL_") else None
        if ref:
            i, h = _widget_pictures(state, ref, seen)
            images += i
            html += h
    return images, html


def freeze_widgets(nb: nbformat.NotebookNode, zh: bool = False) -> int:
    """Replace each widget view in ``nb``'s outputs by its pictures and a note; returns how many."""
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    frozen = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        outputs = []
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if WIDGET_VIEW not in data:
                outputs.append(out)
                continue
            images, html = _widget_pictures(state, data[WIDGET_VIEW].get("model_id", ""))
            for image in images:
                outputs.append(nbformat.v4.new_output("display_data", data=image))
            status = "".join(f"<p>{line}</p>" for line in html if line.strip())
            outputs.append(nbformat.v4.new_output(
                "display_data", data={"text/html": status + (LIVE_NOTE_ZH if zh else LIVE_NOTE)}))
            frozen += 1
        cell.outputs = outputs
    nb.metadata.pop("widgets", None)
    return frozen


class BuildError(RuntimeError):
    """A lecture failed while the site was being built (the message names the notebook and cell)."""


def execute(path: Path, timeout: int = TIMEOUT) -> nbformat.NotebookNode:
    """Run one notebook top to bottom in a fresh kernel, in its own folder, keeping widget state."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", store_widget_state=True,
                            resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute(stderr=subprocess.DEVNULL)  # the kernel's own log lines are not the lecture's
    except (CellExecutionError, CellTimeoutError) as error:
        raise BuildError(f"{path.name} failed while building the site: {str(error).strip().splitlines()[-1]}"
                         ) from None
    return nb


def _reference(pkg: Path) -> str:
    names = sorted(p.stem if p.is_file() else p.name for p in pkg.iterdir()
                   if (p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists()))
                   and not p.name.startswith("_"))
    names = [n for n in names if n not in NOT_IN_REFERENCE]
    ordered = [n for n in REFERENCE_ORDER if n in names] + [n for n in names if n not in REFERENCE_ORDER]
    lines = ["# The library `bpcourse`", "",
             "The notebooks import a small library, written to be read beside the lectures: one idea",
             "per module. This page is generated from the code's own docstrings.", "",
             "```{eval-rst}"]
    lines += [f".. automodule:: bpcourse.{name}" for name in ordered]
    lines += ["```", ""]
    return "\n".join(lines)


def _title(nb: nbformat.NotebookNode, fallback: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def _index(lectures: list[str], exercises: list[str], zh: bool, home: str) -> str:
    lines = [home.rstrip(), "", "```{toctree}", ":caption: Lectures", ":maxdepth: 1", ""]
    lines += [f"notebooks/{name}" for name in lectures]
    lines += ["```", "", "```{toctree}", ":caption: Exercises", ":maxdepth: 1", ""]
    lines += [f"exercises/{name}" for name in exercises]
    lines += ["```", "", "```{toctree}", ":caption: Library", ":maxdepth: 1", "", "reference", "```", ""]
    if zh:
        lines += ["```{toctree}", ":caption: 中文版", ":maxdepth: 1", "", "zh/index", "```", ""]
    return "\n".join(lines)


def _zh_index(lectures: list[str], exercises: list[str]) -> str:
    lines = ["# bpcourse 中文版", "",
             "反向传播：看得见、推得出、验得了、写得成。本课程的中文版与英文版出自同一份源文件。", "",
             "```{toctree}", ":caption: 讲义", ":maxdepth: 1", ""]
    lines += [f"../notebooks/zh/{name}" for name in lectures]
    lines += ["```", "", "```{toctree}", ":caption: 练习", ":maxdepth: 1", ""]
    lines += [f"../exercises/zh/{name}" for name in exercises]
    lines += ["```", ""]
    return "\n".join(lines)


HOME = """# bpcourse: backpropagation you can see, derive, check and build

A course on backpropagation (反向传播) in Jupyter notebooks, with a small Python library. The
lectures below were run when this site was built: every figure and number on these pages is
what the notebook printed. The exercises show their tasks only; open them in Jupyter to solve
them and to have them graded. The explorers (sliders and buttons) need a running kernel: on
these pages each shows the picture it opens with.

To run the course yourself, download a notebook (the download button at the top of each page)
or, with the whole repository, follow README.md: one command opens the course in JupyterLab.
"""


def stage(src: Path, root: Path, execute_notebooks: bool = True, log=print) -> dict:
    """Write the Sphinx project into ``src`` (emptied first). Returns what was staged."""
    if src.exists():
        shutil.rmtree(src)
    shutil.copytree(root / "site", src)
    import mathjax as mathjax_package  # django-static-mathjax: the site's dependency only

    mathjax = Path(mathjax_package.__file__).parent / "static" / "mathjax" / "es5"
    keep = {"tex-svg.js", "input", "output", "ui", "a11y", "adaptors", "sre", "core.js", "loader.js",
            "startup.js"}
    shutil.copytree(mathjax, src / "_static" / "mathjax",
                    ignore=lambda d, names: [n for n in names if Path(d) == mathjax and n not in keep])
    # Pages keep the repository's paths (notebooks/, exercises/, .../zh/), so the launch buttons
    # open the same file in a hub's or Binder's copy of the repository.
    editions = {"en": ("notebooks", "exercises")}
    if (root / "notebooks" / "zh").is_dir():
        editions["zh"] = ("notebooks/zh", "exercises/zh")
    staged: dict[str, list[str]] = {}
    for lang, (lecture_dir, exercise_dir) in editions.items():
        lectures = sorted(p.stem for p in (root / lecture_dir).glob("*.ipynb"))
        exercises = sorted(p.stem for p in (root / exercise_dir).glob("*.ipynb"))
        (src / lecture_dir).mkdir(parents=True, exist_ok=True)
        (src / exercise_dir).mkdir(parents=True, exist_ok=True)
        paths = [root / lecture_dir / f"{name}.ipynb" for name in lectures]
        if execute_notebooks:
            log(f"executing {len(paths)} notebooks in {lecture_dir}/ ({JOBS} at a time)")
            with ThreadPoolExecutor(JOBS) as pool:
                notebooks = list(pool.map(execute, paths))
        else:
            notebooks = [nbformat.read(path, as_version=4) for path in paths]
        for path, nb in zip(paths, notebooks, strict=True):
            freeze_widgets(nb, zh=lang == "zh")
            nbformat.write(nb, src / lecture_dir / path.name)
        for name in exercises:
            shutil.copyfile(root / exercise_dir / f"{name}.ipynb", src / exercise_dir / f"{name}.ipynb")
        staged[lang] = lectures + exercises
        if lang == "en":
            home = _index(lectures, exercises, "zh" in editions, HOME)
            (src / "index.md").write_text(home, encoding="utf-8")
        else:
            (src / "zh").mkdir(exist_ok=True)
            (src / "zh" / "index.md").write_text(_zh_index(lectures, exercises), encoding="utf-8")
    (src / "reference.md").write_text(_reference(root / "bpcourse"), encoding="utf-8")
    return staged


def build(out: Path, *, execute_notebooks: bool = True, repository_url: str = "", hub_url: str = "",
          binder_url: str = "", log=print) -> Path:
    """Build the whole site into ``out``; returns the path of its index.html."""
    root = repo_root()
    src = out.parent / (out.name + "-src")
    staged = stage(src, root, execute_notebooks=execute_notebooks, log=log)
    env = dict(os.environ, BPCOURSE_REPOSITORY_URL=repository_url, BPCOURSE_HUB_URL=hub_url,
               BPCOURSE_BINDER_URL=binder_url, BPCOURSE_SITE_ZH="1" if "zh" in staged else "0")
    if out.exists():
        shutil.rmtree(out)
    log(f"sphinx-build {src} -> {out}")
    subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q", "-j", "auto", str(src), str(out)],
                   check=True, env=env)
    return out / "index.html"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bpcourse site", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=None, help="output folder (default: build/site)")
    parser.add_argument("--no-execute", action="store_true", help="use the notebooks as stored (no outputs)")
    parser.add_argument("--repository-url", default=os.environ.get("BPCOURSE_REPOSITORY_URL", ""),
                        help="the repository's public address (for the launch and download buttons)")
    parser.add_argument("--hub-url", default=os.environ.get("BPCOURSE_HUB_URL", ""),
                        help="a JupyterHub's address: pages get an nbgitpuller 'launch' link")
    parser.add_argument("--binder-url", default=os.environ.get("BPCOURSE_BINDER_URL", ""),
                        help="a BinderHub's address: pages get a Binder 'launch' link")
    args = parser.parse_args(argv)
    out = Path(args.out) if args.out else repo_root() / "build" / "site"
    try:
        index = build(out, execute_notebooks=not args.no_execute, repository_url=args.repository_url,
                      hub_url=args.hub_url, binder_url=args.binder_url)
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"built {index}")
    return 0


__all__ = ["build", "stage", "freeze_widgets", "execute", "main"]

if __name__ == "__main__":
    sys.exit(main())
