"""The service hall's parts every package shares (一网通办, issue #20 item 1): the navigation each user sees and the
to-dos the packages contribute through their manifests.

A package declares its navigation entries (``Manifest.nav``) and its to-do sources (``Manifest.todos``); the hall
page and every page's menu read them here, so the hall imports no package's internals and a new package appears by
editing its own manifest. A to-do source is a function ``(session, principal) -> Iterable[Todo]``: the work waiting
for that user in the package (an application to decide, a vote open to them, a lot they bid on, an instalment
due), each with its due time where it has one, bounded by ``SOURCE_LIMIT``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from landbridge.kernel import modules
from landbridge.kernel.clock import SHANGHAI, ensure_utc

SOURCE_LIMIT = 50  # to-dos taken from one source: the hall is a work list, the package's own queue has the rest
SEARCH_LIMIT = 10  # hits taken from one search source: a search finds a record by its number, it does not list
QUERY_MIN, QUERY_MAX = 2, 64  # characters of a search query, after trimming


@dataclass(frozen=True)
class Todo:
    """One thing waiting for a user: what (Chinese and English), where to do it, and by when (UTC; a date-only
    deadline is the end of that local day). ``urgent`` marks what the package itself counts as urgent (overdue,
    a countdown running)."""

    kind: str
    title_zh: str
    title_en: str
    href: str
    due: datetime | None = None
    urgent: bool = False

    def title(self, locale: str) -> str:
        return self.title_zh if locale == "zh_CN" else self.title_en


def due_at_end_of(day: date) -> datetime:
    """A date-only deadline as the last moment of that day in the city's time zone, in UTC."""
    return ensure_utc(datetime.combine(day, time(23, 59, 59), tzinfo=SHANGHAI))


@dataclass(frozen=True)
class HallItem:
    """A to-do with the package it comes from, as the hall lists it."""

    module: str
    todo: Todo


def nav_for(role: str | None, has_party: bool) -> list[modules.NavLink]:
    """The navigation entries a user with ``role`` (None: anonymous) sees, in order."""
    return [link for link in modules.nav_links() if link.visible_to(role, has_party)]


def todos_for(session: Any, principal: Any) -> list[HallItem]:
    """Every package's to-dos for ``principal``, earliest deadline first (urgent ones first among equals, those
    without a deadline last), each source bounded by ``SOURCE_LIMIT``."""
    items: list[HallItem] = []
    for module, source in modules.todo_sources():
        found: Iterable[Todo] = source(session, principal)
        for index, todo in enumerate(found):
            if index >= SOURCE_LIMIT:
                break
            items.append(HallItem(module, todo))
    far = datetime.max.replace(tzinfo=SHANGHAI)
    return sorted(items, key=lambda i: (i.todo.due is None, ensure_utc(i.todo.due) if i.todo.due else far,
                                        not i.todo.urgent, i.module, i.todo.href))


@dataclass(frozen=True)
class SearchHit:
    """One record a search found that the caller may open: its kind (Chinese and English), a label (a number, a
    title; never personal data the caller's page would not show), the page to open, and a line of detail."""

    kind_zh: str
    kind_en: str
    label: str
    href: str
    detail_zh: str = ""
    detail_en: str = ""

    def kind(self, locale: str) -> str:
        return self.kind_zh if locale == "zh_CN" else self.kind_en

    def detail(self, locale: str) -> str:
        return self.detail_zh if locale == "zh_CN" else self.detail_en


def normalise_query(raw: str | None) -> str | None:
    """The query as the sources receive it: trimmed, inner runs of space made one, full-width letters and digits
    made ASCII (NFKC, as a number typed with a Chinese input method arrives); None when it is shorter than
    ``QUERY_MIN`` (a search lists no whole table). Longer than ``QUERY_MAX`` is the caller's error to report."""
    text = " ".join(unicodedata.normalize("NFKC", raw or "").split())
    return text if len(text) >= QUERY_MIN else None


def search_for(session: Any, principal: Any, query: str) -> list[tuple[str, SearchHit]]:
    """Every package's hits for ``query`` that ``principal`` (None: anonymous) may open, in manifest order, each
    source bounded by ``SEARCH_LIMIT``. Each source applies the same visibility as the page it links to."""
    hits: list[tuple[str, SearchHit]] = []
    for module, source in modules.search_sources():
        found: Iterable[SearchHit] = source(session, principal, query)
        for index, hit in enumerate(found):
            if index >= SEARCH_LIMIT:
                break
            hits.append((module, hit))
    return hits
