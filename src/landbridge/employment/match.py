"""Matching with reasons (人岗匹配, issue #20 item 4, requirement E2): for a job, the consenting seekers ranked by a
transparent score; for a seeker, the open jobs. Each match lists its reasons with the points they gave (skills in
common, same township or county, wanted industry, wage expectation met); the weights and the lowest score listed
are the rule set ``employment`` (``match_weights``, ``match_min_score``). A seeker without consent is never a
candidate (filtered in the query, so a withdrawal hides them at once)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.employment.models import EmploymentJob, JobSeeker
from landbridge.employment.rules import EmploymentRules, JobStatus, Reason
from landbridge.employment.service import employment_rules, today

CANDIDATES_MAX = 2000  # rows scored per request; the list shown is cut to ``limit``


@dataclass(frozen=True)
class Match:
    job: EmploymentJob
    seeker: JobSeeker
    score: int
    reasons: tuple[Reason, ...]


def _score(rules: EmploymentRules, job: EmploymentJob, seeker: JobSeeker) -> Match:
    points, reasons = rules.score(job_skills=job.skills, job_region=job.region_code, job_industry=job.industry,
                                  job_wage_max_fen=job.wage_max_fen, seeker_skills=seeker.skills,
                                  seeker_region=seeker.region_code, seeker_industry=seeker.industry,
                                  seeker_wage_fen=seeker.wage_expect_fen)
    return Match(job, seeker, points, tuple(reasons))


def candidates(session: Session) -> list[JobSeeker]:
    """The consenting seekers scored against a job (at most ``CANDIDATES_MAX``); a page matching several jobs reads
    them once and passes them to ``seekers_for``."""
    return list(session.scalars(select(JobSeeker).where(JobSeeker.consent.is_(True))
                                .order_by(JobSeeker.id).limit(CANDIDATES_MAX)))


def seekers_for(session: Session, job: EmploymentJob, *, limit: int = 50, rules: EmploymentRules | None = None,
                pool: Sequence[JobSeeker] | None = None) -> list[Match]:
    """The consenting seekers for ``job``, best first (ties: the earliest registered); ``rules`` and ``pool`` (from
    ``candidates``) when the caller already holds them."""
    rules = rules or employment_rules()
    rows = candidates(session) if pool is None else pool
    found = [m for m in (_score(rules, job, s) for s in rows) if m.score >= rules.min_score]
    return sorted(found, key=lambda m: (-m.score, m.seeker.id))[:limit]


def jobs_for(session: Session, seeker: JobSeeker, *, limit: int = 50) -> list[Match]:
    """The published, still open jobs for ``seeker``, best first (ties: the soonest closing)."""
    rules = employment_rules()
    rows = session.scalars(select(EmploymentJob).where(EmploymentJob.status == JobStatus.published.value,
                                                       EmploymentJob.closes_on >= today())
                           .order_by(EmploymentJob.id).limit(CANDIDATES_MAX))
    found = [m for m in (_score(rules, j, seeker) for j in rows) if m.score >= rules.min_score]
    return sorted(found, key=lambda m: (-m.score, m.job.closes_on, m.job.id))[:limit]
