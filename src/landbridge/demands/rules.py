"""Pure rules of a demand (群众诉求, the 12345 hotline loop; issue #20 item 3, requirement S1): its states and steps,
the deadlines in working days and the routing of a category to the kind of department responsible. The figures come
from the rule set ``demands`` (``DemandRules.from_values``); no database, no web framework.

States (research/services.md §1.4, simplified): pending (待派单) → dispatched (待签收) → accepted (办理中) →
answered (已答复, 待回访) → closed (办结); a pending demand the hotline will not take is rejected (不予受理). The
department holding a dispatched or accepted demand may transfer it (转办: dispatched to another department) or
return it (退单: back to pending, with a reason).

The 12345 practice adds (research/services.md §1.2, §1.4): the department holding an accepted demand asks for more
time (延期申请: extension_asked) and the dispatcher grants or refuses it (back to accepted, the answer deadline
moved by the days granted, within the rule set's limits); a resident dissatisfied at the revisit has the demand
handled again (重办: answered → accepted, a new answer deadline); the dispatcher closes a duplicate into its primary
(并单: merged); an urgent demand (紧急) has the rule set's shorter deadlines.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from landbridge.demands.errors import DemandError

REGION_RE = re.compile(r"^\d{12}$")
PHONE_RE = re.compile(r"^\+?\d[\d-]{5,18}\d$")


class DemandStatus(StrEnum):
    pending = "pending"        # 待派单: no department found, or returned by one
    dispatched = "dispatched"  # 待签收: routed to a department
    accepted = "accepted"      # 办理中: the department accepted it
    answered = "answered"      # 已答复: the department answered; the hotline revisits
    closed = "closed"          # 办结: revisited
    rejected = "rejected"      # 不予受理: not a matter the hotline takes (emergency, litigation, repeat …)
    extension_asked = "extension_asked"  # 延期申请: the department asked for more time; the dispatcher decides
    merged = "merged"          # 已并单: a duplicate closed into its primary demand


class Channel(StrEnum):
    online = "online"  # the resident on the platform
    phone = "phone"    # the 12345 operator took the call
    desk = "desk"      # a clerk at the service desk (便民服务中心)


OPEN_STATES = frozenset({DemandStatus.pending, DemandStatus.dispatched, DemandStatus.accepted,
                         DemandStatus.extension_asked})
HANDLING = frozenset({DemandStatus.dispatched, DemandStatus.accepted, DemandStatus.extension_asked})

STEPS: dict[str, tuple[DemandStatus, frozenset[DemandStatus]]] = {
    "dispatch": (DemandStatus.dispatched, frozenset({DemandStatus.pending})),
    "reject": (DemandStatus.rejected, frozenset({DemandStatus.pending})),
    "accept": (DemandStatus.accepted, frozenset({DemandStatus.dispatched})),
    "transfer": (DemandStatus.dispatched, frozenset({DemandStatus.dispatched, DemandStatus.accepted})),
    "return": (DemandStatus.pending, frozenset({DemandStatus.dispatched, DemandStatus.accepted})),
    "answer": (DemandStatus.answered, frozenset({DemandStatus.accepted})),
    "revisit": (DemandStatus.closed, frozenset({DemandStatus.answered})),
    "request_extension": (DemandStatus.extension_asked, frozenset({DemandStatus.accepted})),
    "approve_extension": (DemandStatus.accepted, frozenset({DemandStatus.extension_asked})),
    "refuse_extension": (DemandStatus.accepted, frozenset({DemandStatus.extension_asked})),
    "reopen": (DemandStatus.accepted, frozenset({DemandStatus.answered})),
    "merge": (DemandStatus.merged, frozenset(OPEN_STATES)),
}

# escalation stages (督办): 1 = not accepted by its deadline, 2 = not answered by its deadline
ESCALATE_ACCEPT, ESCALATE_ANSWER = 1, 2


def step(status: str, name: str) -> DemandStatus:
    """The status step ``name`` moves a demand in ``status`` to; a typed refusal where it may not."""
    target, sources = STEPS[name]
    if status not in sources:
        raise DemandError.INVALID_STEP.error(status=status, step=name)
    return target


def overdue_stage(status: str, today: date, accept_due: date | None, answer_due: date | None) -> int:
    """The escalation stage a demand has reached on ``today`` (0: none): a deadline passes at the end of its day."""
    if status in HANDLING and answer_due is not None and today > answer_due:
        return ESCALATE_ANSWER
    if status == DemandStatus.dispatched and accept_due is not None and today > accept_due:
        return ESCALATE_ACCEPT
    return 0


def text(value: str | None, field: str, limit: int) -> str:
    """A required free text, stripped, at most ``limit`` characters."""
    out = (value or "").strip()
    if not out or len(out) > limit:
        raise DemandError.INVALID_TEXT.error(field=field, max_length=limit)
    return out


def region(value: str) -> str:
    if not isinstance(value, str) or not REGION_RE.match(value):
        raise DemandError.INVALID_REGION.error(region_code=str(value)[:20])
    return value


def phone(value: str) -> str:
    out = (value or "").strip().replace(" ", "")
    if not PHONE_RE.match(out):
        raise DemandError.INVALID_PHONE.error()
    return out


def channel(value: str) -> Channel:
    try:
        return Channel(value)
    except ValueError:
        raise DemandError.UNKNOWN_CHANNEL.error(channel=str(value)[:20]) from None


def _opt(values: Mapping[str, Any], key: str) -> int | None:
    return None if values.get(key) is None else int(values[key])


@dataclass(frozen=True)
class DemandRules:
    """The rule set ``demands`` of one day, with its digest."""

    answer_days: Mapping[str, int]   # demand type → working days from dispatch to the answer
    accept_days: int
    revisit_days: int
    routing: Mapping[str, str]       # category → organisation kind
    satisfaction_levels: int
    bad_rating_max: int
    digest: str
    # from the 2026-01-01 amendment (None in a version before it: the step is refused with a typed error)
    extension_max_days: int | None = None   # working days one extension may add to the answer deadline
    extensions_max: int | None = None       # extensions a demand may have
    reopens_max: int | None = None          # times a demand may be handled again (重办)
    urgent_accept_days: int | None = None   # an urgent demand's working days to accept (0: the day of dispatch)
    urgent_answer_days: int | None = None   # an urgent demand's working days to answer

    @classmethod
    def from_values(cls, values: Mapping[str, Any], digest: str) -> DemandRules:
        return cls(answer_days={str(k): int(v) for k, v in dict(values["demand_types"]).items()},
                   accept_days=int(values["accept_working_days"]), revisit_days=int(values["revisit_working_days"]),
                   routing={str(k): str(v) for k, v in dict(values["routing"]).items()},
                   satisfaction_levels=int(values["satisfaction_levels"]), bad_rating_max=int(values["bad_rating_max"]),
                   digest=digest, extension_max_days=_opt(values, "extension_max_working_days"),
                   extensions_max=_opt(values, "extensions_max"), reopens_max=_opt(values, "reopens_max"),
                   urgent_accept_days=_opt(values, "urgent_accept_working_days"),
                   urgent_answer_days=_opt(values, "urgent_answer_working_days"))

    def limit(self, name: str) -> int:
        """A rule of the 2026 amendment; a typed refusal where the version in force has none."""
        value = getattr(self, name)
        if value is None:
            raise DemandError.RULE_MISSING.error(rule=name)
        return int(value)

    def accept_days_for(self, urgent: bool) -> int:
        return self.limit("urgent_accept_days") if urgent else self.accept_days

    def answer_days_for(self, demand_type: str, urgent: bool) -> int:
        days = self.days_to_answer(demand_type)
        return min(days, self.limit("urgent_answer_days")) if urgent else days

    def days_to_answer(self, demand_type: str) -> int:
        if demand_type not in self.answer_days:
            raise DemandError.UNKNOWN_TYPE.error(demand_type=str(demand_type)[:20])
        return self.answer_days[demand_type]

    def department_kind(self, category: str) -> str:
        if category not in self.routing:
            raise DemandError.UNKNOWN_CATEGORY.error(category=str(category)[:40])
        return self.routing[category]

    def rating(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= self.satisfaction_levels:
            raise DemandError.INVALID_RATING.error(levels=self.satisfaction_levels)
        return value
