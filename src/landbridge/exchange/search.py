"""The exchange's search source (issue #20 item 1; F4): lots by number (from its start) or by a word of the title.

A lot in draft is found only by those its page shows it to (the exchange's operators and supervisors); every other
lot is public, as its announcement is.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from landbridge.auth import Role
from landbridge.exchange.models import Lot
from landbridge.exchange.pages import LOCALE_DIR, PHASE_LABELS
from landbridge.exchange.rules import LotPhase
from landbridge.kernel.hall import SEARCH_LIMIT, SearchHit
from landbridge.web.i18n import layered_translator, module_catalogue

INSIDERS = (Role.exchange_operator, Role.supervisor)


def search(session: Session, principal: Any, query: str) -> Iterator[SearchHit]:
    """Lots whose number starts with, or whose title contains, ``query``; newest first."""
    wanted = select(Lot).where(or_(Lot.number.startswith(query.upper(), autoescape=True),
                                   Lot.title.contains(query, autoescape=True)))
    if principal is None or principal.role not in INSIDERS:
        wanted = wanted.where(Lot.phase != LotPhase.draft)
    zh = layered_translator("zh_CN", module_catalogue(str(LOCALE_DIR), "zh_CN"))
    for lot in session.scalars(wanted.order_by(Lot.id.desc()).limit(SEARCH_LIMIT)):
        phase = PHASE_LABELS.get(lot.phase, lot.phase)
        yield SearchHit(kind_zh="交易标的", kind_en="Lot", label=f"{lot.number} {lot.title}",
                        href=f"/exchange/lots/{lot.id}", detail_zh=zh(phase), detail_en=phase)
