"""Construction-land quota pages (建设用地指标, issue #16 item 6): the overview of the caller's area for a year.

``/quota`` shows, for the counties the caller's organisation covers (a collective's clerk: their own collective's
projects and withdrawals), the quota balance per county (accepted, allocated, consumed, unallocated), the year's
supply plan by use and quarter with what it has taken, the reclamation projects, the quota ledger's newest entries,
the homestead withdrawal cases and the land reserve's cases. zh-CN by default, English with ``?lang=en``. Every
action is in the API (``/api/v1/quota``); the page is the reading desk of the bureau, the township, the collective
and the supervisors.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import collective
from landbridge.auth import Principal, Role, optional_principal
from landbridge.auth.pages import page_caller
from landbridge.kernel.clock import now, to_local
from landbridge.land_quota.models import (
    LandReserve,
    QuotaBalance,
    QuotaEntry,
    ReclamationProject,
    SupplyPlan,
    SupplyPlanLine,
)
from landbridge.land_quota.withdrawal_models import HomesteadWithdrawal
from landbridge.web.i18n import request_locale
from landbridge.web.render import render
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
READERS = (Role.nr_official, Role.reserve_officer, Role.township_official,
           Role.collective_clerk, Role.supervisor, Role.admin)
ROWS = 50  # newest rows per table; the API pages the rest

PROJECT_STATUS = {"planned": ("已立项", "planned"), "works": ("施工中", "in works"), "accepted": ("已验收", "accepted"),
                  "rejected": ("未通过", "rejected")}
PROJECT_KIND = {"homestead": ("宅基地复垦", "withdrawn homesteads"), "mining": ("废弃工矿", "abandoned mining"),
                "public_welfare": ("闲置公益性用地", "idle public-welfare land"), "other": ("其他", "other")}
ENTRY_KIND = {"credit": ("入库", "credit"), "allocation": ("分配", "allocation"), "transfer": ("交易", "transfer"),
              "consumption": ("使用", "consumption")}
WITHDRAWAL_STATUS = {"applied": ("已申请", "applied"), "approved": ("集体同意", "approved"),
                     "refused": ("未同意", "refused"), "valued": ("已评估补偿", "valued"), "paid": ("已支付", "paid"),
                     "cancelling": ("注销登记中", "cancelling"), "handed_over": ("已移交复垦", "handed over")}
RESERVE_STATUS = {"proposed": ("拟收储", "proposed"), "held": ("储备中", "held"), "supplied": ("已供应", "supplied"),
                  "cancelled": ("已撤销", "cancelled")}
USE = {"industrial": ("工业", "industrial"), "commercial": ("商业", "commercial"),
       "residential": ("住宅", "residential"), "public": ("公共设施", "public"), "transport": ("交通运输", "transport"),
       "other": ("其他", "other")}


def _label(table: dict[str, tuple[str, str]], key: str, zh: bool) -> str:
    found = table.get(key)
    return (found[0] if zh else found[1]) if found else key


def _yuan(fen: int | None) -> str:
    return "—" if fen is None else f"{Decimal(fen) / 100:,.2f}"


@router.get("/quota", response_class=Response)
def overview(request: Request, year: int | None = Query(None, ge=2000, le=2100),
             session: Session = Depends(get_session),
             principal: Principal | None = Depends(optional_principal)) -> Response:
    """The quota overview of the caller's area for ``year`` (default this year)."""
    caller = page_caller(request, principal, READERS)
    if not isinstance(caller, Principal):
        return caller
    zh = request_locale(request) == "zh_CN"
    year = year or to_local(now()).date().year
    own = None
    if caller.role is Role.collective_clerk:
        found = collective.find_collective_of_organisation(session, caller.organisation_id)
        own = found.id if found is not None else -1
    balances = [b for b in session.scalars(select(QuotaBalance).where(QuotaBalance.year == year)
                                           .order_by(QuotaBalance.county_code))
                if caller.covers_region(b.county_code.ljust(12, "0"))]
    plans = {p.id: p for p in session.scalars(select(SupplyPlan).where(SupplyPlan.year == year))
             if caller.covers_region(p.county_code.ljust(12, "0"))}
    lines = list(session.scalars(select(SupplyPlanLine).where(SupplyPlanLine.plan_id.in_(list(plans)))
                                 .order_by(SupplyPlanLine.plan_id, SupplyPlanLine.land_use, SupplyPlanLine.quarter)))
    projects_q = select(ReclamationProject).order_by(ReclamationProject.id.desc()).limit(ROWS * 4)
    withdrawals_q = select(HomesteadWithdrawal).order_by(HomesteadWithdrawal.id.desc()).limit(ROWS * 4)
    if own is not None:
        projects_q = projects_q.where(ReclamationProject.collective_id == own)
        withdrawals_q = withdrawals_q.where(HomesteadWithdrawal.collective_id == own)
    # a clerk's are its collective's (filtered above): its village's region does not cover the project's county code
    projects = [p for p in session.scalars(projects_q)
                if own is not None or caller.covers_region(p.region_code.ljust(12, "0"))][:ROWS]
    withdrawals = [w for w in session.scalars(withdrawals_q) if caller.covers_region(w.region_code)][:ROWS]
    entries = [e for e in session.scalars(select(QuotaEntry).where(QuotaEntry.year == year)
                                          .order_by(QuotaEntry.id.desc()).limit(ROWS * 4))
               if caller.covers_region(e.county_code.ljust(12, "0"))][:ROWS] if own is None else []
    reserves = [r for r in session.scalars(select(LandReserve).order_by(LandReserve.id.desc()).limit(ROWS * 4))
                if caller.covers_region(r.region_code.ljust(12, "0"))][:ROWS] if own is None else []
    context: dict[str, Any] = {
        "year": year, "zh": zh, "own": own, "role": caller.role.value, "own_county": caller.region_code[:6],
        "balances": [{"county": b.county_code, "accepted": b.accepted_m2, "allocated": b.allocated_m2,
                      "consumed": b.consumed_m2, "unallocated": b.accepted_m2 - b.allocated_m2} for b in balances],
        "lines": [{"county": plans[ln.plan_id].county_code, "status": plans[ln.plan_id].status,
                   "use": _label(USE, ln.land_use, zh), "quarter": ln.quarter, "quota": ln.quota_m2,
                   "allocated": ln.allocated_m2, "parcels": ln.parcels, "taken": ln.allocated_parcels}
                  for ln in lines],
        "projects": [{"id": p.id, "no": p.project_no, "kind": _label(PROJECT_KIND, p.kind, zh),
                      "status": _label(PROJECT_STATUS, p.status, zh), "raw_status": p.status,
                      "planned": p.planned_area_m2, "accepted": p.accepted_area_m2, "grade": p.quality_grade,
                      "credited": p.credited_year} for p in projects],
        "entries": [{"kind": _label(ENTRY_KIND, e.kind, zh), "amount": e.amount_m2, "county": e.county_code,
                     "project": e.project_id, "parcel": e.parcel_id, "at": e.created_at} for e in entries],
        "withdrawals": [{"id": w.id, "no": w.number, "status": _label(WITHDRAWAL_STATUS, w.status, zh),
                         "area": w.area_m2,
                         "total": _yuan(w.total_fen), "project": w.project_id} for w in withdrawals],
        "reserves": [{"id": r.id, "no": r.reserve_no, "status": _label(RESERVE_STATUS, r.status, zh),
                      "parcel": r.parcel_id, "compensation": _yuan(r.compensation_fen)} for r in reserves],
    }
    return render(request, "land_quota/overview.html", context)
