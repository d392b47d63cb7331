"""The Chinese edition: the library's language switch and its catalogue."""

import re
from pathlib import Path

import nbformat
import polib
import pytest

import bpcourse
from bpcourse import i18n, translate
from bpcourse.i18n import _


@pytest.fixture(autouse=True)
def _english_afterwards(monkeypatch):
    monkeypatch.setenv(i18n.ENV_VAR, "en")  # restored after each test, whatever it sets
    yield


def test_english_is_the_default_and_returns_the_msgid():
    assert bpcourse.get_language() == "en"
    assert _("multiply gate backward") == "multiply gate backward"
    assert _("a sentence nobody translated") == "a sentence nobody translated"


def test_chinese_comes_from_the_catalogue():
    bpcourse.set_language("zh")
    assert bpcourse.get_language() == "zh"
    assert _("multiply gate backward") == "乘法门的反向传播"
    assert _("a sentence nobody translated") == "a sentence nobody translated"
    bpcourse.set_language("en")
    assert _("multiply gate backward") == "multiply gate backward"


@pytest.mark.parametrize("alias", ["zh_CN", "zh-CN", "ZH", "zh-Hans"])
def test_chinese_aliases(alias):
    bpcourse.set_language(alias)
    assert bpcourse.get_language() == "zh"


@pytest.mark.parametrize("bad", ["fr", "", None, 3])
def test_an_unknown_language_names_the_parameter(bad):
    with pytest.raises(ValueError, match="language 'en' or 'zh'"):
        bpcourse.set_language(bad)


def test_the_language_reaches_a_child_process():
    import subprocess
    import sys

    bpcourse.set_language("zh")
    out = subprocess.run([sys.executable, "-c", "from bpcourse.i18n import _; print(_('sigmoid neuron'))"],
                         capture_output=True, text=True, check=True, encoding="utf-8").stdout
    assert out.strip() == "Sigmoid 神经元"


def test_fuzzy_and_missing_entries_fall_back_to_english(tmp_path):
    po = polib.POFile()
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
    po.append(polib.POEntry(msgid="done", msgstr="完成"))
    po.append(polib.POEntry(msgid="stale", msgstr="过时", flags=["fuzzy"]))
    po.append(polib.POEntry(msgid="empty", msgstr=""))
    path = tmp_path / "bpcourse.po"
    po.save(str(path))
    assert i18n.load_catalogue(path) == {"done": "完成"}


def _fields(text):
    return sorted(re.findall(r"\{[^{}]*\}", text))


def test_library_catalogue_is_complete_and_keeps_placeholders():
    """Every library message has a current Chinese translation with the same {placeholders}."""
    po = polib.pofile(str(i18n.catalogue_path("zh")))
    assert po.percent_translated() == 100, [e.msgid for e in po.untranslated_entries() + po.fuzzy_entries()]
    for entry in po.translated_entries():
        assert _fields(entry.msgid) == _fields(entry.msgstr), entry.msgid


# ---------------------------------------------------------------------------------------------
# The Chinese edition of the notebooks: one source, kept in sync
# ---------------------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
PAIRS = [(d, zd, p.stem) for d, zd in translate.EDITIONS for p in sorted((ROOT / d).glob("*.ipynb"))]
STEMS = [stem for _, _, stem in PAIRS]


@pytest.mark.parametrize("source", [
    "", "one line", "\n\na\n\n\nb\n", "a\n\n$$\nx\n\ny\n$$\n\nc", "```\na\n\nb\n```\n\nafter",
    "# Title\n\n- item one\n  continued\n- item two\n\n| a | b |\n|---|---|\n| 1 | 2 |",
])
def test_split_markdown_gives_the_source_back(source):
    assert "".join(translate.split_markdown(source)) == source


def test_split_markdown_keeps_code_and_display_math_whole():
    chunks = translate.split_markdown("Text.\n\n$$\na\n\nb\n$$\n\n```python\nx = 1\n\ny = 2\n```\n\nEnd.")
    assert [c for c in chunks if c.strip()] == [
        "Text.", "$$\na\n\nb\n$$", "```python\nx = 1\n\ny = 2\n```", "End."]
    assert [translate.is_message(c) for c in chunks if c.strip()] == [True, False, False, True]


def test_every_markdown_cell_of_the_course_splits_losslessly():
    for d, _zd, stem in PAIRS:
        for cell in nbformat.read(ROOT / d / f"{stem}.ipynb", as_version=4).cells:
            if cell.cell_type == "markdown":
                assert "".join(translate.split_markdown(cell.source)) == cell.source


def test_update_keeps_translations_marks_changed_fuzzy_and_drops_obsolete():
    old = translate.update_catalogue(None, [("The chain rule.", "a:0"), ("Gone for good.", "a:1"),
                                            ("The forward pass caches x and y.", "a:2")], "t")
    for entry, zh in zip(old, ["链式法则。", "删掉了。", "前向传播缓存 x 和 y。"], strict=True):
        entry.msgstr = zh
    msgs = [("The chain rule.", "a:0"), ("The forward pass caches x, y.", "a:1"), ("Brand new.", "a:2")]
    new = translate.update_catalogue(old, msgs, "t")
    by_id = {e.msgid: e for e in new}
    assert set(by_id) == {"The chain rule.", "The forward pass caches x, y.", "Brand new."}
    assert by_id["The chain rule."].msgstr == "链式法则。" and not by_id["The chain rule."].fuzzy
    changed = by_id["The forward pass caches x, y."]
    assert changed.fuzzy and changed.msgstr == "前向传播缓存 x 和 y。"
    assert changed.previous_msgid == "The forward pass caches x and y."
    assert by_id["Brand new."].msgstr == "" and not by_id["Brand new."].fuzzy
    assert translate.translations(new) == {"The chain rule.": "链式法则。"}


def test_a_missing_translation_leaves_the_english_paragraph():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Title\n\nKept English.\n\n$$x$$"),
                                         nbformat.v4.new_code_cell("print(1)")])
    zh = translate.translate_notebook(nb, {"# Title": "# 标题"})
    assert zh.cells[0].source == "# 标题\n\nKept English.\n\n$$x$$"
    assert [c.source for c in zh.cells[1:]] == [translate.LANGUAGE_CELL, "print(1)"]


def test_the_chinese_edition_is_up_to_date():
    report = translate.run(ROOT, write=False)
    stale = [str(p.relative_to(ROOT)) for p in report.changed]
    assert not stale, f"stale: {stale}; run `python -m bpcourse translate` and commit the result"


@pytest.mark.parametrize("src_dir, zh_dir, stem", PAIRS)
def test_chinese_code_is_the_english_code(src_dir, zh_dir, stem):
    en = nbformat.read(ROOT / src_dir / f"{stem}.ipynb", as_version=4)
    zh = nbformat.read(ROOT / zh_dir / f"{stem}.ipynb", as_version=4)
    assert translate.english_code(zh) == translate.english_code(en)
    switch = [c for c in zh.cells if c.source == translate.LANGUAGE_CELL]
    assert [c.source for c in switch] == [translate.LANGUAGE_CELL]
    assert [c.cell_type for c in zh.cells if c.source != translate.LANGUAGE_CELL] == \
        [c.cell_type for c in en.cells]
    assert [c.metadata.get("nbgrader") for c in zh.cells if c.source != translate.LANGUAGE_CELL] == \
        [c.metadata.get("nbgrader") for c in en.cells]


@pytest.mark.parametrize("stem", STEMS)
def test_every_paragraph_has_a_current_translation(stem):
    """After an English change: `python -m bpcourse translate`, then fill the new or fuzzy msgstr."""
    po = polib.pofile(str(translate.catalogue_path(ROOT, stem)))
    todo = [e.msgid[:60] for e in po if not e.translated()]
    assert not todo, f"{stem}: {len(todo)} paragraphs without a current translation (missing/fuzzy): {todo}"


_MATH = re.compile(r"\$\$.*?\$\$|\$[^$\n]+\$", re.S)
_CODE = re.compile(r"`[^`\n]+`")


@pytest.mark.parametrize("stem", STEMS)
def test_translations_keep_math_code_and_headings(stem):
    """Math and code are not translated: a translation uses the same $…$ and `…` (a repeat is fine)
    at the same heading level."""
    for entry in polib.pofile(str(translate.catalogue_path(ROOT, stem))).translated_entries():
        en, zh = entry.msgid, entry.msgstr
        assert set(_MATH.findall(en)) == set(_MATH.findall(zh)), (stem, en[:60])
        code_en, code_zh = _CODE.findall(_MATH.sub("", en)), _CODE.findall(_MATH.sub("", zh))
        assert set(code_en) == set(code_zh), (stem, en[:60])
        assert re.match(r"#*", en).group(0) == re.match(r"#*", zh).group(0), (stem, en[:60])


def test_the_grader_grades_the_chinese_edition_as_the_english_one():
    """Same exercise, same grade_ids, points and marks: complete solutions get full marks in both
    editions and blank exercises none; the language cell is not counted as the student's code.

    The English solutions are graded in tests/test_grade.py, which requires full marks on every
    task; here the Chinese ones must earn exactly that: every graded test cell of the English
    solution (its grade_id and points, read from the notebook), each at full points."""
    from bpcourse.grade import grade
    from bpcourse.grading import exercises as graded

    names = [stem for stem in STEMS if stem in graded()]
    assert names, "no exercise has a grader specification"
    paths = [ROOT / folder / f"{name}.ipynb" for folder in ("solutions/zh", "exercises/zh") for name in names]
    results = grade(paths, timeout=10.0, echo=False, jobs=2, seed="zh-edition")

    def english_full_marks(name):
        nb = nbformat.read(ROOT / "solutions" / f"{name}.ipynb", as_version=4)
        tests = [c.metadata["nbgrader"] for c in nb.cells
                 if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")
                 and not c.metadata["nbgrader"].get("solution")]
        return name, None, [(t["grade_id"], float(t["points"]), float(t["points"])) for t in tests]

    def marks(result):
        return result.exercise, result.error, [(t.grade_id, t.points, t.earned) for t in result.tasks]

    zh, blank = results[:len(names)], results[len(names):]
    for name, z, b in zip(names, zh, blank, strict=True):
        assert marks(z) == english_full_marks(name), z.path
        assert z.earned == z.points > 0 and not z.notes, (z.path, z.notes)
        assert b.exercise == name and b.earned == 0 and b.points == z.points, b.path


# Zhou's terms (机器学习 §5.3 and the glossary of notebooks/00) and the variants a translator might slip
# into instead; the edition uses the book's word everywhere.
ZHOU_TERMS = """神经元 阈值 连接权 隐层 学习率 误差逆传播 标准BP 累积BP 梯度检验 早停 正则化 局部极小
计算图 链式法则 雅可比矩阵 一轮 均方误差 激活函数 反向传播""".split()
NOT_ZHOUS = {"阀值": "阈值", "隐藏层": "隐层", "学习速率": "学习率", "局部最小": "局部极小",
             "雅克比": "雅可比", "梯度校验": "梯度检验", "提前停止": "早停", "正规化": "正则化",
             "均方差": "均方误差", "激励函数": "激活函数", "反向传导": "反向传播", "连接权重": "连接权",
             "标准 BP": "标准BP", "累积 BP": "累积BP", "累计BP": "累积BP"}


def test_the_glossary_in_00_holds_zhous_terms_in_both_editions():
    for folder in ("notebooks", "notebooks/zh"):
        cells = nbformat.read(ROOT / folder / "00_start_here.ipynb", as_version=4).cells
        md = "\n".join(c.source for c in cells if c.cell_type == "markdown")
        table = md[md.index("| English | 中文 |"):].split("\n\n")[0]
        rows = [row for row in table.splitlines()[2:] if row.startswith("|")]
        chinese = {t.strip() for row in rows for t in row.split("|")[2].split(",")}
        assert set(ZHOU_TERMS) <= chinese, (folder, set(ZHOU_TERMS) - chinese)


@pytest.mark.parametrize("stem", STEMS)
def test_the_translation_uses_zhous_terms(stem):
    for entry in polib.pofile(str(translate.catalogue_path(ROOT, stem))).translated_entries():
        for wrong, right in NOT_ZHOUS.items():
            assert wrong not in entry.msgstr, f"{stem}: '{wrong}' for Zhou's '{right}': {entry.msgstr[:60]}"


def test_readme_chinese_section_opens_the_chinese_edition_and_runs_the_same_tests():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## 简体中文", 1)[1].split("\n## ", 1)[0]
    open_cmd, test_cmd = re.findall(r"```bash\n(.+?)\n```", section, flags=re.S)
    english = text.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    en_open, en_test = re.findall(r"```bash\n(.+?)\n```", english, flags=re.S)
    assert open_cmd == en_open.replace("notebooks/00_start_here.ipynb", "notebooks/zh/00_start_here.ipynb")
    assert (ROOT / "notebooks" / "zh" / "00_start_here.ipynb").is_file()
    assert test_cmd == en_test


def test_checks_and_grader_speak_chinese_after_set_language(monkeypatch, capsys):
    from bpcourse.check import CheckFailed, check_mul_backward
    from bpcourse.gates import MultiplyGate
    from bpcourse.grade import grade

    class Swapped:
        def forward(self, x, y):
            self.x, self.y = x, y
            return x * y

        def backward(self, dout):
            return self.x * dout, self.y * dout

    bpcourse.set_language("zh")
    check_mul_backward(MultiplyGate)
    assert capsys.readouterr().out.startswith("✓ 任务 1.1 乘法门的反向传播:看得见的检查都通过了")
    with pytest.raises(CheckFailed, match="^✗ 任务 1.1 乘法门的反向传播:dx 和 dy 弄反了"):
        check_mul_backward(Swapped)
    [result] = grade([ROOT / "exercises" / "zh" / "ex01_gates.ipynb"], timeout=10.0, echo=False, jobs=1)
    assert result.tasks and all(t.message.startswith("尚未作答(") for t in result.tasks), result.tasks


def test_the_zhou_trainer_figure_speaks_chinese_without_missing_glyphs():
    """The issue's acceptance figure: 好瓜/坏瓜 and 标准BP, every glyph from the shipped font."""
    import warnings

    import matplotlib.text
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from bpcourse.explorers.trainer import ZhouTrainerModel

    bpcourse.set_language("zh")  # registers the CJK font too
    model = ZhouTrainerModel()
    model.train(5)
    fig = Figure(figsize=model.FIGSIZE)
    FigureCanvasAgg(fig)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*[Gg]lyph .* missing from font")
        model.draw(fig)
        fig.canvas.draw()
    text = " ".join(t.get_text() for t in fig.findobj(matplotlib.text.Text))
    for word in ("好瓜", "坏瓜", "标准BP", "密度", "含糖率"):
        assert word in text, word
    assert "标准BP" in model.status() and "good" not in model.status()


def _shape(text: str) -> list[str]:
    """The Markdown skeleton of a paragraph: one entry per table row (with its number of cells) and
    per list item (with its marker)."""
    out = []
    is_table = any(re.fullmatch(r"\s*\|[-:| ]+\|\s*", line) for line in text.splitlines())
    for line in text.splitlines():
        stripped = line.strip()
        if is_table and stripped.startswith("|"):
            out.append(f"row:{stripped.count('|')}")
        elif re.match(r"^\s*([-*]|\d+\.)\s", line):
            out.append("item:" + re.match(r"^\s*([-*]|\d+\.)", line).group(1))
    return out


@pytest.mark.parametrize("stem", STEMS)
def test_translations_keep_tables_and_lists_whole(stem):
    """A translated table has the English table's rows and columns; a list keeps its items."""
    for entry in polib.pofile(str(translate.catalogue_path(ROOT, stem))).translated_entries():
        assert _shape(entry.msgstr) == _shape(entry.msgid), (stem, entry.msgid[:60])


def test_a_library_message_that_moves_away_and_back_keeps_its_translation():
    po = translate.update_catalogue(None, [("sigmoid gate", "a.py")], "t")
    po[0].msgstr = "Sigmoid 门"
    gone = translate.update_catalogue(po, [], "t", keep_obsolete=True)
    assert [(e.msgid, e.obsolete) for e in gone] == [("sigmoid gate", True)]
    assert translate.translations(gone) == {}
    back = translate.update_catalogue(gone, [("sigmoid gate", "b.py")], "t", keep_obsolete=True)
    assert translate.translations(back) == {"sigmoid gate": "Sigmoid 门"}
    assert translate.update_catalogue(po, [], "t").translated_entries() == []  # notebooks drop it
