"""Employment's to-dos for the service hall (issue #20 items 1 and 4): the officer's jobs waiting for review, an
employer's applications waiting for its decision."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select

from landbridge.employment.models import EmploymentJob, JobApplication
from landbridge.employment.rules import ApplicationStatus, JobStatus
from landbridge.kernel.hall import SOURCE_LIMIT, Todo


def todos(session: Any, principal: Any) -> Iterator[Todo]:
    role = str(getattr(principal.role, "value", principal.role))
    if role == "employment_officer":
        rows = session.scalars(select(EmploymentJob).where(EmploymentJob.status == JobStatus.submitted.value)
                               .order_by(EmploymentJob.id).limit(SOURCE_LIMIT))
        for j in rows:
            yield Todo(kind="employment.review", title_zh=f"岗位“{j.title}”待审核",
                       title_en=f"Job “{j.title}” to review", href="/employment/desk")
    if role == "employer":
        rows = session.execute(select(JobApplication.job_id, func.count()).where(
            JobApplication.employer_id == principal.organisation_id,
            JobApplication.status == ApplicationStatus.applied.value)
            .group_by(JobApplication.job_id).order_by(JobApplication.job_id).limit(SOURCE_LIMIT)).all()
        for job_id, n in rows:
            yield Todo(kind="employment.applications", title_zh=f"岗位 #{job_id} 有 {n} 份求职申请待处理",
                       title_en=f"Job #{job_id}: {n} application(s) to decide", href="/employment/desk")
