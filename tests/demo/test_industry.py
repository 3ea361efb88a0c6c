"""The demo world's industry information (issue #19 item 5; S83–S85, S95–S98): the plan's places of every kind,
published with valid bounded boundaries, drawn where entry cases and quota lie (so at least one place has computed
land or quota), projects in every state with funding from every source, and a bundle that covers its financing."""

from __future__ import annotations

from sqlalchemy import select

from landbridge import industry
from landbridge.cityprofile import get_profile
from landbridge.db import Database
from landbridge.demo.geography import build_geography
from landbridge.demo.industry import PLACES
from landbridge.demo.world import build_world
from landbridge.industry.models import IndustryBundle, IndustryFunding, IndustryPlace, IndustryProject
from landbridge.ledger import verify_ledger
from tests.demo.test_world import SEED, TODAY, _plan


def test_the_demo_world_has_the_plans_places_and_projects(db: Database) -> None:
    geo = build_geography(get_profile(), seed=SEED)
    plan = {code: min(n, 80) for code, n in _plan(geo).items()}
    report = build_world(db, get_profile(), seed=7, today=TODAY, villages=plan, geography=geo)
    rules = get_profile().rules("industry")
    with db.transaction(readonly=True) as s:
        places = list(s.scalars(select(IndustryPlace)))
        assert report.industry_places == len(places) == len(PLACES)
        assert {p.kind for p in places} == set(rules.value("place_kinds", TODAY))
        assert all(p.status == "published" and p.geom.is_valid for p in places)
        assert all(sum(len(g.exterior.coords) for g in p.geom.geoms) <= rules.int("max_vertices", TODAY)
                   for p in places)
        figures = industry.place_figures(s, places, TODAY)
        assert any(f.quota_allocated_m2 > 0 or f.land_available_m2 + f.land_entered_m2 > 0 for f in figures.values())
        projects = list(s.scalars(select(IndustryProject)))
        assert {p.status for p in projects} == {"planned", "under_construction", "operating"}
        assert {f.source for f in s.scalars(select(IndustryFunding))} == set(rules.value("funding_sources", TODAY))
        bundle = s.scalars(select(IndustryBundle)).one()
        revenue, financing = industry.bundle_finance(s, bundle, day=TODAY)
        assert revenue >= financing * rules.decimal("bundle_min_coverage", TODAY)
        assert verify_ledger(s).ok
