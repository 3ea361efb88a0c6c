"""Market entry's search source (issue #20 item 1; L3): cases by number, from its start, for those who may read
the case file (``views._reader``: the roles of ``READERS``, in their region; a clerk only their collective's)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.auth.service import region_prefix
from landbridge.errors import DomainError
from landbridge.kernel.hall import SEARCH_LIMIT, SearchHit
from landbridge.market_entry.models import EntryCase
from landbridge.market_entry.pages import STATE_LABELS
from landbridge.market_entry.step_forms import zh
from landbridge.market_entry.views import READERS, _reader


def search(session: Session, principal: Any, query: str) -> Iterator[SearchHit]:
    """The caller's readable cases whose number starts with ``query``."""
    if principal is None or principal.role not in READERS:
        return
    rows = session.scalars(
        select(EntryCase).where(EntryCase.number.startswith(query.upper(), autoescape=True),
                                EntryCase.region_code.startswith(region_prefix(principal.region_code),
                                                                 autoescape=True))
        .order_by(EntryCase.id.desc()).limit(SEARCH_LIMIT))
    for case in rows:
        try:
            _reader(session, principal, case)
        except DomainError:
            continue  # another collective's case, for a clerk
        state = STATE_LABELS.get(case.status, case.status)
        yield SearchHit(kind_zh="入市案件", kind_en="Market-entry case", label=case.number,
                        href=f"/market-entry/cases/{case.id}", detail_zh=zh(state), detail_en=state)
