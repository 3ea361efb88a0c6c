"""The demo world's construction-land quota (issue #16 item 6): projects in every state in one county, the year's
approved supply plan, allocations within the credited quota (one consumed), a land reserve case held; the quota
ledger agrees with the balance and the ledger verifies."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from landbridge import land_quota
from landbridge.cityprofile import get_profile
from landbridge.db import Database
from landbridge.demo.geography import build_geography
from landbridge.demo.world import build_world
from landbridge.land_quota.models import LandReserve, QuotaEntry, ReclamationProject, SupplyPlan
from landbridge.ledger import verify_ledger
from tests.demo.test_world import SEED, TODAY, _plan


def test_the_demo_world_has_quota_in_every_state(db: Database) -> None:
    geo = build_geography(get_profile(), seed=SEED)
    plan = {code: min(n, 80) for code, n in _plan(geo).items()}
    report = build_world(db, get_profile(), seed=7, today=TODAY, villages=plan, geography=geo)
    with db.transaction(readonly=True) as s:
        projects = list(s.scalars(select(ReclamationProject)))
        assert report.quota_projects == len(projects) >= 4
        assert {"planned", "works", "accepted", "rejected"} <= set(Counter(p.status for p in projects))
        county = projects[0].region_code
        totals = land_quota.balance_of(s, county, TODAY.year)
        accepted = sum(p.accepted_area_m2 for p in projects if p.status == "accepted" and p.accepted_area_m2)
        assert totals.accepted == accepted > 0
        assert 0 < totals.consumed < totals.allocated <= totals.accepted
        sums = dict(s.execute(select(QuotaEntry.kind, func.sum(QuotaEntry.amount_m2))
                              .group_by(QuotaEntry.kind)).all())
        assert sums["credit"] == totals.accepted and sums["allocation"] == totals.allocated
        assert sums["consumption"] == totals.consumed
        supply = s.scalars(select(SupplyPlan)).one()
        assert supply.status == "approved" and supply.year == TODAY.year
        assert [r.status for r in s.scalars(select(LandReserve))] == ["held"]
        assert verify_ledger(s).ok
