"""Valuation's one i18n mechanism: its Babel catalogue holds every message its code asks for (issue #14 item 6)."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from landbridge.valuation import i18n
from landbridge.valuation.i18n import CONTEXTS, messages, words
from landbridge.valuation.report.build import _class_name, _w
from landbridge.valuation.sales.service import FIELD_LABELS, invalid_sale

PACKAGE = Path(i18n.__file__).parent
PO = PACKAGE / "locale" / "zh_CN" / "LC_MESSAGES" / "messages.po"


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _catalogue() -> list[tuple[str | None, str, str]]:
    with PO.open("rb") as fh:
        return [(m.context, str(m.id), str(m.string)) for m in read_po(fh, locale="zh_CN") if m.id]


def _asked_for() -> set[tuple[str, str]]:
    """(context, message) of every literal message valuation's code passes to ``_w`` or ``words(…, ctx)(…)``."""
    asked: set[tuple[str, str]] = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func, first, context = node.func, None, ""
            if isinstance(func, ast.Name) and func.id == "_w" and len(node.args) >= 2:
                first = node.args[1]
                context = "report"
            elif (isinstance(func, ast.Call) and isinstance(func.func, ast.Name) and func.func.id == "words"
                  and len(func.args) == 2 and isinstance(func.args[1], ast.Constant)):
                first = node.args[0]
                context = str(func.args[1].value)
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                asked.add((context, first.value))
    return asked


def test_every_message_has_chinese_with_the_same_placeholders() -> None:
    entries = _catalogue()
    assert len(entries) > 150
    for context, msgid, msgstr in entries:
        assert context in CONTEXTS, msgid
        assert msgstr.strip(), f"{context}: {msgid!r} has no Chinese"
        assert _fields(msgstr) == _fields(msgid), f"{context}: {msgid!r} -> {msgstr!r}"
        words_in_english = re.findall(r"[A-Za-z]*[a-z][A-Za-z]*", re.sub(r"\{[^}]*\}", "", msgid))
        if words_in_english:
            assert re.search(r"[\u4e00-\u9fff]", msgstr), f"{context}: {msgid!r} is not translated"


def test_every_message_the_code_asks_for_is_in_the_catalogue() -> None:
    asked = _asked_for()
    assert len(asked) > 40  # the report's words and the pages' flashes at least
    asked |= {("sales", label) for label in FIELD_LABELS.values()}
    known = {(c, i) for c, i, _ in _catalogue()}
    assert sorted(asked - known) == []


@pytest.mark.parametrize(("zh", "expected"), [(True, "中位数 1.235"), (False, "median 1.235")])
def test_report_words_read_in_both_languages(zh: bool, expected: str) -> None:
    assert _w(zh, "median {median:.3f}", median=1.23456) == expected
    assert _class_name("rural", zh) == ("农村土地" if zh else "Rural land")
    assert _class_name("no-such-class", zh) == "no-such-class"


def test_a_word_reads_as_its_page_wants_and_english_is_the_source() -> None:
    assert words("zh_CN", "benchmark")("Use") == "地类"
    assert words("zh_CN", "learn")("Use") == "用途"
    assert words("en", "learn")("Learned {sales} sales: {flagged} cells beyond the threshold.", sales=3,
                                flagged=1) == "Learned 3 sales: 1 cells beyond the threshold."
    assert words("zh_CN", "learn")("Learned {sales} sales: {flagged} cells beyond the threshold.", sales=3,
                                   flagged=1) == "已测算 3 宗成交：1 个单元超出阈值。"
    assert messages("en", "mass") == {}
    with pytest.raises(ValueError, match="context"):
        messages("zh_CN", "nowhere")


def test_invalid_sale_names_the_field_in_chinese_and_its_code_in_english() -> None:
    error = invalid_sale(3, "price_cny", "成交价必须为正", "the price must be positive")
    assert error.message == "第 3 条成交记录的成交价无效: 成交价必须为正"
    assert error.message_en == "sale 3: invalid price_cny: the price must be positive"
    assert invalid_sale(0, "unknown_field", "x", "x").message == "第 0 条成交记录的unknown_field无效: x"
