"""Assessment's to-dos for the service hall (issue #19 scope 4): a task owner's open milestones with their due day
(an overdue one urgent), and for the supervisor the scored runs waiting for review and the reviewed ones waiting
for publication."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.assessment.access import is_manager
from landbridge.assessment.models import AssessmentRun, BoardMilestone, BoardTask
from landbridge.assessment.scoring import PUBLISHED
from landbridge.assessment.tasks import DONE, today
from landbridge.kernel.hall import SOURCE_LIMIT, Todo, due_at_end_of


def todos(session: Session, principal: Any) -> Iterator[Todo]:
    day = today()
    rows = session.execute(
        select(BoardTask, BoardMilestone).join(BoardTask, BoardTask.id == BoardMilestone.task_id)
        .where(BoardTask.owner_org_id == principal.organisation_id, BoardTask.status != DONE,
               BoardMilestone.done_on.is_(None))
        .order_by(BoardMilestone.due_on, BoardMilestone.id).limit(SOURCE_LIMIT))
    for task, milestone in rows:
        yield Todo(kind="assessment.milestone", title_zh=f"任务节点：{task.title}「{milestone.title}」"[:120],
                   title_en=f"Task milestone: {task.title}, '{milestone.title}'"[:120], href=f"/tasks/{task.id}",
                   due=due_at_end_of(milestone.due_on), urgent=milestone.due_on < day)
    if not is_manager(principal):
        return
    runs = session.scalars(select(AssessmentRun).where(AssessmentRun.status != PUBLISHED)
                           .order_by(AssessmentRun.id).limit(SOURCE_LIMIT))
    for run in runs:
        step_zh, step_en = ("审核评分", "Review the scores") if run.status == "scored" else ("发布结果", "Publish")
        yield Todo(kind="assessment.run", title_zh=f"{step_zh}：{run.year} 年考核（{run.subject_kind}）",
                   title_en=f"{step_en}: {run.year} assessment ({run.subject_kind})",
                   href=f"/assessment/runs/{run.id}")
