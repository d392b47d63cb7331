"""The Chinese edition: the library's language switch and its catalogue."""

import re

import polib
import pytest

import bpcourse
from bpcourse import i18n
from bpcourse.i18n import _


@pytest.fixture(autouse=True)
def _english_afterwards(monkeypatch):
    monkeypatch.setenv(i18n.ENV_VAR, "en")  # restored after each test, whatever it sets
    yield


def test_english_is_the_default_and_returns_the_msgid():
    assert bpcourse.get_language() == "en"
    assert _("correct") == "correct"
    assert _("a sentence nobody translated") == "a sentence nobody translated"


def test_chinese_comes_from_the_catalogue():
    bpcourse.set_language("zh")
    assert bpcourse.get_language() == "zh"
    assert _("correct") == "正确"
    assert _("a sentence nobody translated") == "a sentence nobody translated"
    bpcourse.set_language("en")
    assert _("correct") == "correct"


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
    out = subprocess.run([sys.executable, "-c", "from bpcourse.i18n import _; print(_('correct'))"],
                         capture_output=True, text=True, check=True, encoding="utf-8").stdout
    assert out.strip() == "正确"


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
