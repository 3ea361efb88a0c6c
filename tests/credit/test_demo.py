"""Demo credit (issue #18 demo world): a grade for every party, listed defaulters barred on the exchange's list,
designations of the year."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from landbridge import exchange
from landbridge.cityprofile import get_profile
from landbridge.credit.models import CourtListing, CreditGrade, Designation
from landbridge.db import Database
from landbridge.demo.world import build_world
from landbridge.registry.models import Party

TODAY = date(2026, 12, 1)


def test_the_small_demo_world_grades_everyone_and_lists_defaulters(db: Database) -> None:
    report = build_world(db, get_profile(), scale="small", seed=20260101, today=TODAY)
    with db.transaction(readonly=True) as s:
        parties = s.scalar(select(func.count()).select_from(Party))
        assert report.graded == parties == s.scalar(select(func.count()).select_from(CreditGrade))
        listings = s.scalars(select(CourtListing)).all()
        assert report.listed == len(listings) >= 1
        assert all(exchange.party_is_barred(s, x.party_id, TODAY) for x in listings)
        grades = dict(s.execute(select(CreditGrade.party_id, CreditGrade.grade)).all())
        assert {grades[x.party_id] for x in listings} <= {"A", "none"}  # 20 points lost of at most 100
        assert len(set(grades.values())) >= 3
        villages = s.scalar(select(func.count()).select_from(Designation).where(Designation.level == "village"))
        assert villages and report.credit_villages <= villages
