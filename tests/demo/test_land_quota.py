"""The demo world's construction-land quota (issue #16 item 6): projects in every state in one county, the year's
approved supply plan, allocations within the credited quota (one consumed), a land reserve case held, quota lots on
the exchange (L5: one open, one concluded, its buyer holding the quota), homestead withdrawals in 余江区 villages in
several states with one handed over to reclamation (S18, S30); the quota ledger agrees with the balance and the
ledger verifies."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from landbridge import exchange, land_quota, registry
from landbridge.cityprofile import get_profile
from landbridge.db import Database
from landbridge.demo.geography import build_geography
from landbridge.demo.world import build_world
from landbridge.land_quota.models import (
    LandReserve,
    QuotaEntry,
    QuotaHolding,
    QuotaLot,
    ReclamationProject,
    SupplyPlan,
)
from landbridge.land_quota.withdrawal_models import HomesteadWithdrawal
from landbridge.ledger import verify_ledger
from tests.demo.test_world import SEED, TODAY, _plan


def test_the_demo_world_has_quota_in_every_state(db: Database) -> None:
    geo = build_geography(get_profile(), seed=SEED)
    plan = {code: min(n, 80) for code, n in _plan(geo).items()}
    report = build_world(db, get_profile(), seed=7, today=TODAY, villages=plan, geography=geo)
    with db.transaction(readonly=True) as s:
        projects = list(s.scalars(select(ReclamationProject)))
        handed_over = s.scalar(select(func.count()).select_from(HomesteadWithdrawal).where(
            HomesteadWithdrawal.project_id.is_not(None)))
        assert report.quota_projects + handed_over == len(projects) >= 4  # a handed-over homestead: a project
        assert {"planned", "works", "accepted", "rejected"} <= set(Counter(p.status for p in projects))
        county = projects[0].region_code
        totals = land_quota.balance_of(s, county, TODAY.year)
        accepted = sum(p.accepted_area_m2 for p in projects if p.status == "accepted" and p.accepted_area_m2)
        assert totals.accepted == accepted > 0
        assert 0 < totals.consumed < totals.allocated <= totals.accepted
        sums = dict(s.execute(select(QuotaEntry.kind, func.sum(QuotaEntry.amount_m2))
                              .group_by(QuotaEntry.kind)).all())
        lots = {q.status: q for q in s.scalars(select(QuotaLot))}
        assert set(lots) == {"listed", "concluded"}
        assert all(exchange.get_lot(s, q.lot_id).kind == "construction_quota" for q in lots.values())
        holding = s.scalars(select(QuotaHolding)).one()
        assert holding.party_id == lots["concluded"].buyer_party_id
        assert holding.received_m2 == lots["concluded"].amount_m2
        on_sale = sum(q.amount_m2 for q in lots.values())
        assert sums["credit"] == totals.accepted and sums["allocation"] + on_sale == totals.allocated
        assert sums["consumption"] == totals.consumed
        supply = s.scalars(select(SupplyPlan)).one()
        assert supply.status == "approved" and supply.year == TODAY.year
        assert [r.status for r in s.scalars(select(LandReserve))] == ["held"]
        cases = list(s.scalars(select(HomesteadWithdrawal)))
        states = Counter(c.status for c in cases)
        assert states["handed_over"] >= 1 and len(states) >= 5, states
        assert all(c.region_code.startswith("360603") for c in cases)  # 余江区 villages
        assert len({c.collective_id for c in cases}) >= 2
        for done in (c for c in cases if c.status == "handed_over"):
            assert registry.find_current_right(s, done.right_id) is None  # the right is cancelled
            project = s.get(ReclamationProject, done.project_id)
            assert project is not None and project.kind == "homestead"
        assert all(c.total_fen == c.land_fen + c.house_fen for c in cases if c.total_fen is not None)
        assert report.withdrawals == len(cases)
        assert verify_ledger(s).ok
