"""Lot results out as the law publishes them (成交公示; 39号令 art. 22; issue #21): XLSX or CSV with BOM through
the one table writer (``landbridge.kernel.tables``).

Each row is the lot's results notice (``results_notice.notice_of``) and nothing more: only lots with a confirmed
award, the transferee named exactly as the publication rules name it (a natural person masked or by bidder code),
never a bidder that did not win, never a live auction's leader, no objector and no grounds.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.exchange.models import Lot
from landbridge.exchange.results_notice import NOTICE_PHASES, notice_of
from landbridge.kernel.tables import DATE_FORMAT, MONEY_FORMAT, Column, write_table

RESULT_COLUMNS = (Column("标的编号", None, 18), Column("标的名称", None, 30), Column("标的类型", None, 16),
                  Column("行政区划代码", None, 14), Column("成交价（元）", MONEY_FORMAT, 16),
                  Column("受让方", None, 24), Column("竞买号", None, 10), Column("成交确认书编号", None, 20),
                  Column("公示日期", DATE_FORMAT, 12), Column("公示截止日", DATE_FORMAT, 12),
                  Column("异议数", "0", 8), Column("依据", None, 30))
CHUNK = 500


def lot_result_rows(session: Session, *, region_prefix: str | None = None, kind: str | None = None,
                    chunk: int = CHUNK) -> Iterator[list[Any]]:
    """The published results of confirmed awards (optionally in a region or of a lot kind), in lot id order, as
    rows under ``RESULT_COLUMNS``."""
    stmt = select(Lot).where(Lot.phase.in_([str(p) for p in NOTICE_PHASES]))
    if region_prefix:
        stmt = stmt.where(Lot.region_code.startswith(region_prefix, autoescape=True))
    if kind:
        stmt = stmt.where(Lot.kind == kind)
    last = 0
    while True:
        lots = list(session.scalars(stmt.where(Lot.id > last).order_by(Lot.id).limit(chunk)))
        if not lots:
            return
        for lot in lots:
            notice = notice_of(session, lot)
            if notice is None:
                continue
            yield [notice.lot_number, lot.title, lot.kind, lot.region_code, notice.price_cny, notice.transferee,
                   notice.transferee_code, notice.confirmation_no, notice.published_on, notice.closes_on,
                   len(notice.objections), notice.source]
        last = lots[-1].id


def export_lot_results(session: Session, path: str | Path, *, region_prefix: str | None = None,
                       kind: str | None = None) -> int:
    """Write the published lot results to ``.xlsx`` or ``.csv``; returns the number of results written."""
    return write_table(path, RESULT_COLUMNS, lot_result_rows(session, region_prefix=region_prefix, kind=kind),
                       sheet="成交结果")
