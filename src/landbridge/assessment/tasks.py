"""The task board (挂图作战 / 倒排工期, issue #19 scope 4; P2, S2, S91): the plan's tasks with their owner organisation
(责任单位), place, final deadline and milestones scheduled backwards from it in working days; progress updates,
milestones done, the task done; and the worker's overdue alerts. Services never commit.

Each step is a named, self-guarding transition: checks first (typed ``AssessmentError``), a conditional UPDATE on
the task's status and version, a ledger event in the same transaction. ``flag`` gives the board's colour (research
/supervision.md §3: red flag for done, black for late): ``done``, ``late`` or ``on_track``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from landbridge import auth, notices
from landbridge.assessment.errors import AssessmentError
from landbridge.assessment.models import BoardMilestone, BoardTask
from landbridge.assessment.rules import schedule_backwards
from landbridge.cityprofile.loader import get_profile
from landbridge.kernel import workdays
from landbridge.kernel.clock import now, to_local
from landbridge.ledger import append_event, subjects

MODULE = "assessment"
PLANNED, IN_PROGRESS, DONE = "planned", "in_progress", "done"
MOVES = {PLANNED: (IN_PROGRESS, DONE), IN_PROGRESS: (IN_PROGRESS, DONE), DONE: ()}
MAX_MILESTONES = 12
MAX_WORKDAYS = 500  # one milestone's duration: about two working years (a bounded input, not policy)
TEXT_MAX = 200
NOTE_MAX = 500
ALERT_BATCH = 200
WORKER = "system:assessment-worker"


def today() -> date:
    return to_local(now()).date()


def task_subject(task_id: int) -> str:
    return subjects.subject("assessment_task", task_id)


def _text(value: str, field: str, limit: int = TEXT_MAX) -> str:
    text = (value or "").strip()
    if not text or len(text) > limit:
        raise AssessmentError.INVALID_TEXT.error(field=field, max_length=limit)
    return text


def _is_workday(day: date) -> bool:
    try:
        return workdays.is_workday(day)
    except workdays.CalendarNotCovered:
        raise AssessmentError.INVALID_SCHEDULE.error(reason=f"no holiday calendar for {day.year}") from None


def get_task(session: Session, task_id: int) -> BoardTask:
    task = session.get(BoardTask, task_id)
    if task is None:
        raise AssessmentError.TASK_NOT_FOUND.error(task_id=task_id)
    return task


def milestones(session: Session, task_id: int) -> list[BoardMilestone]:
    return list(session.scalars(select(BoardMilestone).where(BoardMilestone.task_id == task_id)
                                .order_by(BoardMilestone.seq)))


def flag(task: BoardTask, late: bool) -> str:
    """The board's colour of a task: ``done``, ``late`` (a milestone or the deadline passed) or ``on_track``."""
    if task.status == DONE:
        return "done"
    return "late" if late or task.deadline < today() else "on_track"


def milestones_of(session: Session, task_ids: Sequence[int]) -> dict[int, list[BoardMilestone]]:
    """The milestones of several tasks in one query (a page of the board), each task's in order."""
    out: dict[int, list[BoardMilestone]] = {}
    if task_ids:
        for m in session.scalars(select(BoardMilestone).where(BoardMilestone.task_id.in_(task_ids))
                                 .order_by(BoardMilestone.task_id, BoardMilestone.seq)):
            out.setdefault(m.task_id, []).append(m)
    return out


def late_task_ids(session: Session, task_ids: Sequence[int]) -> set[int]:
    """Which of ``task_ids`` have a milestone past due and not done."""
    if not task_ids:
        return set()
    return set(session.scalars(select(BoardMilestone.task_id).where(
        BoardMilestone.task_id.in_(task_ids), BoardMilestone.done_on.is_(None), BoardMilestone.due_on < today())))


def create_task(session: Session, *, title: str, owner_org_id: int, region_code: str, deadline: date,
                plan: Sequence[tuple[str, int]], actor: str, lon: float | None = None,
                lat: float | None = None) -> BoardTask:
    """Put a task on the board with its milestones (title, working days) scheduled backwards from ``deadline``."""
    title = _text(title, "title")
    profile = get_profile()
    region = profile.region(region_code) if len(region_code or "") == 12 else None
    if region is None:
        raise AssessmentError.INVALID_PLACE.error(reason=f"unknown region {str(region_code)[:12]}")
    if (lon is None) != (lat is None) or (lon is not None and lat is not None and not (
            profile.extent[0] <= lon <= profile.extent[2] and profile.extent[1] <= lat <= profile.extent[3])):
        raise AssessmentError.INVALID_PLACE.error(reason="the point must lie in the city")
    name = auth.organisation_names(session, [owner_org_id]).get(owner_org_id)
    if name is None:
        raise AssessmentError.OWNER_NOT_FOUND.error(organisation_id=owner_org_id)
    if not 1 <= len(plan) <= MAX_MILESTONES or any(not 1 <= d <= MAX_WORKDAYS for _, d in plan):
        raise AssessmentError.INVALID_SCHEDULE.error(
            reason=f"1 to {MAX_MILESTONES} milestones of 1 to {MAX_WORKDAYS} working days each")
    if deadline <= today():
        raise AssessmentError.INVALID_SCHEDULE.error(reason="the deadline must be after today")
    titles = [_text(t, "milestone") for t, _ in plan]
    start, dues = schedule_backwards(deadline, [d for _, d in plan], _is_workday)
    task = BoardTask(title=title, owner_org_id=owner_org_id, owner_name=name, region_code=region.code, lon=lon,
                     lat=lat, starts_on=start, deadline=deadline, progress=0, status=PLANNED, version=1,
                     created_at=now(), created_by=actor)
    session.add(task)
    session.flush()
    for seq, (text, (_, days), due) in enumerate(zip(titles, plan, dues, strict=True), start=1):
        session.add(BoardMilestone(task_id=task.id, seq=seq, title=text, workdays=days, due_on=due))
    event = append_event(session, module=MODULE, event_type="task_created", subject=task_subject(task.id),
                         actor=actor, payload={"title": title, "owner": name, "region_code": region.code,
                                               "starts_on": start.isoformat(), "deadline": deadline.isoformat(),
                                               "milestones": [d.isoformat() for d in dues]})
    task.ledger_seq = event.seq
    session.flush()
    return task


def _move(session: Session, task: BoardTask, target: str, action: str, **values: Any) -> None:
    if target not in MOVES[task.status]:
        raise AssessmentError.INVALID_TRANSITION.error(status=task.status, what="task", action=action)
    t = BoardTask
    done = session.execute(update(t).where(t.id == task.id, t.status == task.status, t.version == task.version)
                           .values(status=target, version=t.version + 1, **values)
                           .execution_options(synchronize_session=False))
    if getattr(done, "rowcount", 0) != 1:
        raise AssessmentError.INVALID_TRANSITION.error(status=task.status, what="task", action=action)
    session.refresh(task)


def record_progress(session: Session, task_id: int, *, progress: int, note: str, actor: str) -> BoardTask:
    """The owner reports progress in per cent with a note (→ ``in_progress``); progress never goes back."""
    task = get_task(session, task_id)
    note = _text(note, "note", NOTE_MAX)
    if not task.progress <= progress <= 99:
        raise AssessmentError.INVALID_SCHEDULE.error(reason=f"progress must be {task.progress} to 99 per cent")
    _move(session, task, IN_PROGRESS, "updated", progress=progress, note=note)
    append_event(session, module=MODULE, event_type="task_progress", subject=task_subject(task.id), actor=actor,
                 payload={"progress": progress, "note": note})
    return task


def complete_milestone(session: Session, milestone_id: int, *, actor: str) -> BoardMilestone:
    """The owner marks a milestone done today (once; the task moves to ``in_progress``)."""
    found = session.get(BoardMilestone, milestone_id)
    if found is None:
        raise AssessmentError.MILESTONE_NOT_FOUND.error(milestone_id=milestone_id)
    task = get_task(session, found.task_id)
    day = today()
    if task.status == DONE:
        raise AssessmentError.INVALID_TRANSITION.error(status=task.status, what="task", action="updated")
    m = BoardMilestone
    done = session.execute(update(m).where(m.id == found.id, m.done_on.is_(None)).values(done_on=day)
                           .execution_options(synchronize_session=False))
    if getattr(done, "rowcount", 0) != 1:
        raise AssessmentError.INVALID_TRANSITION.error(status="done", what="milestone", action="completed")
    _move(session, task, IN_PROGRESS, "updated")
    session.refresh(found)
    append_event(session, module=MODULE, event_type="task_milestone_done", subject=task_subject(task.id),
                 actor=actor, payload={"milestone": found.seq, "title": found.title, "due_on": found.due_on.isoformat(),
                                       "done_on": day.isoformat(), "late": day > found.due_on})
    return found


def complete_task(session: Session, task_id: int, *, actor: str) -> BoardTask:
    """The task is done (every milestone done first): progress 100 per cent."""
    task = get_task(session, task_id)
    left = int(session.scalar(select(func.count()).select_from(BoardMilestone).where(
        BoardMilestone.task_id == task.id, BoardMilestone.done_on.is_(None))) or 0)
    if left:
        raise AssessmentError.MILESTONES_OPEN.error(task_id=task.id, open=left)
    day = today()
    _move(session, task, DONE, "completed", progress=100, done_on=day)
    append_event(session, module=MODULE, event_type="task_done", subject=task_subject(task.id), actor=actor,
                 payload={"done_on": day.isoformat(), "deadline": task.deadline.isoformat(),
                          "late": day > task.deadline})
    return task


def alert_overdue(session: Session, *, batch: int = ALERT_BATCH) -> int:
    """The worker: alert each overdue milestone of an open task once (a conditional UPDATE on ``alerted_at``), with
    a ledger event and a notice to the owner organisation's users; returns how many alerts it fired."""
    day = today()
    rows = session.execute(
        select(BoardTask, BoardMilestone).join(BoardTask, BoardTask.id == BoardMilestone.task_id)
        .where(BoardMilestone.done_on.is_(None), BoardMilestone.due_on < day, BoardMilestone.alerted_at.is_(None),
               BoardTask.status != DONE)
        .order_by(BoardMilestone.due_on, BoardMilestone.id).limit(batch)).all()
    fired = 0
    for task, milestone in rows:
        m = BoardMilestone
        done = session.execute(update(m).where(m.id == milestone.id, m.alerted_at.is_(None), m.done_on.is_(None))
                               .values(alerted_at=now()).execution_options(synchronize_session=False))
        if getattr(done, "rowcount", 0) != 1:
            continue
        late = (day - milestone.due_on).days
        append_event(session, module=MODULE, event_type="task_milestone_overdue", subject=task_subject(task.id),
                     actor=WORKER, payload={"milestone": milestone.seq, "due_on": milestone.due_on.isoformat(),
                                            "days_late": late})
        notices.send(session, user_ids=auth.user_ids_of_organisations(session, [task.owner_org_id]), module=MODULE,
                     kind="task_overdue",
                     title_zh=f"任务节点逾期：{task.title}「{milestone.title}」已超期 {late} 天"[:200],
                     title_en=f"Task milestone overdue: {task.title}, '{milestone.title}', {late} days late"[:200],
                     href=f"/tasks/{task.id}", dedupe_key=f"assessment.task_overdue:{milestone.id}")
        fired += 1
    session.flush()
    return fired
