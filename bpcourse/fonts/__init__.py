"""The Chinese font the course's figures use, shipped with the package.

matplotlib's default font, DejaVu Sans, has no Chinese glyphs: 好瓜 would come out as empty boxes.
``use_cjk_font()`` registers ``NotoSansSC-bpcourse.otf`` (a subset of Noto Sans CJK SC under the
SIL Open Font License, see ``OFL.txt``; ``build_subset.py`` makes it) with matplotlib's font
manager and puts it after the usual sans-serif font, so Latin text looks as before and each
Chinese character falls back to the shipped font. Anything in ``bpcourse`` that draws calls it.

One limit: text that contains mathtext (``$g_1$``) is typeset by matplotlib's math fonts
alone, with no fallback; keep Chinese and ``$...$`` in separate labels.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
from matplotlib import font_manager

__all__ = ["CJK_FONT", "CJK_FAMILY", "use_cjk_font"]

CJK_FONT = Path(__file__).resolve().parent / "NotoSansSC-bpcourse.otf"
CJK_FAMILY = "Noto Sans SC bpcourse"


def use_cjk_font() -> str:
    """Register the shipped CJK font and make it the fallback after sans-serif; return its family.

    Safe to call any number of times: the font is added once, and ``font.family`` becomes
    ``[<what it was>, 'Noto Sans SC bpcourse']`` without repeating it.
    """
    if CJK_FAMILY not in {entry.name for entry in font_manager.fontManager.ttflist}:
        font_manager.fontManager.addfont(str(CJK_FONT))
    families = list(matplotlib.rcParams["font.family"])
    if CJK_FAMILY not in families:
        matplotlib.rcParams["font.family"] = [*families, CJK_FAMILY]
    return CJK_FAMILY
