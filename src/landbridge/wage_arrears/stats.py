"""Public statistics of the wage-arrears cases by township (欠薪案件办理情况公开; issue #20 item 4): counts and sums
only — no worker, no employer, no case number. The sum paid of a township with fewer cases than the city's
minimum cell count for published statistics (the rule ``open_data.min_cell_count``, the k of ADR 0018) is withheld:
one case's sum, for one worker, would be that worker's wages."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from landbridge.cityprofile import get_profile
from landbridge.kernel.clock import now, to_local
from landbridge.wage_arrears.models import WageArrearsCase
from landbridge.wage_arrears.rules import OPEN_STATES, CaseStatus, yuan


@dataclass(frozen=True)
class TownshipStats:
    region_code: str
    cases: int
    open: int
    closed_paid: int
    referred: int
    overdue: int        # ordered and escalated (past the deadline to pay)
    workers: int
    paid_yuan: Decimal | None  # paid to the workers, on every case of the township; None: withheld (under k cases)


def min_cases() -> int | None:
    """The fewest cases a township's published sum may come from (``open_data.min_cell_count``); None where the
    city publishes no such rule, and then no sum is published."""
    try:
        values = get_profile().rules("open_data").version_at(to_local(now()).date()).values()
    except (LookupError, KeyError):
        return None
    return int(values["min_cell_count"])


def by_township(session: Session) -> list[TownshipStats]:
    """Each township's figures, the one with most cases first (rejected complaints are counted among cases)."""
    t = WageArrearsCase
    rows = session.execute(
        select(t.region_code, func.count(),
               func.sum(case((t.status.in_([s.value for s in OPEN_STATES]), 1), else_=0)),
               func.sum(case((t.status == CaseStatus.closed.value, 1), else_=0)),
               func.sum(case((t.status == CaseStatus.referred.value, 1), else_=0)),
               func.sum(case(((t.status == CaseStatus.ordered.value) & (t.escalation > 0), 1), else_=0)),
               func.sum(t.workers), func.sum(t.paid_fen))
        .group_by(t.region_code)).all()
    k = min_cases()
    out = [TownshipStats(str(code), int(n), int(o or 0), int(c or 0), int(r or 0), int(late or 0), int(w or 0),
                         None if paid and (k is None or n < k) else yuan(int(paid or 0)))
           for code, n, o, c, r, late, w, paid in rows]
    return sorted(out, key=lambda s: (-s.cases, s.region_code))
