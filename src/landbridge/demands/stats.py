"""Public statistics of the demands by department (诉求办理情况公开; issue #20 item 3): counts, the share answered on
time and the mean satisfaction, with no personal data — only counts and the departments' names."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from landbridge.auth.models import Organisation
from landbridge.demands.models import DemandTicket
from landbridge.demands.rules import HANDLING, DemandStatus

ANSWERED = (DemandStatus.answered.value, DemandStatus.closed.value)


@dataclass(frozen=True)
class DepartmentStats:
    department_id: int
    department: str
    received: int          # every demand it holds or held at the end (closed, answered, open)
    open: int
    answered: int          # answered or closed
    on_time: int           # answered no later than the answer deadline
    rated: int
    satisfaction: Decimal | None  # mean rating, two places
    bad: int               # ratings at or below the rule set's 差评 bound

    @property
    def on_time_rate(self) -> Decimal | None:
        if not self.answered:
            return None
        return (Decimal(self.on_time) * 100 / self.answered).quantize(Decimal("0.0"), ROUND_HALF_UP)


def by_department(session: Session, *, bad_rating_max: int = 2) -> list[DepartmentStats]:
    """Each department's figures, the department with most demands first. Pending and rejected demands belong to
    no department and are left out."""
    t = DemandTicket
    answered = t.status.in_(ANSWERED)
    rows = session.execute(
        select(t.department_id, func.count(),
               func.sum(case((t.status.in_(sorted(HANDLING)), 1),
                             else_=0)),
               func.sum(case((answered, 1), else_=0)),
               func.sum(case((answered & (t.answered_on <= t.answer_due), 1), else_=0)),
               func.count(t.satisfaction), func.sum(t.satisfaction),
               func.sum(case((t.satisfaction <= bad_rating_max, 1), else_=0)))
        .where(t.department_id.is_not(None)).group_by(t.department_id)).all()
    names = dict(session.execute(select(Organisation.id, Organisation.name)
                                 .where(Organisation.id.in_([r[0] for r in rows]))).all())
    out = []
    for dept, received, open_, done, on_time, rated, total, bad in rows:
        mean = (Decimal(int(total)) / int(rated)).quantize(Decimal("0.01"), ROUND_HALF_UP) if rated else None
        out.append(DepartmentStats(int(dept), str(names.get(dept, dept)), int(received), int(open_ or 0),
                                   int(done or 0), int(on_time or 0), int(rated), mean, int(bad or 0)))
    return sorted(out, key=lambda s: (-s.received, s.department_id))


def totals(session: Session) -> dict[str, int]:
    """Demands by status, city-wide."""
    rows = session.execute(select(DemandTicket.status, func.count()).group_by(DemandTicket.status)).all()
    return {str(status): int(n) for status, n in rows}
