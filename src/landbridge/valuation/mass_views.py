"""Mass appraisal API: valuation runs with their ratio study, a parcel's value with its explanation (L1, F1)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from landbridge.auth import Principal, Role, require_roles
from landbridge.valuation import mass_service
from landbridge.valuation.mass_models import MassRun
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(prefix="/api/v1/valuation", tags=["valuation"], route_class=TransactionalRoute)

reader = require_roles(Role.nr_official, Role.bank_officer)


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
