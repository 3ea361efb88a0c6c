"""Pure rules of the employment register (就业服务, issue #20 item 4, requirements E1, E2): the states and steps of a
job (岗位), a job seeker (求职者) and an application, the input bounds and the transparent match score. The figures
come from the rule set ``employment`` (``EmploymentRules.from_values``); no database, no web framework.

A job: submitted (待审核) → published (招聘中) → closed (已关闭) or expired (已过期); the officer may reject a
submitted one (不予发布). An application: applied (已申请) → shortlisted (入围) → hired (已录用), or rejected (未录用)
from applied or shortlisted; the seeker may withdraw (撤回) an applied or shortlisted one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from landbridge.employment.errors import EmploymentError
from landbridge.kernel.ids import is_region_code
from landbridge.kernel.ids import valid_uscc as compact_uscc

SKILL_MAX = 20
TOWNSHIP_DIGITS, COUNTY_DIGITS = 9, 6  # GB/T 2260 + the township and village levels of the 12-digit code


class JobStatus(StrEnum):
    submitted = "submitted"  # 待审核
    published = "published"  # 招聘中
    rejected = "rejected"    # 不予发布
    closed = "closed"        # 已关闭 (by the employer or the officer)
    expired = "expired"      # 已过期 (the worker, after the closing date)


class ApplicationStatus(StrEnum):
    applied = "applied"
    shortlisted = "shortlisted"
    hired = "hired"
    rejected = "rejected"
    withdrawn = "withdrawn"


JOB_STEPS: dict[str, tuple[JobStatus, frozenset[JobStatus]]] = {
    "publish": (JobStatus.published, frozenset({JobStatus.submitted})),
    "reject": (JobStatus.rejected, frozenset({JobStatus.submitted})),
    "close": (JobStatus.closed, frozenset({JobStatus.submitted, JobStatus.published})),
    "expire": (JobStatus.expired, frozenset({JobStatus.published})),
}
LIVE = frozenset({ApplicationStatus.applied, ApplicationStatus.shortlisted})
APPLICATION_STEPS: dict[str, tuple[ApplicationStatus, frozenset[ApplicationStatus]]] = {
    "shortlist": (ApplicationStatus.shortlisted, frozenset({ApplicationStatus.applied})),
    "hire": (ApplicationStatus.hired, LIVE),
    "reject": (ApplicationStatus.rejected, LIVE),
    "withdraw": (ApplicationStatus.withdrawn, LIVE),
}


def job_step(status: str, name: str) -> JobStatus:
    target, sources = JOB_STEPS[name]
    if status not in sources:
        raise EmploymentError.INVALID_STEP.error(status=status, step=name)
    return target


def application_step(status: str, name: str) -> ApplicationStatus:
    target, sources = APPLICATION_STEPS[name]
    if status not in sources:
        raise EmploymentError.INVALID_STEP.error(status=status, step=name)
    return target


def valid_uscc(value: str | None) -> bool:
    """Whether ``value`` is a unified social credit code with a right check digit (GB 32100-2015; python-stdnum
    ``cn.uscc`` through ``kernel.ids``)."""
    return bool(value) and compact_uscc(str(value)) is not None


def text(value: str | None, field: str, limit: int) -> str:
    out = (value or "").strip()
    if not out or len(out) > limit:
        raise EmploymentError.INVALID_TEXT.error(field=field, max_length=limit)
    return out


def region(value: str) -> str:
    if not isinstance(value, str) or not is_region_code(value):
        raise EmploymentError.INVALID_REGION.error(region_code=str(value)[:20])
    return value


@dataclass(frozen=True)
class Reason:
    """One reason of a match score: its key, the points it gave and a detail (the skills in common)."""

    key: str
    points: int
    detail: str = ""


@dataclass(frozen=True)
class EmploymentRules:
    """The rule set ``employment`` of one day, with its digest."""

    industries: Mapping[str, str]
    weights: Mapping[str, int]
    min_score: int
    max_wage_yuan: int
    max_headcount: int
    max_skills: int
    max_open_days: int
    attendance_share: Decimal
    max_capacity: int
    max_sessions: int
    digest: str

    @classmethod
    def from_values(cls, values: Mapping[str, Any], digest: str) -> EmploymentRules:
        return cls(industries={str(k): str(v) for k, v in dict(values["industries"]).items()},
                   weights={str(k): int(v) for k, v in dict(values["match_weights"]).items()},
                   min_score=int(values["match_min_score"]), max_wage_yuan=int(values["max_wage_yuan"]),
                   max_headcount=int(values["max_headcount"]), max_skills=int(values["max_skills"]),
                   max_open_days=int(values["max_open_days"]),
                   attendance_share=Decimal(str(values["certificate_attendance_share"])),
                   max_capacity=int(values["max_course_capacity"]), max_sessions=int(values["max_course_sessions"]),
                   digest=digest)

    def needed_sessions(self, sessions: int) -> int:
        """The sessions a trainee must attend for the certificate: the share of the course's, rounded up."""
        return int((self.attendance_share * sessions).to_integral_value(rounding=ROUND_CEILING))

    def industry(self, value: str) -> str:
        if value not in self.industries:
            raise EmploymentError.UNKNOWN_INDUSTRY.error(industry=str(value)[:40])
        return value

    def wage_fen(self, value: Decimal | str | int | None, *, required: bool = True) -> int | None:
        """A monthly wage in yuan (Decimal, at most 2 places) as integer fen; None where not required and not
        given."""
        if value is None or value == "":
            if required:
                raise EmploymentError.INVALID_WAGE.error(max_yuan=self.max_wage_yuan)
            return None
        try:
            amount = Decimal(str(value))
        except (InvalidOperation, ValueError):
            raise EmploymentError.INVALID_WAGE.error(max_yuan=self.max_wage_yuan) from None
        if not amount.is_finite() or amount < 0 or amount > self.max_wage_yuan or amount != amount.quantize(
                Decimal("0.01")):
            raise EmploymentError.INVALID_WAGE.error(max_yuan=self.max_wage_yuan)
        return int(amount * 100)

    def wage_range(self, low: Any, high: Any) -> tuple[int, int]:
        lo, hi = self.wage_fen(low), self.wage_fen(high)
        assert lo is not None and hi is not None
        if lo > hi:
            raise EmploymentError.INVALID_WAGE.error(max_yuan=self.max_wage_yuan)
        return lo, hi

    def headcount(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= self.max_headcount:
            raise EmploymentError.INVALID_HEADCOUNT.error(max_headcount=self.max_headcount)
        return value

    def skills(self, value: Iterable[str] | str | None) -> list[str]:
        """Skills as a sorted list of distinct stripped names (comma- or 、-separated text accepted)."""
        items = re.split(r"[,，、;；\n]", value) if isinstance(value, str) else list(value or [])
        out = sorted({s.strip() for s in items if isinstance(s, str) and s.strip()})
        if len(out) > self.max_skills or any(len(s) > SKILL_MAX for s in out):
            raise EmploymentError.INVALID_SKILLS.error(max_skills=self.max_skills, max_length=SKILL_MAX)
        return out

    def closing(self, value: date, today: date) -> date:
        if not today < value <= today + timedelta(days=self.max_open_days):
            raise EmploymentError.INVALID_CLOSING.error(max_days=self.max_open_days)
        return value

    def score(self, *, job_skills: Iterable[str], job_region: str, job_industry: str, job_wage_max_fen: int,
              seeker_skills: Iterable[str], seeker_region: str, seeker_industry: str | None,
              seeker_wage_fen: int | None) -> tuple[int, list[Reason]]:
        """The match score of a job and a seeker and its reasons, each reason with the points it gave: the share of
        the job's skills the seeker has, the same township (or else the same county), the wanted industry, the
        wage expectation met by the job's maximum."""
        w = self.weights
        reasons: list[Reason] = []
        wanted, has = set(job_skills), set(seeker_skills)
        common = sorted(wanted & has)
        if common:
            reasons.append(Reason("skills", round(w.get("skills", 0) * len(common) / len(wanted)), "、".join(common)))
        if job_region[:TOWNSHIP_DIGITS] == seeker_region[:TOWNSHIP_DIGITS]:
            reasons.append(Reason("township", w.get("township", 0)))
        elif job_region[:COUNTY_DIGITS] == seeker_region[:COUNTY_DIGITS]:
            reasons.append(Reason("county", w.get("county", 0)))
        if seeker_industry is not None and seeker_industry == job_industry:
            reasons.append(Reason("industry", w.get("industry", 0)))
        if seeker_wage_fen is not None and seeker_wage_fen <= job_wage_max_fen:
            reasons.append(Reason("wage", w.get("wage", 0)))
        return sum(r.points for r in reasons), reasons
