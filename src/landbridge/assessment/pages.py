"""Assessment and task-board pages (issue #19 scope 4), zh-CN by default, English with ``?lang=en``.

``/assessment`` lists the published results to everyone (and every run to the supervisor and the admin);
``/assessment/runs/{id}`` shows a run's scores with each indicator's value, target and score, adjustments with their
reasons, and its ledger events (an unpublished run only to the managers). ``/tasks`` is the board (挂图作战): a map
of the tasks by place, coloured by flag, and the list by status; ``/tasks/{id}`` a task with its milestones
scheduled backwards from its deadline and its ledger events. The steps are in the API.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landbridge.assessment import access, scoring, tasks
from landbridge.assessment.models import AssessmentRun, BoardTask
from landbridge.assessment.views import board_query, visible_run
from landbridge.auth import Principal, optional_principal
from landbridge.auth.pages import page_caller
from landbridge.cityprofile import get_profile
from landbridge.errors import DomainError
from landbridge.ledger import history_panel
from landbridge.web.i18n import request_locale
from landbridge.web.pages import refuse
from landbridge.web.render import render
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
PAGE_SIZE = 25
KIND_LABELS = {"county": ("区县", "Counties"), "township": ("乡镇", "Townships"), "department": ("部门", "Departments")}
STATUS_LABELS = {"scored": ("已评分待审核", "Scored, awaiting review"), "reviewed": ("已审核待发布", "Reviewed"),
                 "published": ("已发布", "Published"), "planned": ("未开始", "Planned"),
                 "in_progress": ("推进中", "In progress"), "done": ("已完成", "Done")}
FLAG_LABELS = {"on_track": ("按期推进", "On track"), "late": ("逾期（黑旗）", "Late (black flag)"),
               "done": ("已完成（红旗）", "Done (red flag)")}


def _label(table: dict[str, tuple[str, str]], key: str, zh: bool) -> str:
    pair = table.get(key)
    return key if pair is None else pair[0 if zh else 1]


@router.get("/assessment", response_class=Response)
def assessment_page(request: Request, session: Session = Depends(get_session),
                    principal: Principal | None = Depends(optional_principal)) -> Response:
    """Published results to everyone; every run to the managers."""
    zh = request_locale(request) == "zh_CN"
    manager = access.is_manager(principal)
    stmt = select(AssessmentRun)
    if not manager:
        stmt = stmt.where(AssessmentRun.status == scoring.PUBLISHED)
    runs = list(session.scalars(stmt.order_by(AssessmentRun.year.desc(), AssessmentRun.id).limit(60)))
    top = scoring.scores_of(session, [r.id for r in runs])
    return render(request, "assessment/index.html", {
        "zh": zh, "manager": manager,
        "runs": [{"r": r, "kind": _label(KIND_LABELS, r.subject_kind, zh),
                  "status": _label(STATUS_LABELS, r.status, zh),
                  "top": top.get(r.id, [])[:3]} for r in runs]})


@router.get("/assessment/runs/{run_id}", response_class=Response)
def run_page(request: Request, run_id: int, session: Session = Depends(get_session),
             principal: Principal | None = Depends(optional_principal)) -> Response:
    zh = request_locale(request) == "zh_CN"
    try:
        run = visible_run(session, run_id, principal)
    except DomainError as exc:
        return refuse(request, exc)
    rows = scoring.scores(session, run.id)
    return render(request, "assessment/run.html", {
        "zh": zh, "r": run, "kind": _label(KIND_LABELS, run.subject_kind, zh),
        "status": _label(STATUS_LABELS, run.status, zh), "manager": access.is_manager(principal),
        "scores": [{"rank": i + 1, "s": s, "name": s.name_zh if zh else s.name_en,
                    "final": s.adjusted if s.adjusted is not None else s.computed} for i, s in enumerate(rows)],
        "ledger_history": history_panel(session, [scoring.run_subject(run.id)])})


@router.get("/tasks", response_class=Response)
def board_page(request: Request, status: str = Query("", max_length=16),
               page_no: int = Query(1, ge=1, le=100_000, alias="page"), session: Session = Depends(get_session),
               principal: Principal | None = Depends(optional_principal)) -> Response:
    """The board: the map of the caller's tasks and the list, filtered by status, with each task's flag."""
    if principal is None:
        caller: Principal | Response = page_caller(request, principal, access.MANAGERS)
    else:
        caller = principal
    if not isinstance(caller, Principal):
        return caller
    zh = request_locale(request) == "zh_CN"
    stmt = board_query(caller)
    if status:
        stmt = stmt.where(BoardTask.status == status)
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    rows = list(session.scalars(stmt.order_by(BoardTask.deadline, BoardTask.id).limit(PAGE_SIZE)
                                .offset((page_no - 1) * PAGE_SIZE)))
    late = tasks.late_task_ids(session, [t.id for t in rows])
    flags = {t.id: tasks.flag(t, t.id in late) for t in rows}
    profile = get_profile()
    config = {"api": "/api/v1/tasks/map", "view": {"center": list(profile.map_center), "zoom": profile.map_zoom},
              "colours": {"on_track": "#2e7d32", "late": "#212121", "done": "#c62828"},
              "labels": {k: _label(FLAG_LABELS, k, zh) for k in FLAG_LABELS},
              "failed": "任务地图加载失败" if zh else "The task map could not be loaded"}
    return render(request, "assessment/board.html", {
        "zh": zh, "total": total, "page": page_no, "pages": max(1, -(-total // PAGE_SIZE)), "status": status,
        "states": [(k, _label(STATUS_LABELS, k, zh)) for k in (tasks.PLANNED, tasks.IN_PROGRESS, tasks.DONE)],
        "tasks": [{"t": t, "flag": flags[t.id], "flag_label": _label(FLAG_LABELS, flags[t.id], zh),
                   "status": _label(STATUS_LABELS, t.status, zh)} for t in rows],
        "legend": config["labels"], "colours": config["colours"], "config": json.dumps(config, ensure_ascii=False)})


@router.get("/tasks/{task_id}", response_class=Response)
def task_page(request: Request, task_id: int, session: Session = Depends(get_session),
              principal: Principal | None = Depends(optional_principal)) -> Response:
    if principal is None:
        return page_caller(request, principal, access.MANAGERS)
    zh = request_locale(request) == "zh_CN"
    try:
        task = tasks.get_task(session, task_id)
        access.may_update(principal, task)
    except DomainError as exc:
        return refuse(request, exc)
    day = tasks.today()
    late = bool(tasks.late_task_ids(session, [task.id]))
    return render(request, "assessment/task.html", {
        "zh": zh, "t": task, "status": _label(STATUS_LABELS, task.status, zh),
        "flag": _label(FLAG_LABELS, tasks.flag(task, late), zh),
        "milestones": [{"m": m, "late": m.done_on is None and m.due_on < day} for m in tasks.milestones(session,
                                                                                                       task.id)],
        "ledger_history": history_panel(session, [tasks.task_subject(task.id)])})
