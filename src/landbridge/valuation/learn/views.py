"""Learned benchmark coefficient tables (差别化地价修正): API and bureau page (L1, issue #4 item 5).

The natural-resources bureau of the system's area learns what a benchmark system's base prices and
factor tables should be from the sales record (``POST /api/v1/valuation/benchmark/{code}/learn``, as it
imports systems); the bureau and supervisors of that area read a run (``GET
/api/v1/valuation/learned/{run_id}``) and the page ``/valuation/benchmark/{code}/learned`` (official
next to learned, differences beyond the threshold highlighted, n in every cell, each use a GB/T 21010
class shown with its name in the page language). zh-CN by default,
English with ``?lang=en`` (English source text, Chinese from valuation's catalogue).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Body, Depends, Form, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from landbridge.auth import Principal, Role, check_region, optional_principal, require_roles
from landbridge.auth.pages import page_caller
from landbridge.errors import DomainError
from landbridge.registry import land_use_label
from landbridge.valuation.benchmark.service import get_benchmark_system
from landbridge.valuation.errors import ValuationError
from landbridge.valuation.i18n import messages, words
from landbridge.valuation.learn import service as learn_service
from landbridge.valuation.learn.models import LearnRun
from landbridge.web.i18n import request_locale, translator
from landbridge.web.pages import PageKit
from landbridge.web.render import render_error
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(route_class=TransactionalRoute)
bureau = require_roles(Role.nr_official)
READERS = (Role.nr_official, Role.supervisor)
reader = require_roles(*READERS)
PAGE = "/valuation/benchmark/{code}/learned"

EXCLUDED_LABELS = {"related_parties": "related parties", "flagged": "flagged non-market", "no_location": "no location",
                   "no_zone": "no price zone", "no_use": "no benchmark use", "unusable": "unusable"}


class LearnRequest(BaseModel):
    """The sales window of a learning (default: ``learn_window_years`` up to today)."""

    model_config = ConfigDict(extra="forbid")

    since: date | None = None
    until: date | None = None


def _system_of_area(session: Session, principal: Principal, code: str) -> None:
    check_region(principal, get_benchmark_system(session, code).region_code)


@router.post("/api/v1/valuation/benchmark/{code}/learn", status_code=201, tags=["valuation"])
def learn_coefficients(code: str, body: LearnRequest | None = Body(None), principal: Principal = Depends(bureau),
                       session: Session = Depends(get_session)) -> dict[str, Any]:
    """Learn a benchmark system's tables from validated market sales and store the run (bureau of its area) (L1)."""
    _system_of_area(session, principal, code)
    window = body or LearnRequest()
    run = learn_service.learn_benchmark_coefficients(session, code, actor=principal.actor, since=window.since,
                                                     until=window.until)
    return learn_service.learn_run_json(session, run)


@router.get("/api/v1/valuation/learned/{run_id}", tags=["valuation"])
def learned_run(run_id: int, principal: Principal = Depends(reader),
                session: Session = Depends(get_session)) -> dict[str, Any]:
    """A learning run: official and learned base prices and factor grades, n and flags (bureau, supervisors) (L1)."""
    run = learn_service.get_learn_run(session, run_id)
    _system_of_area(session, principal, run.system_code)
    return learn_service.learn_run_json(session, run)


# --- the page ----------------------------------------------------------------------------------------

KIT = PageKit(words=messages("zh_CN", "learn"))
page_translator = KIT.translator


def _run_for(session: Session, code: str, run_id: int | None) -> LearnRun | None:
    if run_id is None:
        return learn_service.latest_learn_run(session, code)
    run = learn_service.get_learn_run(session, run_id)
    if run.system_code != code:
        raise ValuationError.LEARN_RUN_OTHER_SYSTEM.error(id=run_id, benchmark=code)
    return run


def factor_groups(factors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A run's factor grades grouped by table (use, zone grade, name), in the order they were learned."""
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    for g in factors:
        key = (g["use"], g["zone_grade"], g["name"])
        groups.setdefault(key, {"use": g["use"], "zone_grade": g["zone_grade"], "name": g["name"],
                                "label": g["label"], "kind": g["kind"], "grades": []})["grades"].append(g)
    return list(groups.values())


@router.get(PAGE, include_in_schema=False)
def learned_page(request: Request, code: str, run_id: int | None = Query(None, ge=1),
                 session: Session = Depends(get_session),
                 principal: Principal | None = Depends(optional_principal)) -> Response:
    """Official next to learned benchmark tables of a system, differences highlighted (bureau, supervisors) (L1)."""
    who = page_caller(request, principal, READERS)
    if isinstance(who, Response):
        return who
    try:
        system = get_benchmark_system(session, code)
        check_region(who, system.region_code)
        run = _run_for(session, code, run_id)
    except DomainError as exc:
        return render_error(request, exc.http_status, exc.to_dict())
    _ = page_translator(request)
    names = translator(request_locale(request))
    data = learn_service.learn_run_json(session, run) if run is not None else None
    excluded = [(_(EXCLUDED_LABELS.get(k, k)), v) for k, v in ((data or {}).get("parameters", {}).get("excluded")
                                                               or {}).items() if v]
    return KIT.page(request, "valuation/learned.html", {
        "system": system, "run": data,
        # "0702 农村宅基地": the platform's GB/T 21010 names; a use that is no class is shown as it is
        "use_label": lambda use: land_use_label(use, names),
        "tables": [t for t in factor_groups(data["factors"]) if any(g["n"] for g in t["grades"])] if data else [],
        "quiet_tables": [t for t in factor_groups(data["factors"]) if not any(g["n"] for g in t["grades"])]
        if data else [],
        "bases": [b for b in data["base_prices"] if b["n"]] if data else [],
        "quiet_bases": [b for b in data["base_prices"] if not b["n"]] if data else [],
        "excluded": excluded, "can_learn": who.role == Role.nr_official,
        "threshold": None if data is None else f"{float(data['parameters']['difference_threshold']) * 100:g}",
        "min_sales": None if data is None else data["parameters"]["min_sales"]})


@router.post(PAGE, include_in_schema=False)
def learn_form(request: Request, code: str, csrf: str = Form(""), since: str = Form(""), until: str = Form(""),
               session: Session = Depends(get_session),
               principal: Principal | None = Depends(optional_principal)) -> Response:
    """Learn from the page (bureau of the system's area); the page of the new run follows (L1)."""
    who = page_caller(request, principal, (Role.nr_official,))
    if isinstance(who, Response):
        return who
    target = PAGE.format(code=code)
    learned: list[int] = []

    def learn() -> tuple[str, str]:
        _system_of_area(session, who, code)
        try:
            start = date.fromisoformat(since) if since else None
            end = date.fromisoformat(until) if until else None
        except ValueError:
            raise ValuationError.LEARN_BAD_WINDOW_2.error() from None
        run = learn_service.learn_benchmark_coefficients(session, code, actor=who.actor, since=start, until=end)
        learned.append(run.id)
        data = learn_service.learn_run_json(session, run)
        flagged = sum(b["flagged"] for b in data["base_prices"]) + sum(g["flagged"] for g in data["factors"])
        return (words("zh_CN", "learn")("Learned {sales} sales: {flagged} cells beyond the threshold.",
                    sales=run.sale_count, flagged=flagged),
                f"Learned {run.sale_count} sales: {flagged} cells beyond the threshold.")

    return KIT.act(request, session, learn, target, csrf=csrf, refused=lambda exc: exc.http_status in (403, 404),
                   then=lambda: f"{target}?run_id={learned[0]}")
