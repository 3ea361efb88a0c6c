"""Valuation's words (估价用语): one Babel catalogue, ``locale/zh_CN/LC_MESSAGES/messages.po``, issue #14 item 6.

English is the source text; each message carries the context of the part that uses it (``benchmark``,
``learn``, ``mass``, ``report``, ``sales``), so that a word may read differently on two pages (``Use``: 地类 on
the flags page, 用途 on the learned tables) as it did before. Pages fall back to the platform catalogue.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

from landbridge.web.i18n import layered_translator

LOCALE_DIR = Path(__file__).parent / "locale"
CONTEXTS = ("benchmark", "learn", "mass", "report", "sales")


@lru_cache(maxsize=8)
def _entries(locale: str) -> tuple[tuple[str | None, str, str], ...]:
    path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return ()
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    return tuple((m.context, str(m.id), str(m.string)) for m in catalog if m.id and m.string)


@lru_cache(maxsize=32)
def messages(locale: str, context: str) -> Mapping[str, str]:
    """Valuation's message id → translation for a locale and a context (empty for English, the source)."""
    if context not in CONTEXTS:
        raise ValueError(f"unknown valuation message context {context!r}")
    return {} if locale == "en" else {i: s for c, i, s in _entries(locale) if c == context}


def words(locale: str, context: str) -> Callable[..., str]:
    """A translator for valuation's ``context``: ``_("English {name}", name=...)``, then the platform's words."""
    return layered_translator(locale, messages(locale, context))
