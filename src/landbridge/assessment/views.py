"""Assessment and task-board JSON API (issue #19 scope 4): /api/v1/assessment (sets, runs, scores, adjustment,
review, publication, public results) and /api/v1/tasks (the board, its map layer, progress, milestones, done).

Permissions (``access``): published results are public; an unpublished run is 404 to anyone but the supervisor and
the admin, who manage both. A task is seen and updated by its owner organisation's users and the managers; other
callers get 403 ``assessment.not_owner``, anonymous callers 401.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landbridge.assessment import access, scoring, tasks
from landbridge.assessment.errors import AssessmentError
from landbridge.assessment.models import AssessmentRun, AssessmentScore, BoardMilestone, BoardTask
from landbridge.assessment.sets import SUBJECT_KINDS, all_sets
from landbridge.auth import Principal, current_principal, optional_principal, require_roles
from landbridge.kernel.bounds import Id
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(route_class=TransactionalRoute)
manager = require_roles(*access.MANAGERS)
A, T = "/api/v1/assessment", "/api/v1/tasks"
PAGE_MAX = 100


def _actor(p: Principal) -> str:
    return f"user:{p.user_id}:{p.role.value}"


def run_json(r: AssessmentRun) -> dict[str, Any]:
    return {"id": r.id, "year": r.year, "subject_kind": r.subject_kind, "status": r.status,
            "set_version": r.set_version, "set_digest": r.set_digest, "code_version": r.code_version,
            "as_of": r.as_of.isoformat(), "published_at": r.published_at.isoformat() if r.published_at else None,
            "ledger_seq": r.ledger_seq}


def score_json(s: AssessmentScore) -> dict[str, Any]:
    final = s.adjusted if s.adjusted is not None else s.computed
    return {"subject": s.subject_code, "name_zh": s.name_zh, "name_en": s.name_en, "computed": str(s.computed),
            "adjusted": None if s.adjusted is None else str(s.adjusted), "final": str(final), "reason": s.reason,
            "details": s.details}


def visible_run(session: Session, run_id: int, principal: Principal | None) -> AssessmentRun:
    """A published run to anyone; an unpublished one only to the managers (404 to others: it is not public)."""
    run = scoring.get_run(session, run_id)
    if run.status != scoring.PUBLISHED and not access.is_manager(principal):
        raise AssessmentError.RUN_NOT_FOUND.error(run_id=run_id)
    return run


class RunIn(BaseModel):
    year: int = Field(ge=2000, le=2100)
    subject_kind: str = Field(max_length=16)
    as_of: date | None = None


class AdjustIn(BaseModel):
    score: Decimal = Field(ge=0, le=1000, max_digits=7, decimal_places=2)
    reason: str = Field(min_length=1, max_length=scoring.REASON_MAX)


@router.get(f"{A}/sets", tags=["assessment"])
def list_sets(session: Session = Depends(get_session)) -> list[dict[str, Any]]:
    """The yearly assessment sets (public definitions with the source of each value)."""
    return [{"version": s.version, "year": s.year, "subject_kind": s.subject_kind,
             "effective_from": s.effective_from.isoformat(), "digest": s.digest, "source": s.source,
             "full": str(s.full), "cap": str(s.cap), "best": str(s.best), "worst": str(s.worst),
             "items": [{"indicator": i.indicator, "weight": str(i.weight), "target": str(i.target),
                        "direction": i.direction, "method": i.method, "source": i.source} for i in s.items]}
            for s in all_sets(scoring.today())]


@router.post(f"{A}/runs", tags=["assessment"], status_code=201)
def create_run(body: RunIn, session: Session = Depends(get_session),
               principal: Principal = Depends(manager)) -> dict[str, Any]:
    if body.subject_kind not in SUBJECT_KINDS:
        raise AssessmentError.NO_SET.error(year=body.year, subject_kind=body.subject_kind)
    run = scoring.score_year(session, year=body.year, subject_kind=body.subject_kind, actor=_actor(principal),
                             as_of=body.as_of)
    return {**run_json(run), "scores": [score_json(s) for s in scoring.scores(session, run.id)]}


@router.get(f"{A}/runs", tags=["assessment"])
def list_runs(offset: int = Query(0, ge=0, le=100_000), limit: int = Query(20, ge=1, le=PAGE_MAX),
              session: Session = Depends(get_session),
              principal: Principal | None = Depends(optional_principal)) -> dict[str, Any]:
    """The runs: every run to the managers, the published ones to everyone else."""
    stmt = select(AssessmentRun)
    if not access.is_manager(principal):
        stmt = stmt.where(AssessmentRun.status == scoring.PUBLISHED)
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    rows = session.scalars(stmt.order_by(AssessmentRun.year.desc(), AssessmentRun.id).offset(offset).limit(limit))
    return {"total": total, "items": [run_json(r) for r in rows]}


@router.get(f"{A}/results", tags=["assessment"])
def results(session: Session = Depends(get_session)) -> list[dict[str, Any]]:
    """The published results (public): each published run with its subjects' final scores."""
    runs = scoring.published_runs(session)
    found = scoring.scores_of(session, [r.id for r in runs])
    return [{**run_json(r), "scores": [score_json(s) for s in found.get(r.id, [])]} for r in runs]


@router.get(f"{A}/runs/{{run_id}}", tags=["assessment"])
def get_run(run_id: int, session: Session = Depends(get_session),
            principal: Principal | None = Depends(optional_principal)) -> dict[str, Any]:
    run = visible_run(session, run_id, principal)
    return {**run_json(run), "scores": [score_json(s) for s in scoring.scores(session, run.id)]}


@router.post(f"{A}/runs/{{run_id}}/scores/{{subject}}/adjust", tags=["assessment"])
def adjust(run_id: int, subject: str, body: AdjustIn, session: Session = Depends(get_session),
           principal: Principal = Depends(manager)) -> dict[str, Any]:
    return score_json(scoring.adjust_score(session, run_id, subject[:40], score=body.score, reason=body.reason,
                                           actor=_actor(principal)))


@router.post(f"{A}/runs/{{run_id}}/review", tags=["assessment"])
def review(run_id: int, session: Session = Depends(get_session),
           principal: Principal = Depends(manager)) -> dict[str, Any]:
    return run_json(scoring.review(session, run_id, actor=_actor(principal)))


@router.post(f"{A}/runs/{{run_id}}/publish", tags=["assessment"])
def publish(run_id: int, session: Session = Depends(get_session),
            principal: Principal = Depends(manager)) -> dict[str, Any]:
    return run_json(scoring.publish(session, run_id, actor=_actor(principal)))


def task_json(t: BoardTask, ms: list[BoardMilestone], late: bool) -> dict[str, Any]:
    return {"id": t.id, "title": t.title, "owner_org_id": t.owner_org_id, "owner": t.owner_name,
            "region_code": t.region_code, "lon": t.lon, "lat": t.lat, "status": t.status, "flag": tasks.flag(t, late),
            "progress": t.progress, "note": t.note, "starts_on": t.starts_on.isoformat(),
            "deadline": t.deadline.isoformat(), "done_on": t.done_on.isoformat() if t.done_on else None,
            "milestones": [{"id": m.id, "seq": m.seq, "title": m.title, "workdays": m.workdays,
                            "due_on": m.due_on.isoformat(), "done_on": m.done_on.isoformat() if m.done_on else None}
                           for m in ms]}


class MilestoneIn(BaseModel):
    title: str = Field(min_length=1, max_length=tasks.TEXT_MAX)
    workdays: int = Field(ge=1, le=tasks.MAX_WORKDAYS)


class TaskIn(BaseModel):
    title: str = Field(min_length=1, max_length=tasks.TEXT_MAX)
    owner_org_id: Id
    region_code: str = Field(pattern=r"^\d{12}$")
    deadline: date
    milestones: list[MilestoneIn] = Field(min_length=1, max_length=tasks.MAX_MILESTONES)
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)


class ProgressIn(BaseModel):
    progress: int = Field(ge=0, le=99)
    note: str = Field(min_length=1, max_length=tasks.NOTE_MAX)


def board_query(principal: Principal) -> Any:
    """The tasks the caller sees: all of them for a manager, their organisation's otherwise."""
    stmt = select(BoardTask)
    if not access.is_manager(principal):
        stmt = stmt.where(BoardTask.owner_org_id == principal.organisation_id)
    return stmt


@router.post(T, tags=["tasks"], status_code=201)
def create_task(body: TaskIn, session: Session = Depends(get_session),
                principal: Principal = Depends(manager)) -> dict[str, Any]:
    task = tasks.create_task(session, title=body.title, owner_org_id=body.owner_org_id,
                             region_code=body.region_code, deadline=body.deadline,
                             plan=[(m.title, m.workdays) for m in body.milestones], actor=_actor(principal),
                             lon=body.lon, lat=body.lat)
    return task_json(task, tasks.milestones(session, task.id), False)


@router.get(T, tags=["tasks"])
def list_tasks(status: str = Query("", max_length=16), offset: int = Query(0, ge=0, le=100_000),
               limit: int = Query(20, ge=1, le=PAGE_MAX), session: Session = Depends(get_session),
               principal: Principal = Depends(current_principal)) -> dict[str, Any]:
    stmt = board_query(principal)
    if status:
        stmt = stmt.where(BoardTask.status == status)
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    rows = list(session.scalars(stmt.order_by(BoardTask.deadline, BoardTask.id).offset(offset).limit(limit)))
    late = tasks.late_task_ids(session, [t.id for t in rows])
    steps = tasks.milestones_of(session, [t.id for t in rows])
    return {"total": total, "items": [task_json(t, steps.get(t.id, []), t.id in late) for t in rows]}


@router.get(f"{T}/map", tags=["tasks"])
def task_map(session: Session = Depends(get_session),
             principal: Principal = Depends(current_principal)) -> dict[str, Any]:
    """The caller's tasks with a point as GeoJSON, each with its board colour (``flag``)."""
    rows = list(session.scalars(board_query(principal).where(BoardTask.lon.is_not(None))
                                .order_by(BoardTask.id).limit(1000)))
    late = tasks.late_task_ids(session, [t.id for t in rows])
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [t.lon, t.lat]},
         "properties": {"id": t.id, "title": t.title, "owner": t.owner_name, "status": t.status,
                        "flag": tasks.flag(t, t.id in late), "progress": t.progress,
                        "deadline": t.deadline.isoformat(), "href": f"/tasks/{t.id}"}} for t in rows]}


@router.get(f"{T}/{{task_id}}", tags=["tasks"])
def get_task(task_id: int, session: Session = Depends(get_session),
             principal: Principal = Depends(current_principal)) -> dict[str, Any]:
    task = tasks.get_task(session, task_id)
    access.may_update(principal, task)
    return task_json(task, tasks.milestones(session, task.id), bool(tasks.late_task_ids(session, [task.id])))


@router.post(f"{T}/{{task_id}}/progress", tags=["tasks"])
def progress(task_id: int, body: ProgressIn, session: Session = Depends(get_session),
             principal: Principal = Depends(current_principal)) -> dict[str, Any]:
    access.may_update(principal, tasks.get_task(session, task_id))
    task = tasks.record_progress(session, task_id, progress=body.progress, note=body.note, actor=_actor(principal))
    return task_json(task, tasks.milestones(session, task.id), bool(tasks.late_task_ids(session, [task.id])))


@router.post(f"{T}/milestones/{{milestone_id}}/done", tags=["tasks"])
def milestone_done(milestone_id: int, session: Session = Depends(get_session),
                   principal: Principal = Depends(current_principal)) -> dict[str, Any]:
    found = session.get(BoardMilestone, milestone_id)
    if found is None:
        raise AssessmentError.MILESTONE_NOT_FOUND.error(milestone_id=milestone_id)
    access.may_update(principal, tasks.get_task(session, found.task_id))
    m = tasks.complete_milestone(session, milestone_id, actor=_actor(principal))
    return {"id": m.id, "task_id": m.task_id, "seq": m.seq, "done_on": m.done_on.isoformat() if m.done_on else None}


@router.post(f"{T}/{{task_id}}/done", tags=["tasks"])
def task_done(task_id: int, session: Session = Depends(get_session),
              principal: Principal = Depends(current_principal)) -> dict[str, Any]:
    access.may_update(principal, tasks.get_task(session, task_id))
    task = tasks.complete_task(session, task_id, actor=_actor(principal))
    return task_json(task, tasks.milestones(session, task.id), False)
