"""The shipped CJK font: Chinese text in a figure renders with real glyphs, never boxes.

matplotlib warns "Glyph … missing from font(s) …" when it draws a character no font in the
family list has (and draws an empty box). Those warnings are errors here.
"""

import re
import warnings
from pathlib import Path

import matplotlib
import pytest
from fontTools.ttLib import TTFont
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bpcourse.fonts import CJK_FAMILY, CJK_FONT, use_cjk_font

ROOT = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")

# The course's labels and glossary terms (COURSE.md's notation table and glossary).
TERMS = [
    "好瓜", "坏瓜", "标准BP", "累积BP", "西瓜数据集 3.0α", "编号", "密度", "含糖率", "一轮",
    "输入层到隐层的连接权", "隐层阈值", "隐层到输出层的连接权", "输出层阈值", "隐层输入", "隐层输出",
    "输出层输入", "输出", "均方误差", "累积误差", "链式法则", "反向传播", "动态规划", "复合函数",
    "偏导数", "激活函数", "学习率 η", "梯度下降", "计算图", "误差逆传播算法", "饱和", "雅可比矩阵",
]


def draw(*texts: str) -> None:
    fig = Figure(figsize=(6, 4))
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    ax.set_title(texts[0])
    for i, text in enumerate(texts[1:]):
        ax.text(0.02, 0.95 - 0.03 * i, text, fontsize=10)
    ax.legend(handles=ax.plot([0, 1], [0, 1], label="标准BP")[:1] + ax.plot([1, 0], label="累积BP")[:1])
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*[Gg]lyph .* missing from font")
        fig.canvas.draw()


def test_chinese_labels_draw_without_missing_glyphs():
    with matplotlib.rc_context():
        assert use_cjk_font() == CJK_FAMILY
        draw("好瓜/坏瓜", *TERMS)


def test_without_the_font_matplotlib_draws_boxes():
    # The check above can fail: matplotlib's default family has no hanzi and says so.
    with matplotlib.rc_context({"font.family": ["DejaVu Sans"]}):
        with pytest.raises(UserWarning, match="missing from font"):
            draw("好瓜/坏瓜")


def test_the_font_is_the_shipped_file_and_small():
    with matplotlib.rc_context():
        use_cjk_font()
        use_cjk_font()  # twice: registered once, listed once
        assert list(matplotlib.rcParams["font.family"]).count(CJK_FAMILY) == 1
        from matplotlib import font_manager

        found = font_manager.findfont(font_manager.FontProperties(family=CJK_FAMILY),
                                      fallback_to_default=False)
        assert Path(found) == CJK_FONT
    assert CJK_FONT.stat().st_size < 2_000_000
    assert "SIL OPEN FONT LICENSE Version 1.1" in (CJK_FONT.parent / "OFL.txt").read_text(encoding="utf-8")


def test_every_hanzi_of_the_course_text_is_in_the_font():
    """A new term in a notebook or translation needs its glyph: rebuild the subset
    (python -m bpcourse.fonts.build_subset, with Debian's fonts-noto-cjk installed)."""
    cmap = TTFont(CJK_FONT)["cmap"].getBestCmap()
    used: dict[str, str] = {}
    for pattern in ("notebooks/**/*.ipynb", "solutions/*.ipynb", "locale/**/*.po", "bpcourse/**/*.po"):
        for path in ROOT.glob(pattern):
            for char in CJK.findall(path.read_text(encoding="utf-8")):
                used.setdefault(char, str(path.relative_to(ROOT)))
    missing = {char: where for char, where in used.items() if ord(char) not in cmap}
    assert not missing, f"not in {CJK_FONT.name}: {missing}; run python -m bpcourse.fonts.build_subset"
    assert len(used) > 50
