"""A reclamation project's boundary and the registry and collective checks (issue #16 scope 1): inside the
collective's registered land, no overlap with another project that is not rejected (tolerances as rule data), a
bounded valid polygon, the collective existing in the county, an allocation's parcel current in the registry and
in the county. Every refusal typed and changing nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from shapely.geometry import Polygon, mapping
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landbridge import land_quota
from landbridge.db import Database
from landbridge.errors import DomainError
from landbridge.land_quota.models import QuotaAllocation, ReclamationProject
from landbridge.ledger import current_size
from tests.land_quota.conftest import (
    ACTOR,
    COUNTY,
    QuotaWorld,
    allocate,
    approved_plan,
    boundary,
    build_world,
    credited,
    project,
)
from tests.registry.conftest import DEG_PER_M, LON_DEG_PER_M, ORIGIN


@pytest.fixture
def w(db: Database, session: Session) -> QuotaWorld:
    return build_world(session)


def snapshot(session: Session) -> tuple[int, int, int]:
    return (current_size(session), session.scalar(select(func.count()).select_from(ReclamationProject)) or 0,
            session.scalar(select(func.count()).select_from(QuotaAllocation)) or 0)


def refused(session: Session, code: str, call: Any) -> DomainError:
    before = snapshot(session)
    with pytest.raises(DomainError) as caught:
        call()
    assert caught.value.code == code, (caught.value.code, caught.value.details)
    assert snapshot(session) == before
    return caught.value


def register(session: Session, w: QuotaWorld, geometry: Any, **kw: Any) -> ReclamationProject:
    args: dict[str, Any] = {"county_code": COUNTY, "collective_id": w.collective_id, "kind": "homestead",
                            "plan_ref": "方案", "planned_area_m2": "400"} | kw
    return land_quota.register_project(session, actor=ACTOR, boundary_geometry=geometry, **args)


def test_a_boundary_inside_the_collectives_land_is_registered_with_its_measured_area(w: QuotaWorld,
                                                                                    session: Session) -> None:
    p = register(session, w, boundary(1, 1))
    assert p.status == "planned" and p.geom is not None
    assert p.boundary_area_m2 is not None and abs(p.boundary_area_m2 - Decimal(400)) < Decimal(2)
    assert p.minx is not None and p.maxx is not None and p.minx < p.maxx


def test_the_collective_must_exist_and_lie_in_the_county(w: QuotaWorld, session: Session) -> None:
    e = refused(session, "land_quota.collective_not_found",
                lambda: register(session, w, boundary(), collective_id=w.collective_id + 999))
    assert e.details["collective_id"] == w.collective_id + 999
    refused(session, "land_quota.collective_outside_county", lambda: register(session, w, boundary(),
                                                                               county_code="360602"))


def test_a_boundary_outside_the_collectives_registered_land_is_refused(w: QuotaWorld, session: Session) -> None:
    refused(session, "land_quota.outside_collective_land", lambda: register(session, w, boundary(5, 0)))
    # from 200 m to 320 m east: 20 m × 120 m = 2400 m² beyond the 300 m ownership parcel
    e = refused(session, "land_quota.outside_collective_land",
                lambda: register(session, w, boundary(2, 0, size_m=120)))
    assert abs(Decimal(e.details["outside_m2"]) - Decimal(2400)) < Decimal(30)
    # 0.1 m beyond the edge along 20 m: 2 m² is more than the 1 m² tolerance
    refused(session, "land_quota.outside_collective_land", lambda: register(session, w, boundary(2, 0,
                                                                                                   shift_m=80.1)))


def test_an_overhang_within_the_tolerance_is_accepted(w: QuotaWorld, session: Session) -> None:
    p = register(session, w, boundary(2, 0, shift_m=80.02))  # 0.02 m × 20 m = 0.4 m² beyond the edge
    assert p.status == "planned"


def test_land_the_collective_does_not_hold_is_outside_its_land(db: Database, w: QuotaWorld,
                                                              session: Session) -> None:
    other = build_world(session, seed=1)  # a second collective: its ownership parcel is the same square
    # the registry refuses overlapping ownership parcels, so the second collective holds only its use-right parcels
    refused(session, "land_quota.outside_collective_land",
            lambda: register(session, other, boundary(1, 1), collective_id=other.collective_id))


def test_no_overlap_with_another_project_unless_rejected(w: QuotaWorld, session: Session) -> None:
    first = register(session, w, boundary(1, 1))
    e = refused(session, "land_quota.project_overlap", lambda: register(session, w, boundary(1, 1, shift_m=10)))
    assert e.details["project_no"] == first.project_no
    assert abs(Decimal(e.details["overlap_m2"]) - Decimal(200)) < Decimal(3)
    register(session, w, boundary(1, 1, shift_m=20))  # touching along an edge is no overlap
    land_quota.reject_project(session, first.id, actor=ACTOR, reason="复垦方案未获批准")
    again = register(session, w, boundary(1, 1, shift_m=-10))  # the rejected project no longer blocks it
    assert again.status == "planned"


def test_an_overlap_within_the_tolerance_is_accepted(w: QuotaWorld, session: Session) -> None:
    register(session, w, boundary(0, 0))
    assert register(session, w, boundary(0, 0, shift_m=19.98)).status == "planned"  # 0.4 m² shared


def _ring(n: int) -> dict[str, Any]:
    import math

    cx, cy = ORIGIN[0] + 150 * LON_DEG_PER_M, ORIGIN[1] + 150 * DEG_PER_M
    turn = [2 * math.pi * k / n for k in range(n)]
    pts = [(cx + 50 * LON_DEG_PER_M * math.cos(a), cy + 50 * DEG_PER_M * math.sin(a)) for a in turn]
    return dict(mapping(Polygon(pts)))


def test_the_boundary_is_a_bounded_valid_polygon(w: QuotaWorld, session: Session) -> None:
    assert register(session, w, _ring(1998)).status == "planned"  # 1999 positions with the closing one
    refused(session, "land_quota.boundary_too_many_vertices", lambda: register(session, w, _ring(2001)))
    x0, y0 = ORIGIN[0] + 10 * LON_DEG_PER_M, ORIGIN[1] + 250 * DEG_PER_M
    d, e = 20 * LON_DEG_PER_M, 20 * DEG_PER_M
    bowtie = {"type": "Polygon", "coordinates": [[[x0, y0], [x0 + d, y0 + e], [x0 + d, y0], [x0, y0 + e], [x0, y0]]]}
    for bad in (bowtie, {"type": "Point", "coordinates": [x0, y0]}, {"type": "Polygon", "coordinates": "x"},
                {"type": "LineString", "coordinates": [[x0, y0], [x0 + d, y0]]}, {"nonsense": 1},
                dict(mapping(Polygon([(0, 0), (0.001, 0), (0.001, 0.001)])))):  # outside the city's extent
        refused(session, "land_quota.invalid_boundary", lambda bad=bad: register(session, w, bad))
    e2 = refused(session, "land_quota.boundary_area", lambda: register(session, w, boundary(2, 2, size_m=3)))
    assert e2.details["min_m2"] == "10.00"


def test_an_allocation_needs_a_current_registry_parcel_in_the_county(w: QuotaWorld, session: Session) -> None:
    credited(session, w, "100")
    approved_plan(session)
    refused(session, "land_quota.parcel_not_found", lambda: allocate(session, 10**9, "1"))
    e = refused(session, "land_quota.parcel_outside_county", lambda: allocate(session, w.elsewhere, "1"))
    assert e.details == {"parcel_id": w.elsewhere, "county_code": COUNTY}
    assert allocate(session, w.parcels[0], "1").parcel_id == w.parcels[0]


def test_projects_register_through_the_conftest_helper(w: QuotaWorld, session: Session) -> None:
    ids = [project(session, w, col=c, row=r) for c in range(3) for r in range(3)]
    assert len(set(ids)) == 9
