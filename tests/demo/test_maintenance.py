"""The demo world's maintenance inventory (issue #20 item 5): assets of every kind across several villages, in every
state (registered without a maintainer, awaiting hand-over, in service, retired) with defects open, overdue,
repaired and closed; the worker escalates the overdue ones and the ledger verifies."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from landbridge import maintenance
from landbridge.cityprofile import get_profile
from landbridge.db import Database
from landbridge.demo.geography import build_geography
from landbridge.demo.world import build_world
from landbridge.ledger import verify_ledger
from landbridge.maintenance.models import MaintenanceAsset, MaintenanceDefect
from tests.demo.test_world import SEED, TODAY, _plan


def test_the_demo_world_has_assets_across_villages_in_every_state(db: Database) -> None:
    geo = build_geography(get_profile(), seed=SEED)
    plan = {code: min(n, 80) for code, n in _plan(geo).items()}
    report = build_world(db, get_profile(), seed=7, today=TODAY, villages=plan, geography=geo)
    with db.transaction(readonly=True) as s:
        assets = list(s.scalars(select(MaintenanceAsset)))
        assert report.maintenance_assets == len(assets) >= 8
        assert len({a.region_code for a in assets}) >= 2
        assert set(get_profile().rules("maintenance").value("asset_kinds", TODAY)) == {a.kind for a in assets}
        assert set(Counter(a.status for a in assets)) == {"registered", "in_service", "retired"}
        assert any(a.status == "registered" and a.maintainer_id is None for a in assets)
        defects = list(s.scalars(select(MaintenanceDefect)))
        assert {"open", "repaired", "closed"} == {d.status for d in defects}
        assert maintenance.overdue_by_maintainer(s)
    with db.transaction() as s:
        assert maintenance.escalate_overdue(s) >= 1
    with db.transaction(readonly=True) as s:
        assert verify_ledger(s).ok
