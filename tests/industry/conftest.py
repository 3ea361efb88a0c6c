"""Industry test world: the land quota world (destination parcels in 余江区 on a 100 m grid at row 20) with quota
allocated to three of its parcels, and a place whose boundary holds two of them (P1, S3)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from shapely.geometry import box, mapping
from sqlalchemy.orm import Session

from landbridge import industry, land_quota, registry
from tests.land_quota.conftest import YEAR, allocate, approved_plan, build_world, credited

ACTOR = "user:1:nr_official"
TOWN = "360603101000"


@dataclass
class IndustryWorld:
    place_id: int
    inside: list[int]  # allocation ids whose parcel lies in the place
    outside: int  # an allocation whose parcel lies outside


def boundary_around(s: Session, parcel_ids: list[int]) -> dict[str, Any]:
    """A rectangle holding the given parcels (with a 5 m margin), as GeoJSON."""
    shapes = [g for _, g, _ in registry.parcel_shapes(s, parcel_ids)]
    minx = min(g.bounds[0] for g in shapes)
    miny = min(g.bounds[1] for g in shapes)
    maxx = max(g.bounds[2] for g in shapes)
    maxy = max(g.bounds[3] for g in shapes)
    m = 0.00005
    return dict(mapping(box(minx - m, miny - m, maxx + m, maxy + m)))


def build(s: Session) -> IndustryWorld:
    w = build_world(s)
    credited(s, w, "5000")
    approved_plan(s)
    a = allocate(s, w.parcels[0], "1000")
    b = allocate(s, w.parcels[1], "600")
    c = allocate(s, w.parcels[3], "900")
    land_quota.consume(s, actor="user:1:county_official", parcel_id=w.parcels[1], year=YEAR, amount_m2=Decimal("250"))
    place = industry.create_place(s, actor=ACTOR, kind="characteristic_town", name="锦江精密元件小镇",
                                  region_code=TOWN, summary="以工促农发展示范区",
                                  industry_codes=["precision_components"],
                                  boundary_geometry=boundary_around(s, w.parcels[:2]))
    industry.publish_place(s, place.id, actor=ACTOR)
    return IndustryWorld(place.id, [a.id, b.id], c.id)
