"""Lending's search source (issue #20 item 1; F5): loans by number, from its start, for those who may read the loan
(``views.visible_to``, the SQL form of the permission matrix: its borrower, its bank, its sharers, supervisors)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.kernel.hall import SEARCH_LIMIT, SearchHit
from landbridge.lending.models import Loan
from landbridge.lending.pages import KIT, STATUS_LABELS
from landbridge.lending.views import READERS, visible_to


def search(session: Session, principal: Any, query: str) -> Iterator[SearchHit]:
    """The caller's readable loans whose number starts with ``query``."""
    if principal is None or principal.role not in READERS:
        return
    rows = session.scalars(
        select(Loan).where(Loan.loan_no.startswith(query.upper(), autoescape=True), visible_to(session, principal))
        .order_by(Loan.id.desc()).limit(SEARCH_LIMIT))
    zh = KIT.own_messages("zh_CN")
    for loan in rows:
        status = STATUS_LABELS.get(loan.status, loan.status)
        yield SearchHit(kind_zh="贷款", kind_en="Loan", label=loan.loan_no, href=f"/lending/loans/{loan.id}",
                        detail_zh=zh.get(status, status), detail_en=status)
