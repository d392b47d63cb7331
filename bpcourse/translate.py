"""The Chinese edition (中文版), generated from the English notebooks and gettext catalogues.

    python -m bpcourse translate           # update the catalogues, write the Chinese notebooks
    python -m bpcourse translate --check   # change nothing; exit 1 if anything is stale or untranslated

The English notebooks are the only source of code. Their Markdown is cut into paragraphs (blocks
separated by a blank line; a fenced code block or a ``$$`` display stays whole), and each paragraph
with words in it is one message of the catalogue ``locale/zh_CN/LC_MESSAGES/<notebook>.po``, the
layout Sphinx and other gettext users follow. Updating a catalogue keeps every translation whose
English is unchanged; a paragraph that changed keeps its old translation marked *fuzzy* (with the
old English as ``#| msgid``, so the translator sees what changed), as ``msgmerge`` does; paragraphs
that are gone are dropped.

The library's messages (the checks' verdicts, the grader's feedback, the explorers' labels) are
extracted from its source into ``bpcourse/locale/zh_CN/LC_MESSAGES/bpcourse.po`` by the same
update rules, as ``xgettext`` would: a message is a string constant passed to ``_()`` or
``N_()``, a task's
title (``Task(...)`` in ``bpcourse/check`` and ``bpcourse/grading``), a message passed to
``fail(...)``, or the message of a named mistake (a pair in ``diagnose(...)`` or in a function or
list whose name says ``mistakes``); the checks and the grader
translate those when they speak (``bpcourse.i18n``). A message built with an f-string cannot be
looked up and stays English.

The Chinese notebooks are the English ones with each paragraph replaced by its current translation
(a missing or fuzzy one leaves the English, and ``--check`` and the tests say so), and one code cell
added before the first code cell that switches the library to Chinese. Every other code cell is
the English one, unchanged: ``notebooks/ -> notebooks/zh/``, ``solutions/ -> solutions/zh/``, and
``exercises/zh/`` comes from ``solutions/zh/`` by the same generator as ``exercises/``.
"""

from __future__ import annotations

import ast
import copy
import difflib
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import polib

from bpcourse import exercises
from bpcourse.i18n import LANGUAGE_CELL

LOCALE = "zh_CN"
EDITIONS = (("notebooks", "notebooks/zh"), ("solutions", "solutions/zh"))
FUZZY_CUTOFF = 0.6
_MARKERS = {exercises.BEGIN_SOLUTION, exercises.END_SOLUTION, exercises.BEGIN_HIDDEN, exercises.END_HIDDEN}


# ---------------------------------------------------------------------------------------------
# Paragraphs
# ---------------------------------------------------------------------------------------------


def split_markdown(source: str) -> list[str]:
    """Cut ``source`` into paragraphs and the blank lines between them: ``"".join`` of the result
    is ``source`` again. A fenced code block or a ``$$ ... $$`` display is never cut."""
    segments: list[tuple[bool, list[str]]] = []  # (is a gap, lines)
    in_fence = in_math = False
    for line in source.split("\n"):
        gap = not line.strip() and not in_fence and not in_math
        if segments and segments[-1][0] == gap:
            segments[-1][1].append(line)
        else:
            segments.append((gap, [line]))
        if gap:
            continue
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
        elif not in_fence and line.count("$$") % 2:
            in_math = not in_math
    chunks = []
    for k, (gap, lines) in enumerate(segments):
        text = "\n".join(lines)
        if gap:  # the line breaks around a gap belong to it, so a paragraph has none at its ends
            text = ("\n" if k > 0 else "") + text + ("\n" if k < len(segments) - 1 else "")
        chunks.append(text)
    return [c for c in chunks if c]


def is_message(chunk: str) -> bool:
    """Whether a chunk is prose to translate: not a gap, a code block, a display of math or a marker."""
    text = chunk.strip()
    if not text or text in _MARKERS or text.startswith("```"):
        return False
    if text.startswith("$$") and text.endswith("$$"):
        return False
    return any(ch.isalpha() for ch in text)


def messages(nb: nbformat.NotebookNode) -> list[tuple[str, int]]:
    """Every paragraph to translate, with the index of its cell, in reading order."""
    return [(chunk, k) for k, cell in enumerate(nb.cells) if cell.cell_type == "markdown"
            for chunk in split_markdown(cell.source) if is_message(chunk)]


# ---------------------------------------------------------------------------------------------
# Catalogues
# ---------------------------------------------------------------------------------------------


def catalogue_path(root: Path, stem: str) -> Path:
    return Path(root) / "locale" / LOCALE / "LC_MESSAGES" / f"{stem}.po"


def _new_catalogue(stem: str) -> polib.POFile:
    po = polib.POFile(wrapwidth=0)
    po.header = (f"Chinese (简体中文) text of {stem}.ipynb. Edit the msgstr lines; "
                 "`python -m bpcourse translate` writes the Chinese notebooks.\n"
                 "Terms follow Zhou Zhihua, 机器学习 (the 术语表 in notebooks/00_start_here); "
                 "math stays as it is.")
    po.metadata = {"Project-Id-Version": "bpcourse", "Language": LOCALE, "MIME-Version": "1.0",
                   "Content-Type": "text/plain; charset=UTF-8", "Content-Transfer-Encoding": "8bit"}
    return po


def update_catalogue(old: polib.POFile | None, msgs: list[tuple[str, str]], stem: str,
                     keep_obsolete: bool = False) -> polib.POFile:
    """A catalogue for the messages ``msgs`` (msgid, where) that keeps what ``old`` translated.

    Unchanged English keeps its translation and flags; new English that closely resembles English
    that is gone inherits that translation marked fuzzy; everything else starts empty. English that
    is gone is dropped, or with ``keep_obsolete`` kept as an obsolete (``#~``) entry, so that a
    message that comes back (code moved between files) finds its translation again."""
    po = _new_catalogue(stem)
    if old is not None:
        po.header, po.metadata = old.header, old.metadata
    known = {e.msgid: e for e in old} if old is not None else {}
    current = {msgid for msgid, _ in msgs}
    gone = [msgid for msgid, e in known.items() if msgid not in current and e.msgstr]
    seen: dict[str, polib.POEntry] = {}
    for msgid, where in msgs:
        if msgid in seen:
            if (where, "") not in seen[msgid].occurrences:
                seen[msgid].occurrences.append((where, ""))
            continue
        entry = polib.POEntry(msgid=msgid, msgstr="", occurrences=[(where, "")])
        if msgid in known:
            entry.msgstr, entry.flags = known[msgid].msgstr, list(known[msgid].flags)
            entry.previous_msgid = known[msgid].previous_msgid if "fuzzy" in entry.flags else None
        else:
            close = difflib.get_close_matches(msgid, gone, n=1, cutoff=FUZZY_CUTOFF)
            if close:
                entry.msgstr, entry.flags, entry.previous_msgid = known[close[0]].msgstr, ["fuzzy"], close[0]
        seen[msgid] = entry
        po.append(entry)
    if keep_obsolete:
        for msgid in gone:
            po.append(polib.POEntry(msgid=msgid, msgstr=known[msgid].msgstr, obsolete=True))
    return po


def translations(po: polib.POFile) -> dict[str, str]:
    """The current translations: translated and not fuzzy."""
    return {e.msgid: e.msgstr for e in po if e.translated() and not e.obsolete}


# ---------------------------------------------------------------------------------------------
# Notebooks
# ---------------------------------------------------------------------------------------------


def translate_notebook(nb: nbformat.NotebookNode, table: dict[str, str]) -> nbformat.NotebookNode:
    """The Chinese notebook: paragraphs from ``table`` (English where it has none), code unchanged,
    and the cell that switches the library to Chinese before the first code cell."""
    zh = copy.deepcopy(nb)
    for cell in zh.cells:
        if cell.cell_type == "markdown":
            chunks = split_markdown(cell.source)
            cell.source = "".join(table.get(c, c) if is_message(c) else c for c in chunks)
    first_code = next((k for k, c in enumerate(zh.cells) if c.cell_type == "code"), len(zh.cells))
    zh.cells.insert(first_code, nbformat.v4.new_code_cell(LANGUAGE_CELL))
    for k, cell in enumerate(zh.cells):  # numbered in order, as nbstripout leaves them
        cell.id = str(k)
    zh.metadata["language"] = "zh"
    return zh


def english_code(nb: nbformat.NotebookNode) -> list[str]:
    """The code cells' sources, without the cell that switches the language."""
    return [c.source for c in nb.cells if c.cell_type == "code" and c.source != LANGUAGE_CELL]


@dataclass
class Report:
    """What one run found, per notebook stem: how many messages, and which are not translated."""

    total: dict[str, int] = field(default_factory=dict)
    fuzzy: dict[str, list[str]] = field(default_factory=dict)
    missing: dict[str, list[str]] = field(default_factory=dict)
    changed: list[Path] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = []
        for stem, n in self.total.items():
            f, m = len(self.fuzzy[stem]), len(self.missing[stem])
            state = "complete" if not f + m else f"{f} fuzzy, {m} missing"
            out.append(f"{stem}: {n} messages, {state}")
        return out

    @property
    def complete(self) -> bool:
        return not any(self.fuzzy.values()) and not any(self.missing.values())


LIBRARY_SOURCES = ("bpcourse/check", "bpcourse/grading", "bpcourse/grade.py", "bpcourse/explorers",
                   "bpcourse/widgets.py", "bpcourse/draw.py", "bpcourse/zhou_figure.py")
LIBRARY = "bpcourse"


def _const(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _call_name(node: ast.Call) -> str | None:
    fn = node.func
    return fn.id if isinstance(fn, ast.Name) else fn.attr if isinstance(fn, ast.Attribute) else None


def _is_mistake_catalogue(node: ast.AST) -> bool:
    """A function or an assignment whose name says it holds named mistakes (``elu_mistakes()``,
    ``MISTAKES = [...]``): its (value, message) pairs are messages even outside ``diagnose(...)``."""
    if isinstance(node, ast.FunctionDef):
        return "mistake" in node.name.lower()
    if isinstance(node, ast.Assign):
        return any(isinstance(t, ast.Name) and "mistake" in t.id.lower() for t in node.targets)
    return False


def library_messages(root: Path) -> list[tuple[str, str]]:
    """(msgid, file) for every message of the library, in the order of the files' lines (see the module
    doc)."""
    files: list[Path] = []
    for source in LIBRARY_SOURCES:
        path = Path(root) / source
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path] if path.is_file() else []
    found = []
    for path in files:
        where = path.relative_to(root).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if _is_mistake_catalogue(node):  # (wrong answer, "what to tell the student") pairs
                found += [(el.lineno, t, where) for el in ast.walk(node) if isinstance(el, ast.Tuple)
                          and len(el.elts) == 2 and (t := _const(el.elts[1]))]
            if not isinstance(node, ast.Call):
                continue
            called, args = _call_name(node), node.args
            texts: list[str | None] = []
            if called in ("_", "N_", "gettext", "fail") and args:
                texts.append(_const(args[0]))
            elif called == "Task" and len(args) >= 2:
                texts.append(_const(args[2]) if len(args) >= 3 and _const(args[2]) else _const(args[1]))
            elif called == "diagnose" and len(args) >= 3 and isinstance(args[2], ast.List | ast.Tuple):
                texts += [_const(el.elts[1]) for el in args[2].elts
                          if isinstance(el, ast.Tuple) and len(el.elts) == 2]
            found += [(node.lineno, t, where) for t in texts if t and t.strip()]
    # Where a message is, by file only: a line number would change the catalogue at every edit.
    return [(t, where) for _line, t, where in sorted(found, key=lambda m: (m[2], m[0]))]


def _write(path: Path, text: str, write: bool, report: Report) -> None:
    data = text.encode("utf-8")
    if path.is_file() and path.read_bytes() == data:
        return
    report.changed.append(path)
    if write:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _po_text(po: polib.POFile) -> str:
    return str(po).rstrip("\n") + "\n"


def run(root: Path, dest: Path | None = None, write: bool = True) -> Report:
    """Update every catalogue and write the Chinese edition under ``dest`` (default: ``root``).

    With ``write=False`` nothing is written; the report still lists what would change."""
    root = Path(root)
    dest = root if dest is None else Path(dest)
    report = Report()
    for src_dir, zh_dir in EDITIONS:
        for path in sorted((root / src_dir).glob("*.ipynb")):
            stem = path.stem
            nb = nbformat.read(path, as_version=4)
            old_path = catalogue_path(root, stem)
            old = polib.pofile(str(old_path), wrapwidth=0) if old_path.is_file() else None
            msgs = [(m, f"{src_dir}/{path.name}:{k}") for m, k in messages(nb)]
            po = update_catalogue(old, msgs, stem)
            report.total[stem] = len(po)
            report.fuzzy[stem] = [e.msgid for e in po.fuzzy_entries()]
            report.missing[stem] = [e.msgid for e in po.untranslated_entries() if "fuzzy" not in e.flags]
            _write(catalogue_path(dest, stem), _po_text(po), write, report)
            zh = translate_notebook(nb, translations(po))
            _write(dest / zh_dir / path.name, exercises.dumps(zh), write, report)
            if src_dir == "solutions":
                student = exercises.make_exercise(zh, f"{zh_dir}/{path.name}")
                _write(dest / "exercises" / "zh" / path.name, exercises.dumps(student), write, report)
    library = Path(root) / "bpcourse" / "locale" / LOCALE / "LC_MESSAGES" / f"{LIBRARY}.po"
    old = polib.pofile(str(library), wrapwidth=0) if library.is_file() else None
    po = update_catalogue(old, library_messages(root), LIBRARY, keep_obsolete=True)
    for entry in po:  # grep finds a message; listing its files would make every move a change
        entry.occurrences = []
    po.header = ("Chinese (简体中文) messages of the bpcourse library: checks, grader feedback, explorers.\n"
                 "Extracted by `python -m bpcourse translate`; bpcourse.i18n._() looks the msgstr up here.\n"
                 "Terms follow Zhou Zhihua, 机器学习 (the 术语表 in notebooks/00_start_here); "
                 "keep every {placeholder}.")
    report.total[LIBRARY] = len(po)
    report.fuzzy[LIBRARY] = [e.msgid for e in po.fuzzy_entries()]
    report.missing[LIBRARY] = [e.msgid for e in po.untranslated_entries() if "fuzzy" not in e.flags]
    _write(Path(dest) / library.relative_to(root), _po_text(po), write, report)
    _remove_orphans(root, dest, write, report)
    return report


def _remove_orphans(root: Path, dest: Path, write: bool, report: Report) -> None:
    """Chinese files whose English notebook is gone are removed (and reported as changes)."""
    sources = {p.stem for d, _ in EDITIONS for p in (root / d).glob("*.ipynb")}
    solutions = {p.stem for p in (root / "solutions").glob("*.ipynb")}
    orphans = [p for p in catalogue_path(dest, "x").parent.glob("*.po") if p.stem not in sources]
    orphans += [p for _, d in EDITIONS for p in (dest / d).glob("*.ipynb") if p.stem not in sources]
    orphans += [p for p in (dest / "exercises" / "zh").glob("*.ipynb") if p.stem not in solutions]
    for p in orphans:
        report.changed.append(p)
        if write:
            p.unlink()

