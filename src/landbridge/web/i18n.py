"""Page language: zh-CN by default, English on request (cookie ``lang`` or ``?lang=en``).

Templates call ``_("English source text")``; the Chinese text comes from the zh_CN catalogue
(``locale/zh_CN/LC_MESSAGES/messages.po``, read with Babel at start-up).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po
from starlette.requests import Request

LOCALE_DIR = Path(__file__).parent / "locale"
SUPPORTED = ("zh_CN", "en")


@lru_cache(maxsize=16)
def module_catalogue(locale_dir: str, locale: str) -> dict[str, str]:
    """Message id → translation of ``<locale_dir>/<locale>/LC_MESSAGES/messages.po`` (empty if there is none)."""
    path = Path(locale_dir) / locale / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return {}
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    return {str(m.id): str(m.string) for m in catalog if m.id and m.string}


def catalogue(locale: str) -> dict[str, str]:
    """The platform's message id → translation for a locale (empty for English, the source language)."""
    return module_catalogue(str(LOCALE_DIR), locale)


def layered_translator(locale: str, own: Mapping[str, str]) -> Callable[..., str]:
    """A module's page translator: its own messages first, then the platform's catalogue."""
    base = translator(locale)

    def _(message: str, **kwargs: object) -> str:
        text = own.get(message) or base(message)
        return text.format(**kwargs) if kwargs else text

    return _


def request_locale(request: Request) -> str:
    """The locale of a request: ``?lang=`` beats the ``lang`` cookie beats zh_CN."""
    wanted = request.query_params.get("lang") or request.cookies.get("lang") or "zh_CN"
    wanted = "zh_CN" if wanted.lower().startswith("zh") else wanted
    return wanted if wanted in SUPPORTED else "zh_CN"


def translator(locale: str) -> Translator:
    return Translator(locale)


class Translator:
    """A ``gettext``-like callable for templates."""

    def __init__(self, locale: str) -> None:
        self.locale = locale
        self._messages = catalogue(locale) if locale != "en" else {}

    def __call__(self, message: str, **kwargs: object) -> str:
        text = self._messages.get(message, message)
        return text.format(**kwargs) if kwargs else text
