"""Regenerate ``NotoSansSC-bpcourse.otf``, the Chinese font the figures use.

    python -m bpcourse.fonts.build_subset [--source PATH]

The source is Noto Sans CJK SC Regular from Debian's ``fonts-noto-cjk`` (the SC face, number 2,
of ``NotoSansCJK-Regular.ttc``), under the SIL Open Font License 1.1 (``OFL.txt`` here). The subset
keeps the characters a course figure may need and nothing else:

* all 6,763 hanzi of GB 2312 (read from Python's own gb2312 codec): level 1, the 3,755 most
  used, covers about 99.7% of modern text, and level 2 most of the rest,
* every CJK character that appears in the course's text (notebooks, library, translations),
* CJK punctuation and full-width forms, and printable ASCII.

It keeps only the glyphs those characters map to (no OpenType layout features, no hinting, no
vertical metrics: matplotlib uses none of them), which is why the file stays near 1.4 MB. The
family is renamed to ``Noto Sans SC bpcourse`` so that it never shadows, or is shadowed by, a
system-wide Noto Sans CJK SC. The OFL allows both; its only reserved font name is "Source".
fontTools, which does the subsetting, comes with matplotlib.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
SC_FACE = 2  # JP, KR, SC, TC, HK, then the Mono faces
OUTPUT = HERE / "NotoSansSC-bpcourse.otf"
FAMILY = "Noto Sans SC bpcourse"
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


def gb2312_hanzi() -> set[str]:
    """GB 2312's hanzi: rows 16-87 (first byte 0xB0-0xF7), levels 1 and 2."""
    chars = set()
    for high in range(0xB0, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                pass  # the last row of each level is not full
    return chars


def course_characters() -> set[str]:
    """Every CJK character in the course's own text files."""
    chars: set[str] = set()
    for pattern in ("**/*.ipynb", "**/*.py", "**/*.po", "**/*.md", "**/*.csv"):
        for path in ROOT.glob(pattern):
            if ".venv" in path.parts or ".git" in path.parts:
                continue
            chars.update(CJK.findall(path.read_text(encoding="utf-8", errors="ignore")))
    return chars


def characters() -> str:
    wanted = gb2312_hanzi() | course_characters()
    wanted |= {chr(c) for c in range(0x3000, 0x3040)}  # CJK punctuation: 、。《》「」…
    wanted |= {chr(c) for c in range(0xFF01, 0xFF5F)}  # full-width forms: ，：；！？（）
    wanted |= {chr(c) for c in range(0x20, 0x7F)}
    return "".join(sorted(wanted))


def build(source: Path = SOURCE, output: Path = OUTPUT) -> Path:
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.drop_tables += ["vhea", "vmtx", "VORG", "BASE", "DSIG"]
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]  # copyright, names, version, licence
    font = TTCollection(str(source)).fonts[SC_FACE]
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=characters())
    subsetter.subset(font)
    names = font["name"]
    names.removeNames(nameID=16)  # typographic family: the plain family below is the only one
    names.removeNames(nameID=17)
    for record in names.names:
        if record.nameID in (1, 4):
            record.string = FAMILY
        elif record.nameID == 6:
            record.string = FAMILY.replace(" ", "")
        elif record.nameID == 3:
            record.string = f"{FAMILY}; subset of Noto Sans CJK SC {names.getDebugName(5)}"
    font["CFF "].cff.fontNames = [FAMILY.replace(" ", "")]
    font.recalcTimestamp = False  # the same source gives the same bytes
    font.save(str(output))
    return output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE, help="NotoSansCJK-Regular.ttc")
    args = parser.parse_args()
    out = build(args.source)
    print(f"{out}: {out.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
