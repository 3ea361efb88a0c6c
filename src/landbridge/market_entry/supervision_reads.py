"""Market entry's public reads for the city's view (issue #19; P2, S2, L1–L3): the land entered, i.e. the entry
cases whose exchange lot was awarded on given days, with their registered area, the deal price and the benchmark
it is judged against (the case's appraised value, 评估价, or its floor price when no appraisal is recorded), and
the current supervision flags. A lot's award is dated and never undone, so a past day's answer never changes.
Supervision aggregates these by area; market entry never imports it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import exchange
from landbridge.market_entry.models import EntryCase
from landbridge.market_entry.supervision import FLAG_NAMES, EntryFlag, list_flags
from landbridge.registry import parcel_areas

__all__ = ["FLAG_NAMES", "CaseFlag", "EnteredLand", "EntryFlag", "case_flags", "entered_land", "list_flags"]


@dataclass(frozen=True)
class EnteredLand:
    """One parcel entered on the market: its case, region, registered area, deal price, benchmark and day."""

    case_id: int
    number: str
    region_code: str
    area_m2: Decimal
    price_cny: Decimal
    benchmark_cny: Decimal | None
    concluded_on: date


def entered_land(session: Session, start: date, end: date, *, region_prefix: str = "") -> list[EnteredLand]:
    """The entry cases whose lot was awarded from ``start`` to ``end`` (local days, both included) in regions
    starting with ``region_prefix``, by case id."""
    lots = {lot.lot_id: lot for lot in exchange.concluded_lots(session, start, end, region_prefix=region_prefix)}
    if not lots:
        return []
    cases = list(session.scalars(select(EntryCase).where(EntryCase.lot_id.in_(list(lots))).order_by(EntryCase.id)))
    areas = parcel_areas(session, [c.parcel_id for c in cases])
    out = []
    for case in cases:
        lot = lots[int(case.lot_id or 0)]
        benchmark = case.appraised_value_cny if case.appraised_value_cny is not None else case.floor_price_cny
        out.append(EnteredLand(case.id, case.number, case.region_code, areas.get(case.parcel_id, Decimal(0)),
                               lot.price, benchmark, lot.decided_on))
    return out


@dataclass(frozen=True)
class CaseFlag:
    """A current supervision flag of an entry case (``supervision.list_flags``) with the case's region."""

    case_id: int
    number: str
    region_code: str
    flag: str
    name_zh: str
    name_en: str
    detail: str


def case_flags(session: Session, *, region_prefix: str = "") -> list[CaseFlag]:
    """The current flags of the entry cases in regions starting with ``region_prefix`` (``list_flags``), each
    with its case's region code."""
    found = list_flags(session, region_prefix=region_prefix)
    regions = {int(i): str(r) for i, r in session.execute(select(EntryCase.id, EntryCase.region_code).where(
        EntryCase.id.in_({f.case_id for f in found})))} if found else {}
    return [CaseFlag(f.case_id, f.number, regions[f.case_id], f.flag.value, *FLAG_NAMES[f.flag], f.detail)
            for f in found if f.case_id in regions]
