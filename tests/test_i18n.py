"""One i18n mechanism (issue #14 item 6): every message the pages use, in templates and in Python (``_()`` /
``gettext`` / ``ngettext`` / ``N_``), has a zh_CN translation in the Babel catalogue that serves it (its package's own
catalogue over the platform's), and is English or has an en translation; ``make i18n`` (scripts/i18n.py) extracts,
appends what is missing and compiles."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from babel.messages.mofile import read_mo

from landbridge.web.i18n import translator

ROOT = Path(__file__).resolve().parents[1]


def _script() -> ModuleType:
    name = "landbridge_i18n_script"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / "i18n.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


i18n = _script()


def test_every_message_has_both_languages() -> None:
    found = i18n.extract()
    assert sum(len(m) for m in found.values()) > 400  # templates and Python of every page module were read
    assert {"web", "collective", "exchange", "registry", "valuation"} <= set(found)
    assert i18n.problems() == []


def test_the_account_page_reads_the_catalogue() -> None:
    """shell/account.py's ZH dictionary moved into the platform catalogue; the page's text is still Chinese."""
    zh = translator("zh_CN")
    assert zh("Repeat the new password") == "再次输入新密码"
    rule = ("At least {n} characters of {k} kinds (lower case, upper case, digits, symbols); not your username, "
            "not a common password.")
    assert zh(rule, n=12, k=3).startswith("至少12位，包含至少3类字符")
    assert translator("en")(rule, n=12, k=3).startswith("At least 12 characters of 3 kinds")
    import landbridge.shell.account as account

    assert not hasattr(account, "ZH")


PO_HEAD = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n'


def _tree(tmp_path: Path) -> Path:
    """A small source tree: the platform catalogue, a module with its own catalogue, templates and Python."""
    root = tmp_path / "landbridge"
    for catalogue, entries in {"web": {"Save": "保存", "Label from a table": "表中标签", "Hello {name}": "你好{name}"},
                               "shop": {"Basket": "购物篮"}}.items():
        po = root / catalogue / "locale" / "zh_CN" / "LC_MESSAGES" / "messages.po"
        po.parent.mkdir(parents=True)
        po.write_text(PO_HEAD + "".join(f'\nmsgid "{k}"\nmsgstr "{v}"\n' for k, v in entries.items()),
                      encoding="utf-8")
    (root / "web" / "templates").mkdir()
    (root / "web" / "templates" / "base.html").write_text('{{ _("Save") }} {{ _("Hello {name}", name=n) }}',
                                                          encoding="utf-8")
    (root / "shop" / "templates" / "shop").mkdir(parents=True)
    (root / "shop" / "templates" / "shop" / "basket.html").write_text(
        '{% if x %}{{ _("Basket") }}{% endif %} {{ _("Save") }} {{ _("Checkout") }}', encoding="utf-8")
    (root / "farm").mkdir()
    (root / "farm" / "pages.py").write_text('def f(_):\n    return _("Harvest"), _("Save")\n', encoding="utf-8")
    return root


def test_the_check_names_each_missing_translation(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    found = i18n.problems(root)
    assert len(found) == 2
    assert "shop/templates/shop/basket.html:1: no zh_CN translation of 'Checkout'" in found[1]
    assert "farm/pages.py:2: no zh_CN translation of 'Harvest'" in found[0]


def test_the_check_sees_bad_placeholders_chinese_ids_and_duplicates(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    po = root / "web" / "locale" / "zh_CN" / "LC_MESSAGES" / "messages.po"
    po.write_text(po.read_text(encoding="utf-8").replace("你好{name}", "你好{nam}")
                  + '\nmsgid "Save"\nmsgstr "存"\n', encoding="utf-8")
    (root / "farm" / "more.py").write_text('x = _("收获")\n', encoding="utf-8")
    found = "\n".join(i18n.problems(root))
    assert "has other placeholders" in found and "'Hello {name}'" in found
    assert "message id given twice: \"Save\"" in found
    assert "not English and has no en translation: '收获'" in found


def test_make_i18n_appends_missing_messages_keeps_the_rest_and_compiles(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    web_po = root / "web" / "locale" / "zh_CN" / "LC_MESSAGES" / "messages.po"
    shop_po = root / "shop" / "locale" / "zh_CN" / "LC_MESSAGES" / "messages.po"
    before_web = web_po.read_text(encoding="utf-8")
    added = i18n.run(root)
    assert added == {"web": 1, "shop": 1}  # Harvest to the platform, Checkout to the shop's own catalogue
    web_text = web_po.read_text(encoding="utf-8")
    assert web_text.startswith(before_web.rstrip("\n"))  # nothing rewritten; the label no template names is kept
    assert 'msgid "Label from a table"' in web_text
    assert web_text.endswith('#: landbridge/farm/pages.py:2\nmsgid "Harvest"\nmsgstr ""\n')
    assert 'msgid "Checkout"\nmsgstr ""' in shop_po.read_text(encoding="utf-8")
    assert "Checkout" not in web_text and "Basket" not in web_text
    pot = (root / "shop" / "locale" / "messages.pot").read_text(encoding="utf-8")
    assert 'msgid "Basket"' in pot and "shop/templates/shop/basket.html:1" in pot
    with web_po.with_suffix(".mo").open("rb") as fh:
        compiled = read_mo(fh)
    assert compiled.get("Save") is not None and compiled.get("Save").string == "保存"  # type: ignore[union-attr]
    assert i18n.run(root) == {"web": 0, "shop": 0}  # re-running adds nothing
    assert len(i18n.problems(root)) == 2  # the new entries still wait for a translator
