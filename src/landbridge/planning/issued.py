"""Issued planning conditions (规划条件核发, issue #15): the natural-resources bureau issues a parcel's conditions
for market entry (use, plot ratio, density, height, green ratio, industry access, environmental requirements,
validity). A new issue supersedes the parcel's current one; a revoked or expired issue supports no contract.
Each issue is a ledger event; the market-entry case snapshots the issue it relies on.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.db import for_update
from landbridge.kernel.clock import now, to_local
from landbridge.ledger import append_event, subjects
from landbridge.planning import rules
from landbridge.planning.errors import PlanningError
from landbridge.planning.models import IssuedConditions
from landbridge.planning.service import planning_conditions_for

MODULE = "planning"
TEXT_MAX = 2000


class IssueStatus(StrEnum):
    """An issue is in force (issued) until a new one supersedes it or the bureau revokes it."""

    issued = "issued"
    superseded = "superseded"
    revoked = "revoked"


def _text(value: str, field: str) -> str:
    text = (value or "").strip()
    if not text or len(text) > TEXT_MAX:
        raise PlanningError.INVALID_REASON.error({"max_length": TEXT_MAX}, field=field)
    return text


def snapshot(row: IssuedConditions) -> dict[str, Any]:
    """The issue as plain values (the case's snapshot and the contract's planning clause)."""
    return {"conditions_id": row.id, "number": row.number, "parcel_id": row.parcel_id, "zone_id": row.zone_id,
            "land_use": row.land_use,
            **{n: (None if getattr(row, n) is None else str(getattr(row, n))) for n in rules.CONDITION_FIELDS},
            "industry_requirements": row.industry_requirements,
            "environment_requirements": row.environment_requirements,
            "valid_from": row.valid_from.isoformat(), "valid_until": row.valid_until.isoformat(),
            "status": row.status}


def current_conditions(session: Session, parcel_id: int, *, on: date | None = None) -> IssuedConditions | None:
    """The parcel's issue in force on ``on`` (issued, not superseded or revoked, within its validity), or None."""
    day = on or to_local(now()).date()
    return session.execute(select(IssuedConditions).where(
        IssuedConditions.parcel_id == parcel_id, IssuedConditions.status == IssueStatus.issued,
        IssuedConditions.valid_from <= day, IssuedConditions.valid_until >= day)
        .order_by(IssuedConditions.id.desc())).scalars().first()


def get_issued_conditions(session: Session, conditions_id: int) -> IssuedConditions:
    row = session.get(IssuedConditions, conditions_id)
    if row is None:
        raise PlanningError.CONDITIONS_NOT_FOUND.error(conditions_id=conditions_id)
    return row


def issue_conditions(session: Session, *, parcel_id: int, land_use: str, indicators: dict[str, Any],
                     industry_requirements: str, environment_requirements: str, validity_days: int,
                     actor: str) -> IssuedConditions:
    """Issue a parcel's planning conditions (规划条件) for market entry; the plan must permit the use (L2, L4).

    The indicators are checked as a zone's (non-negative, ratios ≤ 1, plot-ratio range); missing ones take the
    governing zone's values. The parcel's current issue, if any, is superseded in the same transaction.
    """
    parcel = registry.get_parcel(session, parcel_id)
    (use,) = rules.check_land_use_codes([land_use])
    plan = planning_conditions_for(session, parcel.geom)
    if not rules.use_permitted(plan.permitted_uses, use):
        raise PlanningError.USE_NOT_PERMITTED.error(land_use=use)
    own = rules.check_conditions(rules.conditions_from(indicators))
    merged = rules.check_conditions(rules.merge_conditions(own, plan.conditions))
    stmt = select(IssuedConditions).where(IssuedConditions.parcel_id == parcel.id,
                                          IssuedConditions.status == IssueStatus.issued)
    if for_update(session):
        stmt = stmt.with_for_update()
    previous = list(session.execute(stmt).scalars())
    today = to_local(now()).date()
    row = IssuedConditions(
        number=f"GHTJ-new-{secrets.token_hex(8)}", parcel_id=parcel.id, zone_id=plan.zone_id,
        region_code=parcel.region_code, land_use=use, **{n: getattr(merged, n) for n in rules.CONDITION_FIELDS},
        industry_requirements=_text(industry_requirements, "industry_requirements"),
        environment_requirements=_text(environment_requirements, "environment_requirements"),
        valid_from=today, valid_until=today + timedelta(days=max(1, int(validity_days))),
        status=IssueStatus.issued, created_at=now(), created_by=actor)
    session.add(row)
    session.flush()
    row.number = f"GHTJ{today:%Y}-{row.id:06d}"  # from the row id: concurrent issues never collide
    for old in previous:
        old.status = IssueStatus.superseded
        old.superseded_by_id = row.id
    session.flush()
    row.ledger_seq = append_event(
        session, module=MODULE, event_type="conditions_issued", subject=subjects.parcel(parcel.id), actor=actor,
        payload={**snapshot(row), "supersedes": [o.id for o in previous]},
        also=[subjects.zone(plan.zone_id)]).seq
    session.flush()
    return row


def revoke_conditions(session: Session, *, conditions_id: int, reason: str, actor: str) -> IssuedConditions:
    """Revoke an issue in force (撤销); a contract can no longer rely on it."""
    row = get_issued_conditions(session, conditions_id)
    if for_update(session):
        session.refresh(row, with_for_update=True)
    if row.status != IssueStatus.issued:
        raise PlanningError.CONDITIONS_NOT_IN_FORCE.error(conditions_id=row.id)
    row.status = IssueStatus.revoked
    session.flush()
    append_event(session, module=MODULE, event_type="conditions_revoked", subject=subjects.parcel(row.parcel_id),
                 actor=actor, payload={"conditions_id": row.id, "number": row.number,
                                       "reason": _text(reason, "reason")})
    return row
