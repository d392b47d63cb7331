"""The language the library speaks to a student: English (the source) or Chinese (简体中文).

    import bpcourse
    bpcourse.set_language("zh")      # checks, grader feedback and explorer labels in Chinese
    from bpcourse.i18n import _
    print(_("correct"))              # 正确

English strings in the library are the message ids; ``_(msgid)`` returns the Chinese translation
from the gettext catalogue ``bpcourse/locale/zh_CN/LC_MESSAGES/bpcourse.po`` (read with polib),
or the English text when the catalogue has no current translation (missing or fuzzy). The
catalogue sits inside the package so that an installed copy, and a grading sandbox that sees only
the package, still finds it. The lectures' catalogues (one per notebook) live in ``locale/`` at the
top of the repository; see ``bpcourse.translate``.

The language is also kept in the environment variable ``BPCOURSE_LANG``, so that a process the
library starts (the grader run from ``grade_this_notebook()``) speaks the same language.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

LANGUAGES = ("en", "zh")
ENV_VAR = "BPCOURSE_LANG"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
GETTEXT_LOCALE = {"zh": "zh_CN"}
# The first code cell of every notebook of the Chinese edition (written by bpcourse.translate; the
# grader recognises it as the edition's, not the student's).
LANGUAGE_CELL = ('import bpcourse\n\n'
                 'bpcourse.set_language("zh")  # 中文版:检查结果、评分反馈和图中的标签都用中文')
_ALIASES = {"en": "en", "en_us": "en", "en_gb": "en", "english": "en",
            "zh": "zh", "zh_cn": "zh", "zh_hans": "zh", "cn": "zh", "chinese": "zh", "中文": "zh"}


def _normalise(language: object) -> str:
    if not isinstance(language, str) or language.strip().lower().replace("-", "_") not in _ALIASES:
        raise ValueError(f"set_language expected language 'en' or 'zh', got {language!r}")
    return _ALIASES[language.strip().lower().replace("-", "_")]


def set_language(language: str) -> None:
    """Speak ``language`` from now on: ``"en"`` (English) or ``"zh"`` (简体中文; also ``"zh_CN"``).

    With ``"zh"`` matplotlib also gets the course's CJK font, so figure labels in Chinese show
    their glyphs."""
    lang = _normalise(language)
    os.environ[ENV_VAR] = lang
    if lang == "zh":
        _use_cjk_font()


def get_language() -> str:
    """The current language, ``"en"`` or ``"zh"`` (from ``set_language`` or ``BPCOURSE_LANG``)."""
    try:
        return _normalise(os.environ.get(ENV_VAR, "en"))
    except ValueError:
        return "en"


def _use_cjk_font() -> None:
    try:
        from bpcourse.fonts import use_cjk_font
    except ImportError:  # the font package is optional for the text; figures then keep English labels
        return
    use_cjk_font()


def catalogue_path(language: str, domain: str = "bpcourse") -> Path:
    """Where the library's gettext catalogue for ``language`` lives."""
    return LOCALE_DIR / GETTEXT_LOCALE[_normalise(language)] / "LC_MESSAGES" / f"{domain}.po"


@cache
def load_catalogue(path: Path) -> dict[str, str]:
    """msgid -> msgstr for every entry of the .po file at ``path`` that is translated and not fuzzy."""
    import polib

    if not Path(path).is_file():
        return {}
    return {entry.msgid: entry.msgstr for entry in polib.pofile(str(path))
            if entry.translated() and not entry.obsolete}


def gettext(msgid: str, language: str | None = None) -> str:
    """``msgid`` in ``language`` (default: the current one); English when there is no translation."""
    lang = get_language() if language is None else _normalise(language)
    if lang == "en":
        return msgid
    return load_catalogue(catalogue_path(lang)).get(msgid, msgid)


def N_(msgid: str) -> str:
    """Mark ``msgid`` for the catalogue without translating it now (gettext's ``N_``): for text kept
    in a table at import time and translated with ``_()`` where it is shown."""
    return msgid


_ = gettext
