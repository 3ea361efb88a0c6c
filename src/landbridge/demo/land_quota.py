"""The demo world's construction-land quota (issue #16 item 6): reclamation projects in every state inside the
territories of the first collectives of one county, this year's approved supply plan, allocations to collective
construction land of the county (one consumed), a land reserve case held by the reserve centre, and quota sold on the
exchange (L5): two ``construction_quota`` lots, one open for bids and one concluded, its buyer holding the quota.

Everything goes through ``landbridge.land_quota``'s services, so the quota ledger, the balance and the ledger events
are what the platform itself would have written.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from shapely.geometry import box
from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import collective, exchange, land_quota
from landbridge.cityprofile import get_profile
from landbridge.demo.exchange_lots import _enrol, _frozen_at, _raise, companies
from landbridge.errors import DomainError
from landbridge.exchange.models import Lot
from landbridge.kernel.area import quantize_m2
from landbridge.kernel.clock import SHANGHAI
from landbridge.kernel.geo import area_m2
from landbridge.registry.models import Parcel, PropertyUnit, RecordStatus, Right, RightHolder

log = logging.getLogger(__name__)

SIDE_M = 60.0  # a demo reclamation plot: 60 m × 60 m
RESERVE_ACTOR = "system:demo:reserve"  # the land reserve centre (reserve_officer)
EXCHANGE_ACTOR = "system:demo:exchange"


@dataclass
class QuotaReport:
    projects: int = 0
    allocations: int = 0
    reserves: int = 0
    quota_lots: dict[str, int] = field(default_factory=dict)  # quota lot status → count


def _territories(session: Session, limit: int) -> list[tuple[int, str, object]]:
    """(collective id, village code, territory polygon) of the first rural collectives with a registered territory."""
    rows = session.execute(
        select(RightHolder.party_id, Parcel.region_code, Parcel.geom)
        .join(Right, Right.id == RightHolder.right_id).join(PropertyUnit, PropertyUnit.id == Right.unit_id)
        .join(Parcel, Parcel.id == PropertyUnit.parcel_id)
        .where(Right.right_type == "collective_land_ownership", Right.status == RecordStatus.current,
               Parcel.status == RecordStatus.current)
        .order_by(Parcel.region_code).limit(limit * 4)).all()
    found = []
    for party_id, village, geom in rows:
        owner = collective.find_collective_by_party(session, party_id)
        if owner is not None and geom is not None:
            found.append((owner.id, str(village), geom))
    return found[:limit]


def _plot(territory: object, k: int) -> object:
    """The k-th 60 m square plot inside the territory, on a 150 m grid from its centre outwards."""
    centre = territory.representative_point()  # type: ignore[attr-defined]
    step = 150.0 / 111_000
    dx, dy = ((k % 3) - 1) * step, ((k // 3) - 1) * step
    side = SIDE_M / 111_000
    plot = box(centre.x + dx, centre.y + dy, centre.x + dx + side, centre.y + dy + side)
    return plot if territory.contains(plot) else None  # type: ignore[attr-defined]


def seed_quota(session: Session, *, today: date, seed: int, actor: str) -> QuotaReport:
    """Projects planned, in works, accepted (credited) and rejected; the year's plan; allocations; a reserve case."""
    report = QuotaReport()
    rng = random.Random(seed)
    places = _territories(session, 4)
    if not places:
        return report
    county = places[0][1][:6]
    places = [p for p in places if p[1].startswith(county)]
    year = today.year
    plan_uses = list(get_profile().rules("land_quota").value("plan_uses", today))
    kinds = ["homestead", "mining", "public_welfare", "other"]
    states = ["accepted", "accepted", "accepted", "works", "planned", "rejected"]
    for n, state in enumerate(states):
        collective_id, _, territory = places[n % len(places)]
        plot = _plot(territory, n // len(places) * 2 + n % 2)
        if plot is None:
            continue
        area = quantize_m2(area_m2(plot, get_profile().projected_srid))
        project = land_quota.register_project(
            session, actor=actor, county_code=county, collective_id=collective_id, kind=kinds[n % len(kinds)],
            plan_ref=f"余江区复垦方案〔{year}〕{n + 1}号", planned_area_m2=area, boundary_geometry=plot)
        report.projects += 1
        if state == "rejected":
            land_quota.reject_project(session, project.id, actor=actor, reason="复垦后耕地质量未达标，须整改后重新申报")
            continue
        if state == "planned":
            continue
        land_quota.start_works(session, project.id, actor=actor)
        if state == "accepted":
            measured = (area * Decimal(rng.randint(93, 99)) / 100).quantize(Decimal("0.01"))
            land_quota.accept_reclamation(session, project.id, actor=actor, accepted_area_m2=measured,
                                          quality_grade=rng.randint(5, 9),
                                          accepted_on=min(today, date(year, 3 + n, 10)))
    if "industrial" not in plan_uses:
        return report
    land_quota.draft_plan(session, actor=actor, county_code=county, year=year, lines=[
        {"land_use": "industrial", "quarter": q, "quota_m2": "3000", "parcels": 4} for q in (1, 2, 3, 4)])
    land_quota.approve_plan(session, actor=actor, county_code=county, year=year, approved_on=date(year, 1, 20))
    destinations = list(session.scalars(
        select(Parcel.id).join(PropertyUnit, PropertyUnit.parcel_id == Parcel.id)
        .join(Right, Right.unit_id == PropertyUnit.id)
        .where(Right.right_type == "collective_construction_land_use_right", Right.status == RecordStatus.current,
               Parcel.status == RecordStatus.current, Parcel.region_code.startswith(county))
        .order_by(Parcel.id).limit(4)))
    if len(destinations) < 4:  # a small world may have no collective construction land there: other use parcels
        destinations += list(session.scalars(
            select(Parcel.id).where(Parcel.status == RecordStatus.current, Parcel.region_code.startswith(county),
                                    Parcel.land_use_class.not_in(("0702",)), Parcel.id.not_in(destinations or [0]),
                                    Parcel.parcel_code.not_like("____________JA%"))
            .order_by(Parcel.id).limit(4 - len(destinations))))
    balance = land_quota.balance_of(session, county, year)
    for k, parcel_id in enumerate(destinations[:3]):
        amount = min(Decimal(1500), balance.accepted / 4).quantize(Decimal("0.01"))
        if amount <= 0:
            break
        land_quota.allocate(session, actor=actor, county_code=county, year=year, parcel_id=parcel_id,
                            amount_m2=amount, land_use="industrial", quarter=k + 1)
        report.allocations += 1
        if k == 0:
            land_quota.consume(session, actor=actor, parcel_id=parcel_id, year=year, amount_m2=amount / 2)
    if len(destinations) == 4:
        case = land_quota.propose_reserve(session, actor=RESERVE_ACTOR, county_code=county,
                                          parcel_id=destinations[3], compensation_cny=Decimal("860000.00"))
        land_quota.acquire_reserve(session, case.id, actor=RESERVE_ACTOR, acquired_on=date(year, 2, 28))
        report.reserves += 1
    report.quota_lots = _quota_lots(session, county=county, today=today, actor=actor)
    return report


def _quota_lots(session: Session, *, county: str, today: date, actor: str) -> dict[str, int]:
    """Two quota lots of a quarter of the county's unallocated quota each (L5): one concluded (listed five weeks
    ago, two companies bid, the award confirmed, the quota lot settled: the winner holds the quota), one listed to
    open after today's announcement period."""
    year = today.year
    totals = land_quota.balance_of(session, county, year)
    amount = ((totals.accepted - totals.allocated) / 4).quantize(Decimal("0.01"))
    bidders = companies(session, 20)
    made: dict[str, int] = {}
    if amount <= 0:
        return made
    notice = exchange.rules_for("construction_quota", today).announcement_days
    if len(bidders) >= 2:
        try:
            with session.begin_nested(), _frozen_at(datetime.combine(today - timedelta(days=notice + 20),
                                                                     time(9, 30), tzinfo=SHANGHAI)) as clock:
                qlot = land_quota.list_quota_lot(
                    session, actor=actor, county_code=county, year=year, amount_m2=amount,
                    title=f"余江区 {year} 年度建设用地指标（第一批）", start_price=Decimal(amount * 120).quantize(
                        Decimal("1")), starts_at=clock.now() + timedelta(days=notice + 1))
                lot = session.get(Lot, qlot.lot_id)
                assert lot is not None
                pair = [_enrol(session, lot, p, f"party:{p.id}") for p in bidders[:2]]
                clock.set(lot.starts_at + timedelta(hours=1))
                exchange.run_due(session)
                for i, bidder in enumerate(pair):
                    _raise(session, lot, bidder, i, f"party:{bidder.party_id}")
                assert lot.ends_at is not None
                clock.set(lot.ends_at + timedelta(minutes=10))
                exchange.run_due(session)
                session.refresh(lot)
                if lot.countdown_end is not None and lot.phase == "countdown":
                    clock.set(lot.countdown_end + timedelta(seconds=1))
                    exchange.run_due(session)
                exchange.confirm_award(session, lot_id=lot.id, actor=EXCHANGE_ACTOR)
                land_quota.settle_quota_lot(session, qlot.id, actor=actor)
                made["concluded"] = 1
        except DomainError as exc:  # a profile whose exchange refuses the lot: no concluded lot in the demo
            made.pop("concluded", None)
            log.info("demo quota lot not concluded: %s", exc)
    with _frozen_at(datetime.combine(today, time(9, 30), tzinfo=SHANGHAI)) as clock:
        land_quota.list_quota_lot(session, actor=actor, county_code=county, year=year, amount_m2=amount,
                                  title=f"余江区 {year} 年度建设用地指标（第二批）",
                                  start_price=Decimal(amount * 120).quantize(Decimal("1")),
                                  starts_at=clock.now() + timedelta(days=notice + 2))
    made["listed"] = 1
    return made
