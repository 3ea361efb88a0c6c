"""The Yingtan demo world at any scale (issue #3): ``landbridge demo --scale small|county|city``.

The world is drawn, never copied: the geography (``build_geography``) gives the city outline,
districts, townships, village territories, town centres, roads and rivers; each village is cut into
parcels sized by land use (``tile_village``). On that ground the builder writes, through the
modules' public service functions, so that every rule is checked and every change is in the ledger:

1. the demo accounts and the institutions (banks, courts);
2. the territorial plan: zones with permitted uses and conditions, and the one-map layers (L2);
3. per village, in its own transaction: households with valid and unique resident IDs, the collective
   (USCC ``93…``) and a farmers' cooperative or, in an urban community, companies (``91…``); one bulk
   first registration (R1) of the collective's ownership of the village territory (layer A), the
   homesteads with their houses (房地一体), contracted farmland, forest, collective construction land
   (operating land eligible for market entry) or, in the urban core, state construction land; certificates;
   then the collective's roll and its share quantification (C1, C2); then, one by one through the
   registry services, land management rights transferred to the cooperative (R2), mortgages (some
   ranked second), seizures, objections (R3) and applications left in the registrar's queue;
4. prices: every parcel's true value under the generative price model (stored apart for scoring
   valuation) and a sales history of ≥ 5 years recorded in the valuation sales record.

Numbers are rules of the ``demo_world`` rule set of the city profile; the world is deterministic for a
seed and a reference date.
"""

from __future__ import annotations

import random
import time
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.auth import create_demo_accounts, link_user_party
from landbridge.auth.models import Organisation
from landbridge.cityprofile import CityProfile
from landbridge.db import Database
from landbridge.demo.assessment import seed_assessment
from landbridge.demo.benchmark_prices import demo_benchmark_document
from landbridge.demo.credit_file import seed_credit
from landbridge.demo.demands import seed_demands
from landbridge.demo.employment import seed_employment
from landbridge.demo.entered_rights import seed_entered_rights
from landbridge.demo.exchange_legal import seed_exchange_legal
from landbridge.demo.exchange_lots import link_demo_bidder, seed_exchange
from landbridge.demo.exchange_year import seed_exchange_year
from landbridge.demo.geography import (
    Geography,
    build_geography,
    county_scale_villages,
    natural_parcel_count,
    small_scale_villages,
    suggest_parcel_counts,
)
from landbridge.demo.homestead_withdrawals import seed_withdrawals
from landbridge.demo.industry import seed_industry
from landbridge.demo.land_quota import seed_quota
from landbridge.demo.lending_loans import loan_counts, seed_loans
from landbridge.demo.maintenance import seed_maintenance
from landbridge.demo.market_entry_cases import seed_entry_cases
from landbridge.demo.people import make_uscc
from landbridge.demo.planning_zones import features_from_geography, plan_version_for, zones_from_geography
from landbridge.demo.prices import PriceModel, generate_sales
from landbridge.demo.truth import record_generated_sales, store_model_values
from landbridge.demo.village import VillageBuild
from landbridge.demo.wage_arrears import seed_wage_arrears
from landbridge.demo.world_state import (
    ACTOR,
    MEMBER_USERNAME,
    Progress,
    WorldBuild,
    WorldReport,
    clerk_organisation,
    demo_short_name,
    world_rules,
)
from landbridge.kernel.clock import now, to_local
from landbridge.planning import create_features, create_zones
from landbridge.registry.models import PartyKind
from landbridge.valuation import import_benchmark_system, publish_benchmark_system

__all__ = [
    "ACTOR",
    "MEMBER_USERNAME",
    "SCALES",
    "Progress",
    "WorldReport",
    "build_world",
    "clerk_organisation",
    "demo_short_name",
    "plan_world",
    "world_rules",
]

SCALES = ("small", "county", "city")


def _no_progress(_stage: str, _done: int, _total: int) -> None:
    return None



def _apportion(weights: dict[str, float], total: int) -> dict[str, int]:
    """Share ``total`` among the keys by weight (largest remainder), at least one each."""
    codes = sorted(weights)
    w = np.array([max(weights[c], 1e-9) for c in codes])
    exact = w / w.sum() * max(total, len(codes))
    counts = np.maximum(np.floor(exact).astype(np.int64), 1)
    short = max(total, len(codes)) - int(counts.sum())
    if short > 0:
        counts[np.argsort(-(exact - counts), kind="stable")[:short]] += 1
    return {c: int(n) for c, n in zip(codes, counts, strict=True)}



def plan_world(geography: Geography, scale: str, rules: dict[str, Any]) -> dict[str, int]:
    """Villages of a scale and their parcel counts: small (~20,000 parcels), county, city (≥ 10⁶)."""
    if scale == "small":
        codes = small_scale_villages(geography, int(rules["small_villages"]))
        codes += [c for c in rules["small_extra_villages"] if c in geography.villages and c not in codes]
        return _apportion({c: natural_parcel_count(geography, c) for c in codes}, int(rules["small_parcels"]))
    if scale == "county":
        codes = county_scale_villages(geography, str(rules["county"]))
        return {c: max(1, round(natural_parcel_count(geography, c))) for c in codes}
    if scale == "city":
        natural = sum(natural_parcel_count(geography, c) for c in geography.villages)
        return suggest_parcel_counts(geography, max(int(rules["city_min_parcels"]), round(natural)))
    raise ValueError(f"unknown scale {scale!r}: one of {', '.join(SCALES)}")



def _institutions(session: Session, world: WorldBuild) -> None:
    rng = random.Random(f"{world.seed}:institutions")
    city6 = world.profile.city_code[:6]
    short = demo_short_name(world.profile)
    banks = [f"{short}农村商业银行股份有限公司", f"中国农业银行股份有限公司{short}分行",
             f"江西银行股份有限公司{short}分行"]
    city = next((r.name for r in world.profile.regions.values() if r.level == "city"), world.profile.name)
    world.institutions.banks = [
        registry.create_party(session, kind=PartyKind.organisation, name=b, id_number=make_uscc(rng, city6, "91"),
                              actor=ACTOR).id for b in banks]
    for county in sorted(world.geography.counties.values(), key=lambda t: t.code):
        court = registry.create_party(session, kind=PartyKind.organisation, name=f"{city}{county.name}人民法院"
                                      if not county.name.endswith("市") else f"{county.name}人民法院",
                                      id_number=make_uscc(rng, county.code[:6], "11"), actor=ACTOR)
        world.institutions.courts[county.code[:6]] = court.id
    world.institutions.clerk_organisation_id = session.execute(
        select(Organisation.id).where(Organisation.name == clerk_organisation())).scalar_one_or_none()


def build_world(db: Database, profile: CityProfile, *, scale: str = "small", seed: int = 20260101,
                today: date | None = None, villages: dict[str, int] | None = None,
                geography: Geography | None = None, progress: Progress = _no_progress,
                exchange_year: int | None = None, loans: bool | None = None) -> WorldReport:
    """Build the demo world on an upgraded, empty database (issue #3); ``villages`` overrides the scale's plan.

    ``exchange_year``: the cases of the year of exchange business (issue #15 item 6); by default the scale's
    ``exchange_year_lots`` rule, or none when ``villages`` overrides the plan (a quick world for tests).
    ``loans``: the demo loans and the fund's history (issue #17, with a mass valuation run for their collateral
    where the world has none); by default unless ``villages`` overrides the plan."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}: one of {', '.join(SCALES)}")
    today = today or to_local(now()).date()
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        t = time.perf_counter()
        world.report.seconds[stage] = round(world.report.seconds.get(stage, 0.0) + t - clock, 3)
        clock = t

    progress("geography", 0, 1)
    geo = geography or build_geography(profile, seed=seed)
    world = WorldBuild(db, profile, geo, scale=scale, seed=seed, today=today, progress=progress)
    progress("geography", 1, 1)
    lap("geography")
    plan = villages if villages is not None else plan_world(geo, scale, world.rules)
    with db.transaction() as session:
        world.report.accounts = [(u, o, str(r)) for u, o, r in create_demo_accounts(session)]
        _institutions(session, world)
    progress("planning", 0, 1)
    zones = zones_from_geography(geo, seed=seed)
    with db.transaction() as session:
        world.report.zones = create_zones(session, zones, actor=ACTOR, plan_version=plan_version_for(geo))
        create_features(session, features_from_geography(geo), actor=ACTOR)
    progress("planning", 1, 1)
    lap("planning")
    codes = sorted(plan)
    member_linked = False
    for index, code in enumerate(codes):
        with db.transaction() as session:
            village = VillageBuild(session, world, code, plan[code], index)
            village.build()
            if not member_linked and code in world.clerk_villages and village.first_head is not None:
                pid, name = village.first_head
                link_user_party(session, username=MEMBER_USERNAME, party_id=pid, display_name=f"村民 {name}",
                                actor=ACTOR)
                member_linked = True
        world.report.villages += 1
        progress("villages", index + 1, len(codes))
    lap("villages")
    progress("exchange", 0, 1)
    with db.transaction() as session:  # lots on the exchange over rights just registered (issue #6)
        world.report.lots = seed_exchange(session, today=today, seed=seed, actor=ACTOR)
        link_demo_bidder(session, actor=ACTOR)
    by_scale = world.rules.get("exchange_year_lots", {})  # none before the rule is in force (its version 2026-06-01)
    year_cases = exchange_year if exchange_year is not None else 0 if villages is not None \
        else int(by_scale.get(scale, 0))
    if year_cases > 0:  # a year of business (issue #15 item 6), before the seeds below: its worker runs at
        # instants back to a year ago and must find no lot of theirs waiting (a refund due, a deadline)
        lap("exchange")
        with db.transaction() as session:
            year = seed_exchange_year(session, today=today, seed=seed, actor=ACTOR, lots=year_cases)
        world.report.exchange_year, world.report.sales = year.lots, world.report.sales + year.sales
        world.report.lots += year.lots
        lap("exchange_year")
    with db.transaction() as session:  # market-entry cases in every state, the completed ones fed (issue #15)
        seeded = seed_entry_cases(session, today=today, seed=seed, actor=ACTOR)
        world.report.entry_cases, world.report.sales = seeded.total, world.report.sales + seeded.sales
    with db.transaction() as session:  # past market entries: granted, leased, contributed rights (issue #15)
        world.report.entries, fed = seed_entered_rights(session, today=today, seed=seed, actor=ACTOR)
        world.report.sales += fed
    with db.transaction() as session:  # construction-land quota: projects, the year's plan, allocations (#16)
        world.report.quota_projects = seed_quota(session, today=today, seed=seed, actor=ACTOR).projects
    with db.transaction() as session:  # homesteads withdrawn in 余江区 villages, one handed over (#16, S30)
        world.report.withdrawals = seed_withdrawals(session, today=today, seed=seed).total
    with db.transaction() as session:  # residents' demands in every state across the departments (issue #20)
        world.report.demands = seed_demands(session, today=today)
    with db.transaction() as session:  # job postings, seekers with consent, an application (issue #20 item 4)
        world.report.jobs = seed_employment(session, today=today)
    with db.transaction() as session:  # the maintenance inventory: assets across villages in every state (#20)
        world.report.maintenance_assets = seed_maintenance(session, today=today, actor=ACTOR)
    with db.transaction() as session:  # wage-arrears cases in every state, one employer with a login (#20 item 4)
        world.report.wage_arrears = seed_wage_arrears(session, today=today)
    with db.transaction() as session:  # the plan's industry places around entry cases and quota, projects (#19)
        world.report.industry_places = seed_industry(session, actor=ACTOR)
    with db.transaction() as session:  # a lot won by a member's pre-emption, its results notice (issue #24)
        world.report.lots += seed_exchange_legal(session, today=today, seed=seed, actor=ACTOR)
    progress("exchange", 1, 1)
    lap("exchange")
    progress("prices", 0, 3)
    features = world.features.build(geo)
    model = PriceModel.from_profile(profile, seed=seed)
    with db.transaction() as session:  # the city's benchmark land prices, published (L1)
        document = demo_benchmark_document(geo, model, base_date=date(today.year - 1, 1, 1),
                                           code=f"{profile.raw.get('demo_code', 'YT')}-BENCHMARK-{today.year - 1}",
                                            region_code=profile.city_code)
        system = import_benchmark_system(session, document, actor=ACTOR)
        publish_benchmark_system(session, system.code, actor=ACTOR)
    progress("prices", 1, 3)
    with db.transaction() as session:
        store_model_values(session, model, features, today)
    progress("prices", 2, 3)
    years = int(world.rules["sales_years"])
    count = int(world.rules["sales"][scale])
    sales = generate_sales(model, features, start=date(today.year - years, today.month, min(today.day, 28)),
                           end=today, count=count, seed=seed)
    with db.transaction() as session:
        world.report.sales += len(record_generated_sales(session, sales, actor=ACTOR).sale_ids)
    progress("prices", 3, 3)
    lap("prices")
    if (loans if loans is not None else villages is None) and world.institutions.banks:
        progress("loans", 0, 1)
        with db.transaction() as session:  # loans in every state and the fund's history (issue #17)
            world.report.loans = seed_loans(session, today=today, seed=seed, actor=ACTOR,
                                            mortgagee_party_id=world.institutions.banks[0],
                                            counts=loan_counts(profile, today)).total
        progress("loans", 1, 1)
        lap("loans")
    if loans if loans is not None else villages is None:
        progress("credit", 0, 1)
        with db.transaction() as session:  # listed defaulters, a grade for every party, designations (issue #18)
            made = seed_credit(session, today=today, seed=seed, actor=ACTOR)
        world.report.graded, world.report.listed = made.graded, made.listed
        world.report.credit_villages = made.credit_villages
        progress("credit", 1, 1)
        lap("credit")
    with db.transaction() as session:  # the year's assessments published and a dozen tasks on the board (#19)
        world.report.assessment_runs, world.report.board_tasks = seed_assessment(
            session, actor=ACTOR, townships=geo.townships)
    lap("assessment")
    return world.report
