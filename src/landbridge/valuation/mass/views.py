"""Mass appraisal API: valuation runs with their ratio study, a parcel's value with its explanation (L1, F1)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from landbridge.auth import Principal, Role, require_roles
from landbridge.kernel.bounds import Day
from landbridge.valuation.mass import jobs
from landbridge.valuation.mass import service as mass_service
from landbridge.valuation.mass.models import HOLDOUT_SHARE, MassRun
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(prefix="/api/v1/valuation", tags=["valuation"], route_class=TransactionalRoute)

reader = require_roles(Role.nr_official, Role.bank_officer)
bureau = require_roles(Role.nr_official)


class RunRequest(BaseModel):
    """What the bureau asks of a revaluation: the valuation date, the method, the seed, the holdout, the area."""

    model_config = ConfigDict(extra="forbid")

    valuation_date: Day
    method: Literal["gbm", "hedonic"] = "gbm"
    seed: int = Field(0, ge=0, le=2**31 - 1)
    holdout: float = Field(HOLDOUT_SHARE, ge=0.05, le=0.5)
    region_prefix: str | None = Field(None, pattern=r"^[0-9]{2,12}$")


def run_summary(run: MassRun) -> dict[str, Any]:
    """A run's public fields and headline ratio study (no model text)."""
    m = run.metrics or {}
    return {"id": run.id, "run_no": run.run_no, "valuation_date": run.valuation_date.isoformat(),
            "model_version": run.model_version, "method": run.method, "seed": run.seed,
            "region_prefix": run.region_prefix, "status": run.status, "sale_count": run.sale_count,
            "parcel_count": run.parcel_count, "actor": run.actor, "created_at": run.created_at.isoformat(),
            "completed_at": run.completed_at.isoformat() if run.completed_at else None, "ledger_seq": run.ledger_seq,
            "ratio_study": {k: m.get(k) for k in ("n", "median", "cod", "prd", "prb")}}


@router.get("/runs")
def list_runs(limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0),
              principal: Principal = Depends(reader), session: Session = Depends(get_session)) -> dict[str, Any]:
    """Mass appraisal runs, newest first (bureau, banks) (L1)."""
    runs, total = mass_service.list_runs(session, limit=limit, offset=offset)
    return {"items": [run_summary(r) for r in runs], "total": total}


@router.post("/runs", status_code=202)
def start_run(body: RunRequest, principal: Principal = Depends(bureau),
              session: Session = Depends(get_session)) -> dict[str, Any]:
    """Queue a revaluation of every current parcel (of a region) for the worker (bureau only) (L1).

    Answers 202 with the job; ``GET /api/v1/valuation/jobs/{id}`` follows its progress and names the run.
    """
    job = jobs.queue_revaluation(session, principal, valuation_date=body.valuation_date, method=body.method,
                                 seed=body.seed, holdout=body.holdout, region_prefix=body.region_prefix)
    return jobs.job_summary(job)


@router.get("/jobs")
def list_jobs(active: bool = Query(False), limit: int = Query(20, ge=1, le=200),
              principal: Principal = Depends(reader), session: Session = Depends(get_session)) -> dict[str, Any]:
    """Revaluation jobs, newest first (only queued and running ones with ``active``) (L1)."""
    return {"items": [jobs.job_summary(j) for j in jobs.list_jobs(session, active_only=active, limit=limit)]}


@router.get("/jobs/{job_id}")
def get_job(job_id: int, principal: Principal = Depends(reader),
            session: Session = Depends(get_session)) -> dict[str, Any]:
    """A revaluation job's status and progress; the run once done, the error code once failed (L1)."""
    return jobs.job_summary(jobs.get_job(session, job_id))


@router.get("/runs/{run_id}")
def get_run(run_id: int, principal: Principal = Depends(reader),
            session: Session = Depends(get_session)) -> dict[str, Any]:
    """One run with its parameters and the held-out ratio study by property class and use (L1)."""
    run = mass_service.get_run(session, run_id)
    return {**run_summary(run), "parameters": run.parameters, "metrics": run.metrics}


@router.get("/parcels/{parcel_id}/value")
def parcel_value(parcel_id: int, run_id: int | None = Query(None, ge=1), principal: Principal = Depends(reader),
                 session: Session = Depends(get_session)) -> dict[str, Any]:
    """A parcel's mass-appraised value (newest run unless ``run_id``) with its top contributions (L1, F1)."""
    out = mass_service.parcel_value(session, parcel_id, run_id=run_id)
    return {**out, "valuation_date": out["valuation_date"].isoformat(),
            "value_per_m2_cny": str(out["value_per_m2_cny"]), "value_cny": str(out["value_cny"])}
