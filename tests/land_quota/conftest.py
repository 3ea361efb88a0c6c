"""Land quota test helpers: a county with an accepted reclamation project credited as quota."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from landbridge import land_quota

ACTOR = "user:1:county_official"
COUNTY = "360622"  # 余江区
YEAR = 2026


def credited(session: Session, area: str, *, collective_id: int = 1, on: date = date(2026, 6, 1)) -> int:
    """A homestead reclamation project taken through its works and accepted with ``area`` m²; its id."""
    project = land_quota.register_project(session, actor=ACTOR, county_code=COUNTY, collective_id=collective_id,
                                          kind="homestead", plan_ref="余江复垦方案〔2026〕1号",
                                          planned_area_m2=Decimal(area))
    land_quota.start_works(session, project.id, actor=ACTOR)
    land_quota.accept_reclamation(session, project.id, actor=ACTOR, accepted_area_m2=area, quality_grade=6,
                                  accepted_on=on)
    return project.id
