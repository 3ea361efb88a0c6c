"""Pure rules of a wage-arrears case (欠薪, 保障农民工工资支付条例; issue #20 item 4, requirements E1/E2): its states
and steps, the amounts in fen, the period to pay in working days and the escalation levels. The figures come from the
rule set ``wage_arrears`` (``ArrearsRules.from_values``); no database, no web framework.

States: filed (待受理) → accepted (已立案) | rejected (不予受理); accepted → ordered (责令限期支付); accepted or
ordered → closed (已清偿结案: paid in full); ordered at the last escalation level → referred (移送处理结案).
Payments are
recorded on an accepted or ordered case; a closed case's worker confirms receipt and rates it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from landbridge.kernel.ids import valid_uscc
from landbridge.wage_arrears.errors import WageArrearsError

REGION_RE = re.compile(r"^\d{12}$")
FEN = Decimal("0.01")


class CaseStatus(StrEnum):
    filed = "filed"          # 待受理
    accepted = "accepted"    # 已立案
    rejected = "rejected"    # 不予受理
    ordered = "ordered"      # 责令限期支付
    closed = "closed"        # 已清偿结案
    referred = "referred"    # 移送处理结案 (失信名单 / 公安)


# how the escalation levels a rule set may name read (display only; the levels themselves are rule data)
LEVEL_LABELS: dict[str, tuple[str, str]] = {"township": ("乡镇督办", "township"),
                                            "county": ("区县人社局督办", "county bureau"),
                                            "listed": ("列入失信名单 / 移送", "listed / referred")}

OPEN_STATES = frozenset({CaseStatus.filed, CaseStatus.accepted, CaseStatus.ordered})
PAYABLE = frozenset({CaseStatus.accepted, CaseStatus.ordered})

STEPS: dict[str, tuple[CaseStatus, frozenset[CaseStatus]]] = {
    "accept": (CaseStatus.accepted, frozenset({CaseStatus.filed})),
    "reject": (CaseStatus.rejected, frozenset({CaseStatus.filed})),
    "order": (CaseStatus.ordered, frozenset({CaseStatus.accepted})),
    "close": (CaseStatus.closed, frozenset({CaseStatus.accepted, CaseStatus.ordered})),
    "refer": (CaseStatus.referred, frozenset({CaseStatus.ordered})),
}


def step(status: str, name: str) -> CaseStatus:
    """The status step ``name`` moves a case in ``status`` to; a typed refusal where it may not."""
    target, sources = STEPS[name]
    if status not in sources:
        raise WageArrearsError.INVALID_STEP.error(status=status, step=name)
    return target


def text(value: str | None, field: str, limit: int) -> str:
    out = (value or "").strip()
    if not out or len(out) > limit:
        raise WageArrearsError.INVALID_TEXT.error(field=field, max_length=limit)
    return out


def region(value: str) -> str:
    if not isinstance(value, str) or not REGION_RE.match(value):
        raise WageArrearsError.INVALID_REGION.error(region_code=str(value)[:20])
    return value


def uscc(value: str) -> str:
    found = valid_uscc((value or "").strip().upper()[:40])
    if found is None:
        raise WageArrearsError.INVALID_USCC.error()
    return found


def period(start: date, end: date, today: date) -> tuple[date, date]:
    if start > end or end > today:
        raise WageArrearsError.INVALID_PERIOD.error()
    return start, end


def yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(FEN)


@dataclass(frozen=True)
class ArrearsRules:
    """The rule set ``wage_arrears`` of one day, with its digest."""

    decide_days: int
    pay_days: int
    pay_days_max: int
    escalation: tuple[tuple[str, int], ...]  # (level name, working days past the deadline), ascending
    amount_max_yuan: int
    workers_max: int
    satisfaction_levels: int
    digest: str

    @classmethod
    def from_values(cls, values: Mapping[str, Any], digest: str) -> ArrearsRules:
        levels = sorted(((str(k), int(v)) for k, v in dict(values["escalation"]).items()), key=lambda kv: kv[1])
        return cls(decide_days=int(values["decide_working_days"]), pay_days=int(values["pay_working_days"]),
                   pay_days_max=int(values["pay_working_days_max"]), escalation=tuple(levels),
                   amount_max_yuan=int(values["amount_max_yuan"]), workers_max=int(values["workers_max"]),
                   satisfaction_levels=int(values["satisfaction_levels"]), digest=digest)

    @property
    def top_level(self) -> int:
        return len(self.escalation)

    def level_name(self, level: int) -> str | None:
        return self.escalation[level - 1][0] if 1 <= level <= len(self.escalation) else None

    def level_after(self, days_late: int) -> int:
        """The escalation level (1-based; 0: none) a case reaches ``days_late`` working days past its deadline."""
        return sum(1 for _, after in self.escalation if days_late >= after)

    def fen(self, amount: Any) -> int:
        """An amount in yuan (Decimal or its text) as integer fen: above 0, to the fen, bounded."""
        try:
            value = Decimal(str(amount).strip())
        except (InvalidOperation, ValueError):
            raise WageArrearsError.INVALID_AMOUNT.error(max_yuan=self.amount_max_yuan) from None
        if (not value.is_finite() or value <= 0 or value > self.amount_max_yuan
                or value.quantize(FEN, ROUND_HALF_UP) != value):
            raise WageArrearsError.INVALID_AMOUNT.error(max_yuan=self.amount_max_yuan)
        return int(value * 100)

    def workers(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= self.workers_max:
            raise WageArrearsError.INVALID_WORKERS.error(max_workers=self.workers_max)
        return value

    def days_to_pay(self, value: Any) -> int:
        if value is None:
            return self.pay_days
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= self.pay_days_max:
            raise WageArrearsError.INVALID_DAYS.error(max_days=self.pay_days_max)
        return value

    def rating(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= self.satisfaction_levels:
            raise WageArrearsError.INVALID_RATING.error(levels=self.satisfaction_levels)
        return value
