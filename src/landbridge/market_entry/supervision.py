"""Entry supervision (issue #15 scope 3): flags a supervisor lists, computed from the cases and the domains'
public reads: price below floor, planning conditions changed after listing, revenue not distributed within the
rule's period, repeated withdrawals of one unit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landbridge import planning
from landbridge.kernel.clock import ensure_utc, now
from landbridge.market_entry.models import EntryCase
from landbridge.market_entry.queries import entry_rules
from landbridge.market_entry.rules import CaseState

FLAG_LIMIT = 500


class Flag(StrEnum):
    price_below_floor = "price_below_floor"
    conditions_changed = "conditions_changed"
    revenue_late = "revenue_late"
    repeated_withdrawals = "repeated_withdrawals"


FLAG_NAMES: dict[Flag, tuple[str, str]] = {
    Flag.price_below_floor: ("价格低于底价", "price below floor"),
    Flag.conditions_changed: ("挂牌后规划条件变更", "planning conditions changed after listing"),
    Flag.revenue_late: ("收益未按期分配", "revenue not distributed in time"),
    Flag.repeated_withdrawals: ("多次撤回", "repeated withdrawals"),
}


@dataclass(frozen=True)
class EntryFlag:
    case_id: int
    number: str
    flag: Flag
    detail: str


def list_flags(session: Session, *, region_prefix: str = "") -> list[EntryFlag]:
    """Every current flag, case by case (at most ``FLAG_LIMIT``)."""
    r = entry_rules()
    out: list[EntryFlag] = []
    stmt = select(EntryCase).where(EntryCase.region_code.startswith(region_prefix)).order_by(EntryCase.id)
    at = now()
    for case in session.execute(stmt).scalars():
        floor = case.floor_price_cny
        for label, price in (("start", case.start_price_cny), ("deal", case.price_cny)):
            if floor is not None and price is not None and price < floor:
                out.append(EntryFlag(case.id, case.number, Flag.price_below_floor, f"{label} {price} < {floor}"))
        if case.listed_at is not None and case.status not in {CaseState.withdrawn, CaseState.terminated}:
            current = planning.current_conditions(session, case.parcel_id)
            if current is None or current.id != case.conditions_id:
                out.append(EntryFlag(case.id, case.number, Flag.conditions_changed,
                                     f"{case.conditions_id} -> {current.id if current else None}"))
        if (case.status == CaseState.fees_settled and case.fees_settled_at is not None
                and ensure_utc(case.fees_settled_at) + timedelta(days=r.revenue_distribution_days) < at):
            out.append(EntryFlag(case.id, case.number, Flag.revenue_late,
                                 f"fees settled {case.fees_settled_at:%Y-%m-%d}"))
    withdrawn = session.execute(
        select(EntryCase.unit_id, func.count(), func.max(EntryCase.id)).where(
            EntryCase.status == CaseState.withdrawn, EntryCase.region_code.startswith(region_prefix))
        .group_by(EntryCase.unit_id)).all()
    numbers = dict(session.execute(select(EntryCase.id, EntryCase.number)).all()) if withdrawn else {}
    for unit_id, count, last in withdrawn:
        if count >= r.repeated_withdrawal_count:
            out.append(EntryFlag(int(last), numbers[last], Flag.repeated_withdrawals, f"unit {unit_id}: {count}"))
    return out[:FLAG_LIMIT]
